package org.flowmark.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packages: the self-contained tarball (distribution + jlink runtime) runs {@code demo}, {@code read} of a
 * QUIC capture (crypto) and, as root, {@code run} on the loopback interface (startup time to capturing and idle
 * heap measured); the .deb installs, its unit passes {@code systemd-analyze verify}, {@code flowmark read} runs as
 * the package's unprivileged user, and {@code dpkg --purge} leaves nothing behind. Root-only parts skip with a
 * message. Figures go to stdout and {@code target/packaging-figures.txt}.
 */
class PackagingIT {
    static final Path TARGET = FrameworkIT.LAYOUT.getParent();
    static final StringBuilder FIGURES = new StringBuilder();
    static Path work;
    static Path jreHome;

    @BeforeAll
    static void unpack() throws Exception {
        work = Files.createTempDirectory("flowmark-packaging-");
        Path tgz;
        try (Stream<Path> s = Files.list(TARGET)) {
            tgz = s.filter(p -> p.getFileName().toString().matches("flowmark-.*-linux-.*\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no flowmark-VERSION-linux-ARCH.tar.gz in " + TARGET));
        }
        try (Stream<Path> s = Files.list(TARGET)) {
            s.filter(p -> p.getFileName().toString().matches("flowmark.*\\.(tar\\.gz|deb)")).sorted().forEach(p -> {
                try {
                    FIGURES.append(String.format("%-45s %6.1f MB%n", p.getFileName(), Files.size(p) / 1e6));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        Agent.sh(true, "tar", "-xzf", tgz.toString(), "-C", work.toString());
        try (Stream<Path> s = Files.list(work)) {
            jreHome = s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        FIGURES.append("jlink runtime: ").append(Agent.sh(true, "du", "-sh", jreHome.resolve("runtime").toString())
                .split("\\s")[0]).append('\n');
    }

    @AfterAll
    static void report() throws Exception {
        System.out.print("PackagingIT figures:\n" + FIGURES);
        Files.writeString(TARGET.resolve("packaging-figures.txt"), FIGURES.toString(), StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING);
        Agent.deleteTree(work);
    }

    /** Runs the unpacked self-contained distribution without any Java on PATH or in JAVA_HOME. */
    static String jre(String... args) throws Exception {
        String[] cmd = new String[args.length + 5];
        cmd[0] = "env";
        cmd[1] = "-u";
        cmd[2] = "JAVA_HOME";
        cmd[3] = "PATH=/usr/bin:/bin";
        cmd[4] = jreHome.resolve("bin/flowmark").toString();
        System.arraycopy(args, 0, cmd, 5, args.length);
        return Agent.sh(true, cmd);
    }

    @Test
    void selfContainedRuntimeRunsDemoAndQuic() throws Exception {
        assertTrue(Files.isExecutable(jreHome.resolve("runtime/bin/java")));
        String modules = Agent.sh(true, jreHome.resolve("runtime/bin/java").toString(), "--list-modules");
        assertFalse(modules.contains("java.desktop"), modules);
        assertTrue(jre("demo").contains("HTTP"), "demo with the jlink runtime");
        String quic = jre("read", "--format", "ndjson", GoldenIT.GOLDEN.resolve("quic-ngtcp2-v1.pcap").toString());
        assertTrue(quic.contains("\"host_server_name\":\"quic.flowmark.test\""), "QUIC Initial decrypted:\n" + quic);
    }

    @Test
    void selfContainedRuntimeCapturesLive() throws Exception {
        String missing = Agent.missingForRoot("ip");
        Assumptions.assumeTrue(missing == null, "live run of the jlink image skipped: " + missing);
        Path data = work.resolve("data-live");
        long t0 = System.nanoTime();
        try (Agent a = new Agent(jreHome, data, Map.of("FLOWMARK_CAPTURE_INTERFACES", "lo",
                "PATH", "/usr/bin:/bin")).start("run")) {
            assertNotNull(a.awaitStatus("stats", s -> s.contains("source lo [live]"), 60_000), a.errText());
            long startMs = (System.nanoTime() - t0) / 1_000_000;
            FIGURES.append("startup to capturing (jlink image, run on lo, status poll 50 ms): ").append(startMs)
                    .append(" ms\n");
            Thread.sleep(5000);
            String jcmd = Path.of(System.getProperty("java.home"), "bin/jcmd").toString();
            long pid = Long.parseLong(Agent.sh(true, "sh", "-c", "pgrep -f 'flowmark.home=" + jreHome + "' | head -1").trim());
            if (Files.isExecutable(Path.of(jcmd))) {
                Agent.sh(false, jcmd, Long.toString(pid), "GC.run");
            }
            String stats = a.status("stats");
            FIGURES.append("idle heap after GC: ").append(Agent.figure(stats, "heap-used (\\d+) KiB") / 1024)
                    .append(" MiB used, ").append(Agent.figure(stats, "heap-committed (\\d+) KiB") / 1024)
                    .append(" MiB committed; RSS ")
                    .append(Agent.sh(true, "ps", "-o", "rss=", "-p", Long.toString(pid)).trim()).append(" KiB; threads ")
                    .append(Agent.figure(stats, "threads (\\d+)")).append('\n');
        }
    }

    @Test
    void debianPackageInstallsRunsAndPurges() throws Exception {
        String missing = Agent.missingForRoot("dpkg", "systemd-analyze", "runuser");
        Assumptions.assumeTrue(missing == null, "Debian package test skipped: " + missing);
        Path deb = Path.of(System.getProperty("flowmark.deb"));
        assertTrue(Files.isRegularFile(deb), deb + " not built");
        Agent.sh(false, "dpkg", "--purge", "flowmark");
        try {
            Agent.sh(true, "dpkg", "-i", deb.toString());
            assertTrue(Files.isExecutable(Path.of("/opt/flowmark/current/bin/flowmark")));
            assertTrue(Files.isExecutable(Path.of("/opt/flowmark/current/runtime/bin/java")));
            assertTrue(Files.isRegularFile(Path.of("/etc/flowmark/org.flowmark.capture.cfg")));
            assertTrue(Agent.sh(true, "id", "flowmark").contains("flowmark"));
            assertEquals("flowmark flowmark", Agent.sh(true, "stat", "-c", "%U %G", "/var/lib/flowmark/data").trim());
            String verify = Agent.sh(false, "systemd-analyze", "verify", "/lib/systemd/system/flowmark.service");
            assertFalse(verify.contains("flowmark.service:"), "systemd-analyze verify:\n" + verify);
            String security = Agent.sh(false, "systemd-analyze", "security", "--offline=yes",
                    "/lib/systemd/system/flowmark.service");
            security.lines().filter(l -> l.contains("Overall exposure")).findFirst()
                    .ifPresent(l -> FIGURES.append("systemd-analyze security: ").append(l.strip()).append('\n'));
            long t0 = System.nanoTime();
            String out = Agent.sh(true, "runuser", "-u", "flowmark", "--", "/usr/bin/flowmark", "read", "--format",
                    "ndjson", "/opt/flowmark/current/samples/demo.pcap");
            FIGURES.append("installed 'flowmark read demo.pcap' as user flowmark: ")
                    .append((System.nanoTime() - t0) / 1_000_000).append(" ms\n");
            assertTrue(out.contains("\"detected_protocol_name\":\"HTTP\""), out);
        } finally {
            String purge = Agent.sh(false, "dpkg", "--purge", "flowmark");
            assertFalse(Files.exists(Path.of("/opt/flowmark")), "left /opt/flowmark: " + purge);
            assertFalse(Files.exists(Path.of("/var/lib/flowmark")), "left /var/lib/flowmark");
            assertFalse(Files.exists(Path.of("/etc/flowmark")), "left /etc/flowmark");
            assertFalse(Files.exists(Path.of("/usr/bin/flowmark")), "left /usr/bin/flowmark");
            assertFalse(Agent.sh(false, "getent", "passwd", "flowmark").contains("flowmark"), "user left");
        }
        TimeUnit.MILLISECONDS.sleep(0);
    }
}
