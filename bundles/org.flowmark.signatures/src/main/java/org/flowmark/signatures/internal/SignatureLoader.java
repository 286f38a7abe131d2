package org.flowmark.signatures.internal;

import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

/**
 * Reads one signature file with Jackson: unknown fields, duplicate keys, trailing content and invalid values are
 * errors reported as {@code "<file>: line L, column C: <what>"} (Jackson's {@link JsonLocation}).
 */
final class SignatureLoader {

    /** One file's applications with their patterns, validated. */
    static final class Loaded {
        final String file;
        final List<Spec> specs;

        Loaded(String file, List<Spec> specs) {
            this.file = file;
            this.specs = specs;
        }
    }

    /** An application and its domains and networks. */
    static final class Spec {
        final App app;
        final List<SignatureFile.Domain> domains;
        final List<SignatureFile.Network> networks;

        Spec(App app, List<SignatureFile.Domain> domains, List<SignatureFile.Network> networks) {
            this.app = app;
            this.domains = domains;
            this.networks = networks;
        }
    }

    private static final ObjectReader READER = new ObjectMapper()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .readerFor(SignatureFile.class);

    private SignatureLoader() {
    }

    static Loaded load(Path path) throws SignatureException {
        String name = path.getFileName().toString();
        try (InputStream in = Files.newInputStream(path)) {
            return parse(name, in);
        } catch (IOException e) {
            if (e instanceof JsonProcessingException) {
                throw error(name, (JsonProcessingException) e);
            }
            throw new SignatureException(name + ": cannot read: " + e.getMessage(), e);
        }
    }

    static Loaded parse(String name, InputStream in) throws IOException, SignatureException {
        SignatureFile f;
        try {
            f = READER.readValue(in);
        } catch (JsonProcessingException e) {
            throw error(name, e);
        } catch (CharConversionException e) {
            // Jackson guesses UTF-16/32 from the first bytes and its UTF-32 reader reports bad code points so:
            // a content error, not an I/O failure (found by fuzzing)
            throw new SignatureException(name + ": not JSON text in UTF-8: " + e.getMessage(), e);
        }
        if (f == null || f.applications == null) {
            throw new SignatureException(name + ": no \"applications\" array", null);
        }
        List<Spec> specs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (SignatureFile.Application a : f.applications) {
            if (a == null || a.name == null) {
                throw new SignatureException(name + ": an application without \"name\"", null);
            }
            if (!names.add(a.name.value)) {
                throw new SignatureException(name + ": application \"" + a.name.value + "\" appears twice", null);
            }
            if (a.domains.isEmpty() && a.networks.isEmpty()) {
                throw new SignatureException(name + ": application \"" + a.name.value
                    + "\" has neither domains nor networks", null);
            }
            int[] ports = a.ports.stream().mapToInt(p -> p.value).toArray();
            Set<String> protocols = new LinkedHashSet<>(a.protocols);
            App app = new App(a.id, a.name.value, a.category != null ? a.category.value : "unknown", name, ports,
                protocols);
            specs.add(new Spec(app, List.copyOf(a.domains), List.copyOf(a.networks)));
        }
        return new Loaded(name, List.copyOf(specs));
    }

    private static SignatureException error(String name, JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        String where = loc != null && loc.getLineNr() > 0
            ? ": line " + loc.getLineNr() + ", column " + loc.getColumnNr() : "";
        String what = e.getOriginalMessage();
        Throwable c = e.getCause();
        if (c instanceof IllegalArgumentException && c.getMessage() != null) {
            what = c.getMessage();
        }
        int nl = what == null ? -1 : what.indexOf('\n');
        if (nl > 0) {
            what = what.substring(0, nl);
        }
        return new SignatureException(name + where + ": " + what, e);
    }
}
