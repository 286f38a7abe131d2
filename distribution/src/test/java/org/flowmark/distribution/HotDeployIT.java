package org.flowmark.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Hot deployment under traffic. A veth pair, one end in a private network namespace where {@code tcpreplay --loop
 * --unique-ip} replays the demo capture and a BitTorrent capture (new flows every loop); {@code flowmark run}
 * captures the other end. While it runs: the BitTorrent detector is dropped into {@code deploy/}, replaced by a
 * new version, and removed; the log actuator is dropped in and removed (when its jar was built); a signature file
 * is edited; a JSON file output configuration is added and removed. Asserted: the agent counted exactly the
 * packets tcpreplay sent and the kernel received, with no drop; its packet counter never stood still while
 * traffic flowed; new flows were classified by the new detector within 1 s of the copy; after removal the
 * services and threads are those from before. Figures go to stdout and {@code target/hotdeploy-figures.txt}.
 *
 * <p>Needs root, {@code ip} and {@code tcpreplay}: skipped with a message otherwise.
 */
class HotDeployIT {
    static final Path LAYOUT = FrameworkIT.LAYOUT;
    static final int PPS = 2000;
    static final long REPLAY_SECONDS = 22;
    static final ObjectMapper JSON = new ObjectMapper();

    static String ns;
    static String vethAgent;
    static String vethPeer;
    static Path work;

