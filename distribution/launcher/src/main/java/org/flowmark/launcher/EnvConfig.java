package org.flowmark.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Configuration values from environment variables, the way containers and init systems pass them:
 * {@code FLOWMARK_<PID>_<KEY>=value}, where {@code <PID>} is a configuration PID without its {@code org.flowmark.}
 * prefix, upper case, dots and dashes as underscores ({@code CAPTURE} is {@code org.flowmark.capture},
 * {@code SINK_JSON} is {@code org.flowmark.sink.json}), and {@code <KEY>} names a property: matched without case
 * and punctuation against the keys the PID's file mentions (commented-out ones too), so
 * {@code FLOWMARK_CAPTURE_BUFFERSIZEMB} sets {@code bufferSizeMb}, and against the property names of the bundles'
 * metatype descriptors; any other key is taken in lower case with underscores as dots. The longest matching PID wins.
 *
 * <p>ConfigAdmin files are never rewritten ({@code config/} may be read-only): when overrides exist, FileInstall
 * watches an overlay directory under {@code data/} instead, which holds a copy of every file of {@code config/}
 * with the overrides applied (plus a file for a PID that has overrides only). {@link #sync} keeps it current;
 * {@code flowmark run} calls it every half second, so editing {@code config/} still reconfigures the running agent.
 */
public final class EnvConfig {
    static final String PREFIX = "FLOWMARK_";
    /** The launcher's own variables, never configuration. */
    static final Set<String> RESERVED = Set.of("FLOWMARK_HOME", "FLOWMARK_CONFIG", "FLOWMARK_DATA",
            "FLOWMARK_JAVA_OPTS");
    /** PIDs that may be configured even when config/ has no file for them. */
    static final List<String> KNOWN_PIDS = List.of("org.flowmark.capture", "org.flowmark.sink.json",
            "org.flowmark.signatures", "org.flowmark.policy");

    private final Path source;
    private final Path overlay;
    private final Map<String, String> env;
    private final PrintStream err;
    private final Set<String> warned = new TreeSet<>();
    private Map<String, Set<String>> metatype = Map.of();

    public EnvConfig(Path source, Path overlay, Map<String, String> env, PrintStream err) {
        this.source = source;
        this.overlay = overlay;
        this.env = env;
        this.err = err;
    }

    /** Adds the PIDs and property names the bundles declare in their metatype (see {@link #metatypeKeys}). */
    public EnvConfig withMetatype(Map<String, Set<String>> keysByPid) {
        this.metatype = keysByPid;
        return this;
    }

    private static final java.util.regex.Pattern AD = java.util.regex.Pattern.compile("<AD\\b[^>]*\\bid=\"([^\"]+)\"");
    private static final java.util.regex.Pattern DESIGNATE = java.util.regex.Pattern.compile(
            "<Designate\\b[^>]*\\b(?:factoryPid|pid)=\"([^\"]+)\"");

    /**
     * PID -> property names from the metatype descriptors ({@code OSGI-INF/metatype/*.xml}) of the jars under
     * {@code dir}: how {@code FLOWMARK_CAPTURE_MAXDETECTORFAULTS} finds the spelling {@code maxDetectorFaults}.
     */
    public static Map<String, Set<String>> metatypeKeys(Path dir, PrintStream err) {
        Map<String, Set<String>> out = new TreeMap<>();
        List<Path> jars = new ArrayList<>();
        try (java.util.stream.Stream<Path> s = Files.walk(dir, 2)) {
            s.filter(p -> p.toString().endsWith(".jar")).forEach(jars::add);
        } catch (IOException e) {
            return out;
        }
        for (Path jar : jars) {
            try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(jar.toFile())) {
                for (java.util.zip.ZipEntry e : java.util.Collections.list(z.entries())) {
                    if (!e.getName().startsWith("OSGI-INF/metatype/") || !e.getName().endsWith(".xml")) {
                        continue;
                    }
                    String xml = new String(z.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
                    Set<String> ads = new TreeSet<>();
                    java.util.regex.Matcher m = AD.matcher(xml);
                    while (m.find()) {
                        ads.add(m.group(1));
                    }
                    m = DESIGNATE.matcher(xml);
                    while (m.find()) {
                        out.computeIfAbsent(m.group(1), k -> new TreeSet<>()).addAll(ads);
                    }
                }
            } catch (IOException | RuntimeException e) {
                err.println("flowmark: cannot read the metatype of " + jar.getFileName() + ": " + e);
            }
        }
        return out;
    }

    /** True when some environment variable looks like a configuration override. */
    public static boolean hasOverrides(Map<String, String> env) {
        return env.keySet().stream().anyMatch(k -> k.startsWith(PREFIX) && !RESERVED.contains(k));
    }

    /** The env suffix of a PID: {@code org.flowmark.sink.json} gives {@code SINK_JSON}. */
    static String envName(String pid) {
        String p = pid.startsWith("org.flowmark.") ? pid.substring("org.flowmark.".length()) : pid;
        return p.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** PID -> (key -> value) of the overrides, given the PIDs and the keys their files mention. */
    static Map<String, Map<String, String>> overrides(Map<String, String> env, Map<String, Set<String>> keysByPid,
            PrintStream err, Set<String> warned) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String var = e.getKey();
            if (!var.startsWith(PREFIX) || RESERVED.contains(var)) {
                continue;
            }
            String rest = var.substring(PREFIX.length());
            String pid = null;
            for (String candidate : keysByPid.keySet()) {
                String n = envName(candidate) + "_";
                if (rest.startsWith(n) && rest.length() > n.length()
                        && (pid == null || n.length() > envName(pid).length() + 1)) {
                    pid = candidate;
                }
            }
            if (pid == null) {
                if (warned.add(var)) {
                    err.println("flowmark: ignoring " + var + ": no configuration PID matches (known: "
                            + String.join(", ", keysByPid.keySet()) + ")");
                }
                continue;
            }
            String keyPart = rest.substring(envName(pid).length() + 1);
            String key = null;
            for (String k : keysByPid.get(pid)) {
                if (norm(k).equals(norm(keyPart))) {
                    key = k;
                    break;
                }
            }
            if (key == null) {
                key = keyPart.toLowerCase(Locale.ROOT).replace('_', '.');
            }
            out.computeIfAbsent(pid, k -> new LinkedHashMap<>()).put(key, e.getValue());
        }
        return out;
    }

    private static String norm(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (Character.isLetterOrDigit(c)) {
                sb.append(Character.toLowerCase(c));
            }
        }
        return sb.toString();
    }

    /** Keys a config file mentions: {@code key=...} and commented {@code #key=...} lines. */
    static Set<String> keysOf(List<String> lines) {
        Set<String> keys = new TreeSet<>();
        for (String l : lines) {
            String t = l.strip();
            while (t.startsWith("#") || t.startsWith("!")) {
                t = t.substring(1).strip();
            }
            int eq = t.indexOf('=');
            if (eq > 0) {
                String k = t.substring(0, eq).strip();
                if (k.matches("[A-Za-z0-9_.\\-]+")) {
                    keys.add(k);
                }
            }
        }
        return keys;
    }

    /** The file's lines with the overrides applied: a set key's lines are commented out, the values appended. */
    static List<String> apply(List<String> lines, Map<String, String> values) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            String t = l.strip();
            int eq = t.indexOf('=');
            if (!t.startsWith("#") && eq > 0 && values.containsKey(t.substring(0, eq).strip())) {
                out.add("# overridden from the environment: " + l);
            } else {
                out.add(l);
            }
        }
        out.add("# from the environment (FLOWMARK_* variables)");
        values.forEach((k, v) -> out.add(k + "=" + v.replace("\\", "\\\\").replace("\n", "\\n")));
        return out;
    }

    private static boolean isConfig(Path p) {
        String n = p.getFileName().toString();
        return Files.isRegularFile(p) && (n.endsWith(".cfg") || n.endsWith(".config"));
    }

    private static String pidOf(Path p) {
        String n = p.getFileName().toString();
        return n.substring(0, n.lastIndexOf('.'));
    }

    /** Brings the overlay up to date with config/ and the environment. Returns true if a file changed. */
    public synchronized boolean sync() throws IOException {
        Files.createDirectories(overlay);
        Map<String, Path> files = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(source)) {
            for (Path p : ds) {
                if (isConfig(p)) {
                    files.put(pidOf(p), p);
                }
            }
        }
        Map<String, List<String>> content = new TreeMap<>();
        Map<String, Set<String>> keys = new TreeMap<>();
        for (String pid : KNOWN_PIDS) {
            keys.put(pid, new TreeSet<>());
        }
        metatype.forEach((pid, ks) -> keys.computeIfAbsent(pid, k -> new TreeSet<>()).addAll(ks));
        for (Map.Entry<String, Path> f : files.entrySet()) {
            List<String> lines = Files.readAllLines(f.getValue(), StandardCharsets.ISO_8859_1);
            content.put(f.getKey(), lines);
            keys.computeIfAbsent(f.getKey(), k -> new TreeSet<>()).addAll(keysOf(lines));
        }
        Map<String, Map<String, String>> ov = overrides(env, keys, err, warned);
        Map<String, String> wanted = new TreeMap<>();
        for (Map.Entry<String, List<String>> c : content.entrySet()) {
            Map<String, String> values = ov.get(c.getKey());
            wanted.put(c.getKey() + ext(files.get(c.getKey())),
                    String.join("\n", values == null ? c.getValue() : apply(c.getValue(), values)) + "\n");
        }
        for (Map.Entry<String, Map<String, String>> o : ov.entrySet()) {
            if (!content.containsKey(o.getKey())) {
                wanted.put(o.getKey() + ".cfg", String.join("\n", apply(List.of(), o.getValue())) + "\n");
            }
        }
        boolean changed = false;
        Path tmp = overlay.resolveSibling(overlay.getFileName() + ".tmp");
        Files.createDirectories(tmp);
        for (Map.Entry<String, String> w : wanted.entrySet()) {
            Path target = overlay.resolve(w.getKey());
            byte[] bytes = w.getValue().getBytes(StandardCharsets.ISO_8859_1);
            if (Files.isRegularFile(target) && java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
                continue;
            }
            Path t = tmp.resolve(w.getKey());
            Files.write(t, bytes);
            Files.move(t, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            changed = true;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(overlay)) {
            for (Path p : ds) {
                if (!wanted.containsKey(p.getFileName().toString())) {
                    Files.deleteIfExists(p);
                    changed = true;
                }
            }
        }
        return changed;
    }

    private static String ext(Path p) {
        String n = p.getFileName().toString();
        return n.substring(n.lastIndexOf('.'));
    }

    /** Keeps the overlay in sync every {@code millis} on a daemon thread (for {@code flowmark run}). */
    public Thread watch(long millis) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(millis);
                    sync();
                } catch (InterruptedException e) {
                    return;
                } catch (IOException | RuntimeException e) {
                    err.println("flowmark: cannot update the configuration overlay " + overlay + ": " + e);
                }
            }
        }, "flowmark-env-config");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
