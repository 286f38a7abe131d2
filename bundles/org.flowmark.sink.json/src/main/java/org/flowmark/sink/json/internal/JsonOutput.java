package org.flowmark.sink.json.internal;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.flowmark.sink.json.internal.SinkRecord.Format;
import org.flowmark.sink.json.internal.SinkRecord.Kind;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * One configured output of the JSON data stream (factory PID {@value #PID}, one instance per configuration).
 * Registered as a service of this class so that {@link JsonSink} hands it the records; the output owns its queue
 * and threads and closes them on deactivation.
 */
@Component(configurationPid = JsonOutput.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = JsonOutput.class)
@Designate(ocd = JsonOutput.Config.class, factory = true)
public final class JsonOutput {

    public static final String PID = "org.flowmark.sink.json.output";

    /** Bound of the wait for queued records on deactivation. */
    static final long CLOSE_TIMEOUT_MS = 5_000;

    @ObjectClassDefinition(name = "Flowmark JSON output",
            description = "One destination of the flow data stream: stdout, a file, a Unix socket or a TCP port "
                    + "on 127.0.0.1.")
    @interface Config {
        @AttributeDefinition(description = "Destination type", options = {
                @Option(label = "Standard output", value = "stdout"), @Option(label = "File (append)", value = "file"),
                @Option(label = "Unix domain socket server", value = "unix"),
                @Option(label = "TCP server on 127.0.0.1", value = "tcp")})
        String type() default "stdout";

        @AttributeDefinition(required = false, description = "File path (file) or socket path (unix)")
        String path() default "";

        @AttributeDefinition(required = false, description = "TCP port on 127.0.0.1 (tcp)")
        int port() default 0;

        @AttributeDefinition(description = "Record format", options = {
                @Option(label = "Newline-delimited JSON", value = "ndjson"),
                @Option(label = "Human table (purged flows)", value = "table")})
        String format() default "ndjson";

        @AttributeDefinition(description = "Records buffered by this output (and per socket client)", min = "1")
        int queue__size() default 8192;

        @AttributeDefinition(description = "Record classes to write: classified, purge, stats")
        String[] include() default {"classified", "purge", "stats"};

        @AttributeDefinition(required = false, description = "Name used in logs and thread names "
                + "(default: type and path or port)")
        String name() default "";
    }

    private final QueuedOutput output;

    @Activate
    public JsonOutput(Config config, BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        this(config, Modes.backpressure(context::getProperty), log);
    }

    JsonOutput(Config config, boolean backpressure, Logger log) {
        try {
            this.output = create(config, backpressure, log).start();
        } catch (IllegalArgumentException e) {
            log.error("JSON output not started: {}", e.getMessage());
            throw e;
        }
        log.info("JSON output {}: started ({} {}, queue {})", output.name, config.type(), output.format.label,
                config.queue__size());
    }

    @Deactivate
    void deactivate() {
        output.close(CLOSE_TIMEOUT_MS);
    }

    QueuedOutput output() {
        return output;
    }

    /** Builds (does not start) the output described by {@code c}; a bad setting is an IllegalArgumentException. */
    static QueuedOutput create(Config c, boolean backpressure, Logger log) {
        String type = c.type() == null ? "" : c.type().trim().toLowerCase(Locale.ROOT);
        Format format = Format.parse(c.format());
        Set<Kind> include = parseInclude(c.include());
        String path = c.path() == null ? "" : c.path().trim();
        String name = c.name() == null || c.name().isBlank() ? defaultName(type, path, c.port()) : c.name().trim();
        int q = c.queue__size();
        switch (type) {
            case "stdout":
                return new StreamOutput(name, System.out, format, include, q, backpressure, log);
            case "file":
                return new FileOutput(name, requirePath(name, type, path), format, include, q, backpressure, log);
            case "unix":
                return new SocketOutput(name, requirePath(name, type, path), 0, format, include, q, q, backpressure,
                        log);
            case "tcp":
                if (c.port() <= 0 || c.port() > 65535) {
                    throw new IllegalArgumentException("JSON output " + name + ": type tcp needs port 1..65535, got "
                            + c.port());
                }
                return new SocketOutput(name, null, c.port(), format, include, q, q, backpressure, log);
            default:
                throw new IllegalArgumentException("JSON output " + name + ": unknown type '" + c.type()
                        + "' (expected stdout, file, unix or tcp)");
        }
    }

    private static Path requirePath(String name, String type, String path) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException("JSON output " + name + ": type " + type + " needs a path");
        }
        try {
            return Path.of(path);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException("JSON output " + name + ": invalid path '" + path + "': "
                    + e.getMessage());
        }
    }

    static Set<Kind> parseInclude(String[] include) {
        if (include == null || include.length == 0) {
            return EnumSet.allOf(Kind.class);
        }
        Set<Kind> s = EnumSet.noneOf(Kind.class);
        for (String i : include) {
            // one value may itself be a comma list ("classified,purge")
            for (String part : i.split(",")) {
                if (!part.isBlank()) {
                    s.add(Kind.parse(part));
                }
            }
        }
        return s;
    }

    private static String defaultName(String type, String path, int port) {
        UnaryOperator<String> clean = s -> s.replaceAll("[^A-Za-z0-9._-]", "_");
        return switch (type) {
            case "file", "unix" -> type + "-" + clean.apply(TableFormat.baseName(path));
            case "tcp" -> type + "-" + port;
            default -> clean.apply(type.isEmpty() ? "output" : type);
        };
    }
}
