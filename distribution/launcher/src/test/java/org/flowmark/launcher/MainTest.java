package org.flowmark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.flowmark.launcher.Command.Verb;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Main main(Map<String, String> env) {
        return new Main(env, new Properties(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void parsesRead() throws Exception {
        Command c = CommandLine.parse("read", "--format", "table", "a.pcap", "--config=/etc/fm", "b.pcap");
        assertEquals(Verb.READ, c.verb());
        assertEquals("table", c.format());
        assertEquals("/etc/fm", c.configDir());
        assertEquals(List.of("a.pcap", "b.pcap"), c.files());
        assertEquals("ndjson", CommandLine.parse("read", "x").format());
        assertEquals(List.of("-weird.pcap"), CommandLine.parse("read", "--", "-weird.pcap").files());
    }

    @Test
    void parsesRunBenchDemoHelp() throws Exception {
        Command run = CommandLine.parse("run", "--console", "--config", "cfg");
        assertTrue(run.console());
        assertEquals("cfg", run.configDir());
        assertEquals("run", run.verb().mode());
        Command bench = CommandLine.parse("bench", "big.pcap", "--repeat", "3");
        assertEquals(3, bench.repeat());
        assertEquals("none", bench.format());
        assertEquals(5, CommandLine.parse("bench", "big.pcap").repeat());
        Command demo = CommandLine.parse("demo");
        assertEquals("table", demo.format());
        assertEquals("read", demo.verb().mode());
        assertEquals(Verb.HELP, CommandLine.parse().verb());
        assertEquals(Verb.HELP, CommandLine.parse("help").verb());
        assertEquals(Verb.HELP, CommandLine.parse("read", "--help").verb());
    }

    @Test
    void rejectsBadCommandLines() {
        assertThrows(UsageException.class, () -> CommandLine.parse("frobnicate"));
        assertThrows(UsageException.class, () -> CommandLine.parse("read"));
        assertThrows(UsageException.class, () -> CommandLine.parse("read", "--format", "xml", "a"));
        assertThrows(UsageException.class, () -> CommandLine.parse("read", "--format"));
        assertThrows(UsageException.class, () -> CommandLine.parse("read", "--verbose", "a"));
        assertThrows(UsageException.class, () -> CommandLine.parse("read", "--console", "a"));
        assertThrows(UsageException.class, () -> CommandLine.parse("run", "extra"));
        assertThrows(UsageException.class, () -> CommandLine.parse("run", "--format", "table"));
        assertThrows(UsageException.class, () -> CommandLine.parse("bench", "a", "--repeat", "0"));
        assertThrows(UsageException.class, () -> CommandLine.parse("bench", "a", "--repeat", "x"));
        assertThrows(UsageException.class, () -> CommandLine.parse("demo", "file.pcap"));
        assertThrows(UsageException.class, () -> CommandLine.parse("run", "--config="));
    }

    @Test
    void unknownOptionPrintsMessageAndUsageWithStatus2() {
        assertEquals(2, main(Map.of()).run("read", "--bogus", "x.pcap"));
        assertTrue(err().contains("unknown option '--bogus'"), err());
        assertTrue(err().contains("Usage: flowmark"), err());
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpGoesToStdout() {
        assertEquals(0, main(Map.of()).run("help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: flowmark"));
    }

    @Test
    void startLevelsFromDirectoryNames() {
        assertEquals(1, Boot.startLevelOf("1-runtime"));
        assertEquals(12, Boot.startLevelOf("12-x"));
        assertEquals(4, Boot.startLevelOf("4"));
        assertEquals(-1, Boot.startLevelOf("runtime"));
        assertEquals(-1, Boot.startLevelOf("0-x"));
        assertEquals(-1, Boot.startLevelOf("123-x"));
        assertEquals(-1, Boot.startLevelOf("1x"));
    }

    @Test
    void scansBundlesByLevel() throws IOException {
        Path b = Files.createDirectories(tmp.resolve("bundles"));
        Files.createDirectories(b.resolve("1-runtime"));
        Files.createDirectories(b.resolve("4-core"));
        Files.createDirectories(b.resolve("misc"));
        Files.writeString(b.resolve("1-runtime/b.jar"), "");
        Files.writeString(b.resolve("1-runtime/a.jar"), "");
        Files.writeString(b.resolve("1-runtime/readme.txt"), "");
        Files.writeString(b.resolve("4-core/core.jar"), "");
        Files.createDirectories(b.resolve("6-late"));
        Files.writeString(b.resolve("6-late/late.jar"), "");
        Files.writeString(b.resolve("loose.jar"), "");
        TreeMap<Integer, List<Path>> m = Boot.scanBundles(b, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(List.of(1, 4, 6), List.copyOf(m.keySet()));
        assertEquals(List.of("a.jar", "b.jar"), m.get(1).stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(2, m.get(4).size(), "a loose jar gets the default level");
        assertEquals(6, Boot.beginningLevel(m));
        assertTrue(err().contains("misc"), err());
    }

    @Test
    void frameworkPropertiesForRead() throws Exception {
        Properties sys = new Properties();
        sys.setProperty("flowmark.capture.snaplen", "128");
        sys.setProperty("flowmark.exit.status", "0");
        sys.setProperty("user.name", "x");
        Command c = CommandLine.parse("read", "--format", "table", "a", "b");
        Map<String, String> p = Boot.frameworkProperties(tmp, tmp.resolve("cfg"), tmp.resolve("data"), c,
                List.of(Path.of("/x/a.pcap"), Path.of("/x/b.pcap")), 4, sys);
        assertEquals("read", p.get("flowmark.mode"));
        assertEquals("/x/a.pcap\n/x/b.pcap", p.get("flowmark.read.files"));
        assertEquals("table", p.get("flowmark.output.format"));
        assertEquals("128", p.get("flowmark.capture.snaplen"));
        assertFalse(p.containsKey("flowmark.exit.status"));
        assertFalse(p.containsKey("user.name"));
        assertEquals("--noi", p.get("gosh.args"));
        assertEquals("false", p.get("felix.fileinstall.enableConfigSave"));
        assertEquals(tmp.resolve("deploy") + "," + tmp.resolve("cfg"), p.get("felix.fileinstall.dir"));
        assertEquals("onFirstInit", p.get("org.osgi.framework.storage.clean"));

        Command b = CommandLine.parse("bench", "a", "--repeat", "7");
        p = Boot.frameworkProperties(tmp, tmp, tmp, b, List.of(Path.of("/a")), 4, new Properties());
        assertEquals("bench", p.get("flowmark.mode"));
        assertEquals("7", p.get("flowmark.bench.repeat"));
        assertEquals("none", p.get("flowmark.output.format"));
        p = Boot.frameworkProperties(tmp, tmp, tmp, CommandLine.parse("run", "--console"), List.of(), 4,
                new Properties());
        assertEquals("", p.get("gosh.args"));
        assertNull(p.get("flowmark.read.files"));
    }

    private Path fakeHome() throws IOException {
        Path home = tmp.resolve("home");
        Files.createDirectories(home.resolve("bundles"));
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("deploy"));
        return home;
    }

    @Test
    void missingFilesAreNamedAndStatusIsNonZero() throws IOException {
        Path home = fakeHome();
        Path dir = Files.createDirectories(tmp.resolve("adir"));
        int status = main(Map.of("FLOWMARK_HOME", home.toString())).run("read", "nope.pcap", dir.toString());
        assertEquals(1, status);
        assertTrue(err().contains("skipping nope.pcap: no such file"), err());
        assertTrue(err().contains(dir + ": is a directory"), err());
        assertTrue(err().contains("no readable capture file"), err());
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void missingConfigDirIsAUsageError() throws IOException {
        Path home = fakeHome();
        Path f = Files.writeString(tmp.resolve("a.pcap"), "x");
        assertEquals(2, main(Map.of("FLOWMARK_HOME", home.toString(), "FLOWMARK_CONFIG", tmp.resolve("nocfg").toString()))
                .run("read", f.toString()));
        assertTrue(err().contains("config directory"), err());
    }

    @Test
    void notAnInstallation() {
        assertEquals(2, main(Map.of("FLOWMARK_HOME", tmp.resolve("none").toString())).run("demo"));
        assertTrue(err().contains("is not a directory"), err());
    }

    @Test
    void readWithoutCoreBundleStopsWithStatus2() throws IOException {
        // Boots the real framework with no bundles: the launcher must notice that nothing will read the file.
        Path home = fakeHome();
        Path f = Files.writeString(tmp.resolve("a.pcap"), "x");
        int status = main(Map.of("FLOWMARK_HOME", home.toString())).run("read", f.toString(), "missing.pcap");
        assertEquals(2, status, err());
        assertTrue(err().contains("skipping missing.pcap: no such file"), err());
        assertTrue(err().contains("org.flowmark.capture"), err());
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        try (var s = Files.list(home.resolve("data"))) {
            assertEquals(0, s.count(), "temporary framework storage is deleted");
        }
    }
}
