package org.flowmark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvConfigTest {

    @TempDir
    Path tmp;

    @Test
    void mapsVariablesToPidAndKnownKeySpelling() {
        Map<String, Set<String>> keys = Map.of(
                "org.flowmark.capture", Set.of("interfaces", "bufferSizeMb"),
                "org.flowmark.sink", Set.of(),
                "org.flowmark.sink.json", Set.of("stdout.queue.size"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, Map<String, String>> o = EnvConfig.overrides(Map.of(
                "FLOWMARK_CAPTURE_INTERFACES", "eth0,eth1",
                "FLOWMARK_CAPTURE_BUFFERSIZEMB", "16",
                "FLOWMARK_SINK_JSON_STDOUT_QUEUE_SIZE", "10",
                "FLOWMARK_SINK_JSON_NEW_KEY", "x",
                "FLOWMARK_HOME", "/opt/flowmark",
                "FLOWMARK_NOPE_X", "1",
                "PATH", "/bin"), keys, new PrintStream(err), new TreeSet<>());
        assertEquals(Map.of("interfaces", "eth0,eth1", "bufferSizeMb", "16"), o.get("org.flowmark.capture"));
        assertEquals(Map.of("stdout.queue.size", "10", "new.key", "x"), o.get("org.flowmark.sink.json"));
        assertEquals(2, o.size());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("FLOWMARK_NOPE_X"), err.toString());
    }

    @Test
    void overlayCopiesConfigAppliesOverridesAndFollowsEdits() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("config"));
        Path overlay = tmp.resolve("data/config-env");
        Files.writeString(src.resolve("org.flowmark.capture.cfg"), "# comment\n#interfaces=eth0\nsnaplen=128\n");
        Files.writeString(src.resolve("org.flowmark.policy.rule-a.cfg"), "action=block\n");
        EnvConfig ec = new EnvConfig(src, overlay, Map.of("FLOWMARK_CAPTURE_INTERFACES", "veth0",
                "FLOWMARK_CAPTURE_SNAPLEN", "256", "FLOWMARK_SINK_JSON_STDOUT", "true"),
                new PrintStream(new ByteArrayOutputStream()));
        assertTrue(ec.sync());
        List<String> capture = Files.readAllLines(overlay.resolve("org.flowmark.capture.cfg"));
        assertTrue(capture.contains("interfaces=veth0"), capture.toString());
        assertTrue(capture.contains("snaplen=256"), capture.toString());
        assertFalse(capture.contains("snaplen=128"), capture.toString());
        assertEquals("action=block\n", Files.readString(overlay.resolve("org.flowmark.policy.rule-a.cfg")));
        assertTrue(Files.readString(overlay.resolve("org.flowmark.sink.json.cfg")).contains("stdout=true"));
        assertFalse(ec.sync(), "nothing changed, nothing rewritten");

        Files.writeString(src.resolve("org.flowmark.policy.rule-b.cfg"), "action=mark\n");
        Files.delete(src.resolve("org.flowmark.policy.rule-a.cfg"));
        assertTrue(ec.sync());
        assertTrue(Files.exists(overlay.resolve("org.flowmark.policy.rule-b.cfg")));
        assertFalse(Files.exists(overlay.resolve("org.flowmark.policy.rule-a.cfg")));
    }

    @Test
    void statusCommandLine() throws Exception {
        Command c = CommandLine.parse("status", "detectors", "--socket", "/run/x.sock");
        assertEquals(Command.Verb.STATUS, c.verb());
        assertEquals(List.of("detectors"), c.files());
        assertEquals("/run/x.sock", c.socket());
        org.junit.jupiter.api.Assertions.assertThrows(UsageException.class, () -> CommandLine.parse("status", "x"));
        org.junit.jupiter.api.Assertions.assertThrows(UsageException.class,
                () -> CommandLine.parse("read", "--socket", "a", "f.pcap"));
    }

    @Test
    void statusWithoutAgentSaysSo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main m = new Main(Map.of("FLOWMARK_HOME", tmp.toString()), new java.util.Properties(),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
        assertEquals(1, m.run("status"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no agent status socket"), err.toString());
    }

    @Test
    void learnsKeySpellingFromMetatype() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bundles/5-core"));
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(
                Files.newOutputStream(dir.resolve("core.jar")))) {
            z.putNextEntry(new java.util.zip.ZipEntry("OSGI-INF/metatype/Config.xml"));
            z.write(("<metatype:MetaData><OCD id=\"x\"><AD id=\"maxDetectorFaults\" type=\"Integer\"/>"
                    + "<AD id=\"interfaces\"/></OCD><Designate pid=\"org.flowmark.capture\"><Object ocdref=\"x\"/>"
                    + "</Designate></metatype:MetaData>").getBytes(StandardCharsets.UTF_8));
        }
        Map<String, Set<String>> keys = EnvConfig.metatypeKeys(tmp.resolve("bundles"), System.err);
        assertEquals(Set.of("maxDetectorFaults", "interfaces"), keys.get("org.flowmark.capture"));
        Path src = Files.createDirectories(tmp.resolve("config"));
        EnvConfig ec = new EnvConfig(src, tmp.resolve("overlay"), Map.of("FLOWMARK_CAPTURE_MAXDETECTORFAULTS", "5"),
                System.err).withMetatype(keys);
        ec.sync();
        assertTrue(Files.readAllLines(tmp.resolve("overlay/org.flowmark.capture.cfg")).contains("maxDetectorFaults=5"));
    }
}
