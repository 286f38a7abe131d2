package org.flowmark.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.flowmark.distribution.faulty.FailingActivator;
import org.flowmark.distribution.faulty.SlowDetector;
import org.flowmark.distribution.faulty.ThrowingDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Isolation of broken plug-ins, with bundles assembled here from a manifest, a DS descriptor and classes of the
 * test sources ({@code org.flowmark.distribution.faulty}): a detector that throws on every packet is disabled after
 * {@code maxDetectorFaults}; a detector that runs past its per-call time budget is disabled after
 * {@code flowmark.detector.maxOverruns} overruns; with both installed, the flows and verdicts of a capture are those
 * of a clean installation. A bundle that cannot resolve and one whose activator throws, dropped into
 * {@code deploy/} of a running agent, are reported by name and the agent goes on. No root needed.
 */
class IsolationIT {
    static final Path LAYOUT = FrameworkIT.LAYOUT;
    static final ObjectMapper JSON = new ObjectMapper();

    Path work;

    @BeforeEach
    void setUp() throws IOException {
        work = Files.createTempDirectory("flowmark-isolation-");
    }

    @AfterEach
    void tearDown() {
        Agent.deleteTree(work);
    }

    static byte[] classBytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    /** A bundle jar from headers and entries. */
    static Path bundle(Path out, Map<String, String> headers, Map<String, byte[]> entries) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        headers.forEach(mf.getMainAttributes()::putValue);
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(out), mf)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                jar.putNextEntry(new JarEntry(e.getKey()));
                jar.write(e.getValue());
                jar.closeEntry();
            }
        }
        return out;
    }

    /** A detector bundle: one DS component providing Detector, highest priority, no port hints. */
    static Path detectorBundle(Path dir, String bsn, String name, Class<?> impl) throws IOException {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.3.0\" name=\"" + bsn + "\">\n"
                + "  <property name=\"flowmark.detector.name\" type=\"String\" value=\"" + name + "\"/>\n"
                + "  <property name=\"flowmark.detector.priority\" type=\"Integer\" value=\"0\"/>\n"
                + "  <service><provide interface=\"org.flowmark.api.detector.Detector\"/></service>\n"
                + "  <implementation class=\"" + impl.getName() + "\"/>\n"
                + "</scr:component>\n";
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Bundle-SymbolicName", bsn);
        h.put("Bundle-Version", "1.0.0");
        h.put("Import-Package", "org.flowmark.api.detector;version=\"[1.1,2)\",org.flowmark.api.packet;version=\"[1.0,2)\"");
        h.put("Service-Component", "OSGI-INF/" + name + ".xml");
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("OSGI-INF/" + name + ".xml", xml.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        e.put(impl.getName().replace('.', '/') + ".class", classBytes(impl));
        return bundle(dir.resolve(bsn + ".jar"), h, e);
    }

    /** Flow key -> protocol/application of every classified record of a {@code read --format ndjson} output. */
    static Map<String, String> verdicts(List<Agent.Line> out) throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (Agent.Line l : out) {
            if (!l.text().startsWith("{")) {
                continue;
            }
            JsonNode n = JSON.readTree(l.text());
            if (!"flow_purge".equals(n.path("type").asText())) {
                continue;
            }
            JsonNode f = n.path("flow");
            m.put(n.path("source").asText() + " " + f.path("ip_protocol").asText() + " " + f.path("local_ip").asText() + ":" + f.path("local_port").asText()
                    + " " + f.path("other_ip").asText() + ":" + f.path("other_port").asText(),
                    f.path("detected_protocol_name").asText() + "/" + f.path("detected_application_name").asText());
        }
        return m;
    }

    static Agent read(Path home, Path data, Map<String, String> env, List<String> pcaps) throws Exception {
        List<String> args = new ArrayList<>(List.of("read", "--format", "ndjson"));
        args.addAll(pcaps);
        Agent a = new Agent(home, data, env).start(args.toArray(new String[0]));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (a.alive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(0, a.stop(), "read failed:\n" + a.errText());
        Thread.sleep(200); // the pump threads read the last lines
        return a;
    }

    @Test
    void faultyAndSlowDetectorsAreDisabledAndVerdictsUnchanged() throws Exception {
        Path clean = Agent.copyLayout(LAYOUT, work.resolve("clean"), p -> false);
        Path faulty = Agent.copyLayout(LAYOUT, work.resolve("faulty"), p -> false);
        Path plugins = faulty.resolve("bundles/4-flowmark");
        detectorBundle(plugins, "org.flowmark.test.throwing", "throwing", ThrowingDetector.class);
        detectorBundle(plugins, "org.flowmark.test.slow", "slow", SlowDetector.class);
        List<String> pcaps = new ArrayList<>(List.of(clean.resolve("samples/demo.pcap").toString()));
        try (java.util.stream.Stream<Path> s = Files.list(GoldenIT.GOLDEN)) {
            s.filter(p -> p.toString().endsWith(".pcap")).sorted().forEach(p -> pcaps.add(p.toString()));
        }

        Agent reference = read(clean, work.resolve("data-clean"), Map.of(), pcaps);
        Map<String, String> env = Map.of(
                "FLOWMARK_CAPTURE_MAXDETECTORFAULTS", "5", // through the environment override, like an appliance
                "FLOWMARK_JAVA_OPTS", "-Dflowmark.detector.callBudgetMicros=5000 -Dflowmark.detector.maxOverruns=3"
                        + " -Dflowmark.detector.timingSample=1");
        Agent broken = read(faulty, work.resolve("data-faulty"), env, pcaps);
        String err = broken.errText();

        assertTrue(err.matches("(?s).*detector throwing \\(org\\.flowmark\\.test\\.throwing 1\\.0\\.0\\) threw.*"), err);
        assertTrue(err.matches("(?s).*detector throwing \\(org\\.flowmark\\.test\\.throwing 1\\.0\\.0\\) disabled after 5 faults.*"),
                err);
        assertTrue(err.matches("(?s).*detector slow \\(org\\.flowmark\\.test\\.slow 1\\.0\\.0\\) ran past its time budget.*"), err);
        assertTrue(err.matches("(?s).*detector slow \\(org\\.flowmark\\.test\\.slow 1\\.0\\.0\\) disabled after 0 faults and 3 "
                + "time-budget overruns.*"), err);
        Map<String, String> expected = verdicts(reference.out);
        assertTrue(expected.size() > 3, "the demo capture has flows: " + expected);
        assertEquals(expected, verdicts(broken.out), "verdicts changed by the broken detectors");
    }

    @Test
    void brokenBundlesAreReportedByNameAndTheAgentGoesOn() throws Exception {
        Path home = Agent.copyLayout(LAYOUT, work.resolve("flowmark"), p -> false);
        Path incoming = Files.createDirectories(work.resolve("incoming"));
        Path unresolvable = bundle(incoming.resolve("unresolvable.jar"), Map.of(
                "Bundle-SymbolicName", "org.flowmark.test.unresolvable", "Bundle-Version", "1.0.0",
                "Import-Package", "org.flowmark.nonexistent;version=\"[1,2)\""), Map.of());
        Path failing = bundle(incoming.resolve("failing.jar"), Map.of(
                "Bundle-SymbolicName", "org.flowmark.test.badactivator", "Bundle-Version", "1.0.0",
                "Bundle-Activator", FailingActivator.class.getName(),
                "Import-Package", "org.osgi.framework"),
                Map.of(FailingActivator.class.getName().replace('.', '/') + ".class", classBytes(FailingActivator.class)));
        try (Agent agent = new Agent(home, work.resolve("data"), Map.of()).start("run")) {
            assertNotNull(agent.awaitStatus("detectors", s -> s.contains("detector http "), 60_000),
                    "agent did not come up:\n" + agent.errText());
            Agent.dropAtomically(unresolvable, home.resolve("deploy/unresolvable.jar"));
            Agent.dropAtomically(failing, home.resolve("deploy/failing.jar"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            List<String> missing = new ArrayList<>(List.of("org.flowmark.test.unresolvable", "org.flowmark.test.badactivator"));
            while (!missing.isEmpty() && System.nanoTime() < deadline) {
                String err = agent.errText();
                missing.removeIf(err::contains);
                Thread.sleep(100);
            }
            assertTrue(missing.isEmpty(), "not reported by name: " + missing + "\n" + agent.errText());
            String err = agent.errText();
            assertTrue(err.contains("org.flowmark.nonexistent"), "the missing package is named:\n" + err);
            assertTrue(err.contains("Activator start error in bundle org.flowmark.test.badactivator"), err);
            String detectors = agent.status("detectors");
            assertTrue(agent.alive() && detectors.contains("detector http "), detectors);
            int rc = agent.stop(); // SIGTERM: the JVM exits 143 after the shutdown hook stopped the framework
            assertTrue(rc == 0 || rc == 143, "clean stop after the failures: exit " + rc + "\n" + agent.errText());
            assertTrue(agent.errText().lines().noneMatch(l -> l.contains("did not stop")), agent.errText());
        }
    }
}
