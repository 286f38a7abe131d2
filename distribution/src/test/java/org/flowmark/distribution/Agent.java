package org.flowmark.distribution;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A {@code bin/flowmark} process of a private copy of the distribution, for the system tests: stdout lines and
 * stderr lines are collected with the {@link System#nanoTime} they arrived at; {@link #status} asks it over its
 * status socket with {@code bin/flowmark status}.
 */
final class Agent implements AutoCloseable {

    /** One line of output and when it was read. */
    record Line(long nanos, String text) {
    }

    final Path home;
    final Path data;
    final Map<String, String> env;
    final List<Line> out = Collections.synchronizedList(new ArrayList<>());
    final List<Line> err = Collections.synchronizedList(new ArrayList<>());
    private Process process;

    Agent(Path home, Path data, Map<String, String> env) {
        this.home = home;
        this.data = data;
        this.env = env;
    }

    /** Copies the assembled distribution to {@code target} without {@code data/}, skipping jars {@code skip} accepts. */
    static Path copyLayout(Path layout, Path target, Predicate<Path> skip) throws IOException {
        Files.walkFileTree(layout, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult preVisitDirectory(Path dir,
                    java.nio.file.attribute.BasicFileAttributes attrs) throws IOException {
                if (dir.equals(layout.resolve("data"))) {
                    return java.nio.file.FileVisitResult.SKIP_SUBTREE; // other runs' disposable state
                }
                Files.createDirectories(target.resolve(layout.relativize(dir).toString()));
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs)
                    throws IOException {
                if (!skip.test(file)) {
                    Files.copy(file, target.resolve(layout.relativize(file).toString()),
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        Files.createDirectories(target.resolve("data"));
        Files.createDirectories(target.resolve("deploy"));
        return target;
    }

    Agent start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin/flowmark").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("FLOWMARK_"));
        pb.environment().put("FLOWMARK_HOME", home.toString());
        pb.environment().put("FLOWMARK_DATA", data.toString());
        pb.environment().putAll(env);
        process = pb.start();
        pump(process.getInputStream(), out, "out");
        pump(process.getErrorStream(), err, "err");
        return this;
    }

    private static void pump(InputStream in, List<Line> sink, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    sink.add(new Line(System.nanoTime(), l));
                }
            } catch (IOException e) {
                // process gone
            }
        }, "agent-" + name);
        t.setDaemon(true);
        t.start();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Asks the agent's status socket directly (what {@code flowmark status} does, without starting a JVM). */
    String status(String what) throws IOException {
        try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(
                java.net.UnixDomainSocketAddress.of(data.resolve("flowmark.sock")))) {
            c.write(java.nio.ByteBuffer.wrap((what + "\n").getBytes(StandardCharsets.UTF_8)));
            return new String(java.nio.channels.Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** {@code bin/flowmark status [what]} against this agent; the text, or an exception with its stderr. */
    String cliStatus(String what) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/flowmark").toString(), "status", what);
        pb.environment().keySet().removeIf(k -> k.startsWith("FLOWMARK_"));
        pb.environment().put("FLOWMARK_HOME", home.toString());
        pb.environment().put("FLOWMARK_DATA", data.toString());
        pb.environment().put("FLOWMARK_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -Xshare:auto");
        Process p = pb.start();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        Thread te = new Thread(() -> copy(p.getErrorStream(), e));
        te.start();
        copy(p.getInputStream(), o);
        te.join();
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("flowmark status " + what + " failed: " + e.toString(StandardCharsets.UTF_8));
        }
        return o.toString(StandardCharsets.UTF_8);
    }

    private static void copy(InputStream in, OutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException ex) {
            // ended
        }
    }

    /** Waits until {@code status what} satisfies {@code ok}; returns that text, or null at the deadline. */
    String awaitStatus(String what, Predicate<String> ok, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        String last = null;
        while (System.nanoTime() < deadline && alive()) {
            try {
                last = status(what);
                if (ok.test(last)) {
                    return last;
                }
            } catch (IOException e) {
                last = e.getMessage();
            }
            Thread.sleep(50);
        }
        return null;
    }

    /** A long figure of the status text: {@code pattern} with one group. */
    static long figure(String status, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(status);
        if (!m.find()) {
            throw new AssertionError("no " + pattern + " in:\n" + status);
        }
        return Long.parseLong(m.group(1));
    }

    String errText() {
        synchronized (err) {
            StringBuilder sb = new StringBuilder();
            err.forEach(l -> sb.append(l.text()).append('\n'));
            return sb.toString();
        }
    }

    /** SIGTERM, then waits; returns the exit status. */
    int stop() throws InterruptedException {
        if (process == null) {
            return -1;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (alive()) {
            stop();
        }
    }

    /** Copies {@code jar} to {@code target} with another Bundle-Version in its manifest. */
    static void withVersion(Path jar, Path target, String version) throws IOException {
        try (JarFile in = new JarFile(jar.toFile())) {
            Manifest mf = new Manifest(in.getManifest());
            mf.getMainAttributes().put(new Attributes.Name("Bundle-Version"), version);
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target), mf)) {
                for (JarEntry e : Collections.list(in.entries())) {
                    if (e.getName().equalsIgnoreCase("META-INF/MANIFEST.MF")) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(e.getName()));
                    try (InputStream is = in.getInputStream(e)) {
                        is.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
        }
    }

    /** Places {@code src} at {@code target} in one rename (FileInstall never sees a half-written jar). */
    static void dropAtomically(Path src, Path target) throws IOException {
        Path tmp = target.getParent().getParent().resolve(".incoming-" + target.getFileName());
        Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    /** Runs a command, returns stdout+stderr; fails on a non-zero exit unless {@code check} is false. */
    static String sh(boolean check, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String o = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": timed out");
        }
        if (check && p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + o);
        }
        return o;
    }

    /** True when running as root with the named commands on PATH. */
    static String missingForRoot(String... tools) throws IOException, InterruptedException {
        if (!"0".equals(sh(false, "id", "-u").trim())) {
            return "not root";
        }
        for (String t : tools) {
            if (sh(false, "sh", "-c", "command -v " + t).isBlank()) {
                return t + " not installed";
            }
        }
        return null;
    }
}