    @BeforeAll
    static void lab() throws Exception {
        String missing = Agent.missingForRoot("ip", "tcpreplay");
        Assumptions.assumeTrue(missing == null, "HotDeployIT skipped: needs root, ip and tcpreplay (" + missing + ")");
        long id = ProcessHandle.current().pid() % 100000;
        ns = "fmhot" + id;
        vethAgent = "fmha" + id;
        vethPeer = "fmhb" + id;
        Agent.sh(false, "ip", "netns", "del", ns);
        Agent.sh(true, "ip", "netns", "add", ns);
        Agent.sh(true, "ip", "link", "add", vethAgent, "type", "veth", "peer", "name", vethPeer);
        Agent.sh(true, "ip", "link", "set", vethPeer, "netns", ns);
        // no addresses and no IPv6 on either end: the only packets on the wire are tcpreplay's
        Agent.sh(false, "sysctl", "-qw", "net.ipv6.conf." + vethAgent + ".disable_ipv6=1");
        Agent.sh(false, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf." + vethPeer + ".disable_ipv6=1");
        Agent.sh(true, "ip", "link", "set", vethAgent, "up");
        Agent.sh(true, "ip", "netns", "exec", ns, "ip", "link", "set", vethPeer, "up");
        work = Files.createTempDirectory("flowmark-hotdeploy-");
    }

    @AfterAll
    static void cleanup() throws Exception {
        if (ns != null) {
            Agent.sh(false, "ip", "link", "del", vethAgent);
            Agent.sh(false, "ip", "netns", "del", ns);
        }
        Agent.deleteTree(work);
    }

    static long kernelRxPackets(String iface) throws Exception {
        JsonNode n = JSON.readTree(Agent.sh(true, "ip", "-s", "-j", "link", "show", "dev", iface));
        return n.get(0).get("stats64").get("rx").get("packets").asLong();
    }

    static long packets(String status, String iface) {
        return Agent.figure(status, "source " + Pattern.quote(iface) + " \\[\\w+\\] packets (\\d+)");
    }

    /** Lines of {@code services}: the service list and the thread list, apart. */
    static List<String> section(String services, String prefix) {
        return services.lines().filter(l -> l.startsWith(prefix)).collect(Collectors.toList());
    }

    /** Index of the first stdout JSON record at or after {@code since} whose protocol is {@code protocol}. */
    static Optional<Agent.Line> firstDetected(Agent a, String protocol, long since) {
        synchronized (a.out) {
            for (Agent.Line l : a.out) {
                if (l.nanos() >= since && l.text().contains("\"flow_dpi_complete\"")
                        && l.text().contains("\"detected_protocol_name\":\"" + protocol + "\"")) {
                    return Optional.of(l);
                }
            }
        }
        return Optional.empty();
    }

    static long count(Agent a, String protocol) {
        synchronized (a.out) {
            return a.out.stream().filter(l -> l.text().contains("\"flow_dpi_complete\"")
                    && l.text().contains("\"detected_protocol_name\":\"" + protocol + "\"")).count();
        }
    }

    @Test
    void deployReplaceRemoveUnderTraffic() throws Exception {
        // the BitTorrent detector and the log actuator are left out of bundles/: the test deploys them
        Path home = Agent.copyLayout(LAYOUT, work.resolve("flowmark"),
                p -> p.getFileName().toString().startsWith("org.flowmark.detector.bittorrent-")
                        || p.getFileName().toString().startsWith("org.flowmark.actuator.log-"));
        Path btJar = Files.list(LAYOUT.resolve("bundles/4-flowmark"))
                .filter(p -> p.getFileName().toString().startsWith("org.flowmark.detector.bittorrent-"))
                .findFirst().orElseThrow(() -> new AssertionError("no BitTorrent detector in the distribution"));
        Path btV2 = work.resolve("bittorrent-v2.jar");
        Agent.withVersion(btJar, btV2, "9.9.9.hotdeploy");
        Path actuatorJar = actuatorJar();

        Path data = work.resolve("data");
        Map<String, String> env = Map.of(
                "FLOWMARK_CAPTURE_INTERFACES", vethAgent,
                "FLOWMARK_CAPTURE_STATSINTERVAL", "1",
                "FLOWMARK_JAVA_OPTS", "-Dflowmark.output.format=ndjson -Dflowmark.log.level=info");
        StringBuilder figures = new StringBuilder();
        try (Agent agent = new Agent(home, data, env).start("run")) {
            String up = agent.awaitStatus("stats", s -> s.contains("source " + vethAgent + " [live]"), 60_000);
            assertNotNull(up, "the agent did not start capturing on " + vethAgent + ":\n" + agent.errText());
            assertTrue(agent.cliStatus("detectors").contains("detectors "), "bin/flowmark status answers");
            assertFalse(agent.status("detectors").contains("detector bittorrent "), "no BitTorrent detector yet");

            long kernelBefore = kernelRxPackets(vethAgent);
            long agentBefore = packets(agent.status("stats"), vethAgent);
            Path demo = home.resolve("samples/demo.pcap");
            Path bt = GoldenIT.GOLDEN.resolve("bittorrent-utp-udp-tracker.pcap");
            int perLoop = 80 + 88;
            long loops = REPLAY_SECONDS * PPS / perLoop;
            Process replay = new ProcessBuilder("ip", "netns", "exec", ns, "tcpreplay", "-i", vethPeer,
                    "--loop=" + loops, "--unique-ip", "--pps=" + PPS, demo.toString(), bt.toString())
                    .redirectErrorStream(true).start();
            StringBuilder replayOut = new StringBuilder();
            Thread replayReader = new Thread(() -> {
                try {
                    replayOut.append(new String(replay.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // ended
                }
            });
            replayReader.start();

            // the packet counter, sampled every 100 ms for the whole replay, by a second thread
            List<long[]> samples = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread sampler = new Thread(() -> {
                while (replay.isAlive()) {
                    try {
                        samples.add(new long[] {System.nanoTime(), packets(agent.status("stats"), vethAgent)});
                        Thread.sleep(100);
                    } catch (IOException | InterruptedException | AssertionError e) {
                        return;
                    }
                }
            });
            sampler.start();

            Thread.sleep(2500);
            // 1. a configuration added (a JSON file output), then removed; SCR keeps a ManagedService for the
            // factory PID afterwards, so the service snapshot is taken after this step
            Path cfg = home.resolve("config/org.flowmark.sink.json.output-hotdeploy.cfg");
            Path jsonFile = work.resolve("flows.ndjson");
            Files.writeString(cfg, "type=file\npath=" + jsonFile + "\ninclude=classified\n");
            long tc = System.nanoTime();
            while (System.nanoTime() - tc < 10_000_000_000L && (!Files.exists(jsonFile) || Files.size(jsonFile) == 0)) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(jsonFile) && Files.size(jsonFile) > 0, "the added file output wrote nothing");
            figures.append("config added -> file output writing: ").append((System.nanoTime() - tc) / 1_000_000)
                    .append(" ms\n");
            Files.delete(cfg);
            Thread.sleep(2000);
            long size = Files.size(jsonFile);
            Thread.sleep(1500);
            assertEquals(size, Files.size(jsonFile), "the removed file output still writes");

            String servicesBefore = agent.status("services");
            assertEquals(0, count(agent, "BitTorrent"), "BitTorrent classified before its detector was deployed");

            // 2. drop the detector in
            Path deployed = home.resolve("deploy/org.flowmark.detector.bittorrent.jar");
            long t0 = System.nanoTime();
            Agent.dropAtomically(btJar, deployed);
            Optional<Agent.Line> first = Optional.empty();
            while (first.isEmpty() && System.nanoTime() - t0 < 10_000_000_000L) {
                Thread.sleep(5);
                first = firstDetected(agent, "BitTorrent", t0);
            }
            assertTrue(first.isPresent(), "no flow classified BitTorrent within 10 s of the deployment:\n"
                    + agent.errText());
            long deployMillis = (first.get().nanos() - t0) / 1_000_000;
            figures.append("copy -> first new flow classified by the deployed detector: ").append(deployMillis)
                    .append(" ms\n");

            // 3. replace it by another version: same file, new content
            Thread.sleep(1500);
            long t1 = System.nanoTime();
            Agent.dropAtomically(btV2, deployed);
            String v2 = agent.awaitStatus("detectors", s -> Pattern.compile(
                    "detector bittorrent bundle org\\.flowmark\\.detector\\.bittorrent/9\\.9\\.9\\.hotdeploy .*detections [1-9]")
                    .matcher(s).find(), 10_000);
            assertNotNull(v2, "version 9.9.9 never classified a flow:\n" + agent.status("detectors"));
            long replaceMillis = (System.nanoTime() - t1) / 1_000_000;
            assertFalse(v2.contains("org.flowmark.detector.bittorrent/0.1.0"), "the old version is still registered");
            figures.append("replace -> new version registered and classifying (status poll every 50 ms): ")
                    .append(replaceMillis).append(" ms\n");

            // 4. an actuator bundle, if one was built
            if (actuatorJar != null) {
                Path act = home.resolve("deploy/org.flowmark.actuator.log.jar");
                Agent.dropAtomically(actuatorJar, act);
                String withActuator = agent.awaitStatus("services",
                        s -> s.contains("service org.flowmark.actuator.log "), 5000);
                figures.append("actuator org.flowmark.actuator.log: ")
                        .append(withActuator != null ? "deployed, service registered" : "deployed, no service (needs config)")
                        .append('\n');
                Files.delete(act);
                assertNotNull(agent.awaitStatus("services",
                        s -> !s.contains("service org.flowmark.actuator.log "), 5000), "actuator service left behind");
            } else {
                figures.append("actuator: no org.flowmark.actuator.log jar built: step skipped\n");
            }

            // 5. a signature file edited (rewritten with a trailing newline), if signatures are installed
            Path sigs = home.resolve("signatures");
            Optional<Path> sig = Files.isDirectory(sigs) ? Files.list(sigs)
                    .filter(p -> p.toString().endsWith(".json")).sorted().findFirst() : Optional.empty();
            if (sig.isPresent()) {
                Files.writeString(sig.get(), Files.readString(sig.get()) + "\n");
                figures.append("signature file edited: ").append(sig.get().getFileName()).append('\n');
            }

            // 6. remove the detector
            long t2 = System.nanoTime();
            Files.delete(deployed);
            assertNotNull(agent.awaitStatus("detectors", s -> !s.contains("detector bittorrent "), 10_000),
                    "the BitTorrent detector is still registered after its jar was removed");
            figures.append("remove -> detector unregistered: ").append((System.nanoTime() - t2) / 1_000_000)
                    .append(" ms\n");
            long btAtRemoval = count(agent, "BitTorrent");
            Thread.sleep(1500);

            assertTrue(replay.waitFor(REPLAY_SECONDS + 60, TimeUnit.SECONDS), "tcpreplay did not finish");
            replayReader.join();
            sampler.join();
            Matcher sent = Pattern.compile("Successful packets:\\s+(\\d+)").matcher(replayOut);
            assertTrue(sent.find(), "tcpreplay output: " + replayOut);
            long replayed = Long.parseLong(sent.group(1));
            Thread.sleep(1500);
            String end = agent.status("stats");
            long kernel = kernelRxPackets(vethAgent) - kernelBefore;
            long captured = packets(end, vethAgent) - agentBefore;
            long kernelDrops = Agent.figure(end, "source " + vethAgent + " .* kernel-drops (\\d+)");
            long agentDrops = Agent.figure(end, "source " + vethAgent + " .* agent-drops (\\d+)");
            figures.append("packets: tcpreplay sent ").append(replayed).append(", kernel received ").append(kernel)
                    .append(", agent captured ").append(captured).append(", kernel drops ").append(kernelDrops)
                    .append(", agent drops ").append(agentDrops).append('\n');

            // capture never paused: the counter rose in every 500 ms window while tcpreplay ran
            long worst = 0;
            List<long[]> s = new ArrayList<>(samples);
            for (int i = 0, j = 0; i < s.size(); i++) {
                while (j < s.size() && s.get(j)[1] == s.get(i)[1]) {
                    j++;
                }
                if (j < s.size() && i > 0) { // before the first packet and after the last one the counter stands
                    worst = Math.max(worst, s.get(j)[0] - s.get(i)[0]);
                }
            }
            figures.append("longest time the packet counter stood still during the replay: ").append(worst / 1_000_000)
                    .append(" ms (").append(s.size()).append(" samples)\n");

            String servicesAfter = agent.status("services");
            List<String> svcBefore = section(servicesBefore, "  service ");
            List<String> svcAfter = section(servicesAfter, "  service ");
            List<String> thrBefore = section(servicesBefore, "  thread ");
            List<String> thrAfter = section(servicesAfter, "  thread ");
            figures.append("services before/after: ").append(svcBefore.size()).append('/').append(svcAfter.size())
                    .append(", threads before/after: ").append(thrBefore.size()).append('/').append(thrAfter.size())
                    .append('\n');
            figures.append("BitTorrent flows classified while deployed: ").append(btAtRemoval).append('\n');
            System.out.print("HotDeployIT figures:\n" + figures);
            Files.writeString(LAYOUT.getParent().resolve("hotdeploy-figures.txt"), figures.toString(),
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);

            assertEquals(replayed, kernel, "kernel rx vs tcpreplay\n" + figures);
            assertEquals(kernel, captured, "agent vs kernel: packets missed\n" + figures);
            assertEquals(0, kernelDrops + agentDrops, figures.toString());
            assertTrue(deployMillis <= 1000, "copy -> active took " + deployMillis + " ms\n" + figures);
            assertTrue(worst < 500_000_000L, "capture stood still for " + worst / 1_000_000 + " ms\n" + figures);
            assertEquals(svcBefore, svcAfter, "services differ after removal\n" + figures);
            assertEquals(diff(thrBefore, thrAfter), Map.of(), "threads differ after removal\n" + figures);
            assertTrue(agent.alive(), "the agent died");
            String errors = agent.err.stream().map(Agent.Line::text)
                    .filter(l -> l.startsWith("flowmark: error")).collect(Collectors.joining("\n"));
            assertEquals("", errors, "errors logged during the deployment");
        }
    }

    /** Thread names (numbers dropped: pool threads are renumbered) counted, before minus after. */
    static Map<String, Integer> diff(List<String> before, List<String> after) {
        Map<String, Integer> m = new TreeMap<>();
        before.forEach(t -> m.merge(t.replaceAll("\\d+", "#"), 1, Integer::sum));
        after.forEach(t -> m.merge(t.replaceAll("\\d+", "#"), -1, Integer::sum));
        m.values().removeIf(v -> v == 0);
        return m;
    }

    /** The log actuator's jar, from the reactor build or the local repository; null when there is none. */
    static Path actuatorJar() throws IOException {
        Path target = LAYOUT.getParent().getParent().getParent().resolve("bundles/org.flowmark.actuator.log/target");
        Path m2 = Path.of(System.getProperty("user.home"), ".m2/repository/org/flowmark/org.flowmark.actuator.log");
        for (Path dir : List.of(LAYOUT.resolve("bundles"), target, m2)) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.walk(dir, 2)) {
                    Optional<Path> jar = s.filter(p -> p.getFileName().toString().matches(
                            "org\\.flowmark\\.actuator\\.log-[^-]+(-SNAPSHOT)?\\.jar")).findFirst();
                    if (jar.isPresent()) {
                        return jar.get();
                    }
                }
            }
        }
        return null;
    }
}
