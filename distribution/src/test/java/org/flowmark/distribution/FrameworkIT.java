package org.flowmark.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

import org.flowmark.launcher.Boot;
import org.flowmark.launcher.Command;
import org.flowmark.launcher.CommandLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Boots the real Felix framework in-process with the assembled {@code target/flowmark/bundles}, through the
 * launcher's own {@link Boot}, and checks the running system: every bundle active, the services up, and a read
 * of the demo capture producing the expected EventAdmin events and JSON records.
 */
class FrameworkIT {

    static final Path LAYOUT = Path.of(System.getProperty("flowmark.layout", "target/flowmark")).toAbsolutePath();
    static final Path DEMO = LAYOUT.resolve("samples/demo.pcap");

    @TempDir
    Path tmp;

    private Framework framework(Command cmd, List<Path> files, Path configDir) throws Exception {
        TreeMap<Integer, List<Path>> byLevel = Boot.scanBundles(LAYOUT.resolve("bundles"), System.err);
        Map<String, String> props = Boot.frameworkProperties(LAYOUT, configDir, tmp.resolve("storage"), cmd, files,
                Boot.beginningLevel(byLevel), new Properties());
        // the test's EventHandler comes from the class path: EventAdmin's API must be the system bundle's
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "org.osgi.service.event;version=1.4.0");
        props.put("felix.fileinstall.dir", tmp.resolve("deploy") + "," + configDir);
        Files.createDirectories(tmp.resolve("deploy"));
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow();
        Framework fw = factory.newFramework(props);
        fw.init();
        List<String> errors = new ArrayList<>();
        fw.getBundleContext().addFrameworkListener(e -> {
            if (e.getType() == FrameworkEvent.ERROR) {
                errors.add((e.getBundle() == null ? "?" : e.getBundle().getSymbolicName()) + ": "
                        + Boot.reason(e.getThrowable()));
            }
        });
        List<Bundle> installed = Boot.installBundles(fw.getBundleContext(), byLevel, System.err);
        assertEquals(byLevel.values().stream().mapToInt(List::size).sum(), installed.size(),
                "every jar of bundles/ installs");
        return fw;
    }

    private static Map<String, String> states(BundleContext ctx) {
        Map<String, String> m = new TreeMap<>();
        for (Bundle b : ctx.getBundles()) {
            if (b.getBundleId() == 0) {
                continue;
            }
            boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            int want = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
            m.put(b.getSymbolicName(), b.getState() == want ? "ok" : "state " + b.getState());
        }
        return m;
    }

    @Test
    void everyBundleIsActiveAndTheServicesAreUp() throws Exception {
        Path config = Files.createDirectories(tmp.resolve("config")); // no interfaces: the core idles
        Framework fw = framework(CommandLine.parse("run"), List.of(), config);
        try {
            fw.start();
            BundleContext ctx = fw.getBundleContext();
            Map<String, String> states = states(ctx);
            Map<String, String> bad = states.entrySet().stream().filter(e -> !e.getValue().equals("ok"))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertTrue(bad.isEmpty(), "bundles not active: " + bad);
            for (String sn : List.of(Boot.CORE_BUNDLE, "org.flowmark.api", "org.flowmark.detector.http",
                    "org.flowmark.sink.json", "org.apache.felix.scr", "org.apache.felix.eventadmin",
                    "org.apache.felix.configadmin", "org.apache.felix.fileinstall", "org.apache.felix.log")) {
                assertTrue(states.containsKey(sn), sn + " is installed: " + states.keySet());
            }
            assertNotNull(ctx.getServiceReference("org.osgi.service.event.EventAdmin"), "EventAdmin service");
            assertNotNull(ctx.getServiceReference("org.osgi.service.cm.ConfigurationAdmin"), "ConfigAdmin service");
            ServiceReference<?>[] detectors = ctx.getAllServiceReferences("org.flowmark.api.detector.Detector",
                    "(flowmark.detector.name=http)");
            assertNotNull(detectors, "the HTTP detector is registered as a Detector service");
        } finally {
            fw.stop();
            fw.waitForStop(20_000);
        }
    }

    @Test
    void readsTheDemoCaptureAndStopsWithStatus0() throws Exception {
        assertTrue(Files.isRegularFile(DEMO), DEMO + " is assembled");
        Path config = Files.createDirectories(tmp.resolve("config"));
        Command cmd = CommandLine.parse("read", "--format", "ndjson", DEMO.toString());
        Framework fw = framework(cmd, List.of(DEMO), config);
        ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
        Dictionary<String, Object> hp = new Hashtable<>();
        hp.put(EventConstants.EVENT_TOPIC, new String[] {"org/flowmark/*"});
        fw.getBundleContext().registerService(EventHandler.class, events::add, hp);

        PrintStream realOut = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.clearProperty(Boot.EXIT_STATUS_PROPERTY);
        FrameworkEvent stopped;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            fw.start();
            stopped = fw.waitForStop(60_000);
        } finally {
            System.setOut(realOut);
            if (fw.getState() == Bundle.ACTIVE) {
                fw.stop();
                fw.waitForStop(20_000);
            }
        }
        assertNotEquals(FrameworkEvent.WAIT_TIMEDOUT, stopped.getType(), "the core stops the framework when done");
        assertEquals("0", System.getProperty(Boot.EXIT_STATUS_PROPERTY), "exit status set by the core");

        // EventAdmin events
        Map<String, List<Event>> byTopic = events.stream().collect(Collectors.groupingBy(Event::getTopic));
        List<Event> purged = byTopic.getOrDefault("org/flowmark/flow/PURGED", List.of());
        List<Event> classified = byTopic.getOrDefault("org/flowmark/flow/CLASSIFIED", List.of());
        assertEquals(8, purged.size(), "one PURGED event per flow of the demo capture: " + byTopic.keySet());
        assertEquals(8, classified.size(), "one CLASSIFIED event per flow");
        assertFalse(byTopic.getOrDefault("org/flowmark/capture/SOURCE_END", List.of()).isEmpty(), "SOURCE_END");

        Set<String> hosts = new TreeSet<>();
        for (Event e : purged) {
            Object flow = e.getProperty("flow");
            assertNotNull(flow, "PURGED carries the flow record");
            assertTrue(((Number) get(flow, "localPackets")).longValue() > 0, "local packets counted");
            assertTrue(((Number) get(flow, "otherPackets")).longValue() > 0, "other packets counted");
            assertTrue(((Number) get(flow, "localBytes")).longValue() > 0, "local bytes counted");
            Object detection = get(flow, "detection");
            if ("HTTP".equals(get(detection, "protocol"))) {
                String host = (String) get(detection, "hostname");
                hosts.add(host);
                assertEquals("HTTP", e.getProperty("protocol"));
                assertEquals(host, e.getProperty("hostname"));
            }
        }
        assertEquals(Set.of("www.flowmark.test", "api.flowmark.test", "v6.flowmark.test", "split.flowmark.test"),
                hosts, "HTTP hosts of the demo capture");
        assertEquals(3, purged.stream().filter(e -> "HTTP".equals(e.getProperty("protocol"))
                && "www.flowmark.test".equals(e.getProperty("hostname"))).count(),
                "three flows to www.flowmark.test (GET /, HEAD, GET /missing)");

        // JSON records on stdout: nothing else there
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> records = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank() || line.startsWith("WARNING: EventAdmin: Event Task Processing Interrupted")) {
                // Felix EventAdmin prints this on System.out when the framework stops while one of its pool threads
                // waits; the launcher's StdoutGuard moves it to stderr, this in-process test has no guard
                continue;
            }
            records.add(json.readTree(line)); // throws on anything that is not JSON
        }
        List<JsonNode> purges = records.stream().filter(r -> "flow_purge".equals(r.path("type").asText())).toList();
        assertEquals(8, purges.size(), "flow_purge records: " + records.size() + " records in all");
        Map<String, String> httpByUrl = new TreeMap<>();
        for (JsonNode r : purges) {
            assertEquals(DEMO.toString(), r.path("source").asText());
            JsonNode f = r.path("flow");
            assertTrue(f.path("local_packets").asLong() > 0 && f.path("other_packets").asLong() > 0, f.toString());
            if (f.has("http")) {
                JsonNode h = f.path("http");
                httpByUrl.put(h.path("method").asText() + " " + h.path("url").asText(),
                        f.path("host_server_name").asText() + " " + h.path("status").asText());
            }
        }
        assertEquals(Map.of(
                "GET /", "www.flowmark.test 200",
                "HEAD /hello.txt", "www.flowmark.test 200",
                "POST /submit", "api.flowmark.test 501",
                "GET /missing", "www.flowmark.test 404",
                "GET /hello.txt", "v6.flowmark.test 200",
                "GET /split", "split.flowmark.test 404"), httpByUrl);
    }

    /** A record component or accessor of an object from a bundle class loader. */
    private static Object get(Object target, String accessor) throws Exception {
        Method m = target.getClass().getMethod(accessor);
        m.setAccessible(true);
        return m.invoke(target);
    }
}
