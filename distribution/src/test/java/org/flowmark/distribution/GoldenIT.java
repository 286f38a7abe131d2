package org.flowmark.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Golden tests: runs {@code target/flowmark/bin/flowmark read --format ndjson} over each capture of
 * {@code src/test/resources/golden/*.pcap} (plus the demo capture, as {@code demo}), renders a stable report of its
 * flow_purge records and compares it with {@code <name>.expected}. {@code -Dgolden.update=true} rewrites the
 * expected files instead.
 */
class GoldenIT {

    static final Path LAYOUT = FrameworkIT.LAYOUT;
    static final Path GOLDEN = Path.of(System.getProperty("golden.dir", "src/test/resources/golden")).toAbsolutePath();
    static final boolean UPDATE = Boolean.getBoolean("golden.update");

    @TestFactory
    Stream<DynamicTest> captures() throws IOException {
        List<Path> pcaps = new ArrayList<>();
        pcaps.add(LAYOUT.resolve("samples/demo.pcap"));
        try (Stream<Path> s = Files.list(GOLDEN)) {
            s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted()
                    .forEach(pcaps::add);
        }
        return pcaps.stream().map(p -> DynamicTest.dynamicTest(name(p), () -> check(p)));
    }

    static String name(Path pcap) {
        String n = pcap.getFileName().toString();
        return n.substring(0, n.lastIndexOf('.'));
    }

    /** stdout of one `flowmark read` over every golden capture (one agent start for all), by capture file name. */
    private static Map<String, String> outputs;

    private static synchronized String output(Path pcap) throws Exception {
        if (outputs == null) {
            List<Path> all = new ArrayList<>();
            try (var s = Files.list(GOLDEN)) {
                s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted()
                        .forEach(all::add);
            }
            if (!all.contains(pcap)) {
                all.add(pcap);
            }
            Map<String, StringBuilder> by = new java.util.HashMap<>();
            ObjectMapper json = new ObjectMapper();
            for (String line : run(all.toArray(new Path[0])).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                String src = Path.of(json.readTree(line).path("source").asText("")).getFileName().toString();
                by.computeIfAbsent(src, k -> new StringBuilder()).append(line).append('\n');
            }
            outputs = new java.util.HashMap<>();
            by.forEach((k, v) -> outputs.put(k, v.toString()));
        }
        return outputs.getOrDefault(pcap.getFileName().toString(), "");
    }

    private void check(Path pcap) throws Exception {
        String actual = report(output(pcap));
        Path expectedFile = GOLDEN.resolve(name(pcap) + ".expected");
        if (UPDATE) {
            Files.writeString(expectedFile, actual);
            System.err.println("golden: wrote " + expectedFile);
            return;
        }
        assertTrue(Files.isRegularFile(expectedFile), expectedFile + " is missing: run with -Dgolden.update=true "
                + "(mvn -pl distribution verify -Dgolden.update=true) and review it");
        String expected = Files.readString(expectedFile);
        if (!expected.equals(actual)) {
            fail("report of " + pcap.getFileName() + " differs from " + expectedFile.getFileName()
                    + " (- expected, + actual; -Dgolden.update=true accepts the new output):\n"
                    + diff(expected.lines().toList(), actual.lines().toList()));
        }
    }

    /** Runs the distribution's launcher over captures and returns its stdout. */
    static String run(Path... pcaps) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(LAYOUT.resolve("bin/flowmark").toString(), "read", "--format",
                "ndjson"));
        for (Path p : pcaps) {
            cmd.add(p.toString());
        }
        String pcap = cmd.subList(4, cmd.size()).toString();
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.remove("FLOWMARK_CONFIG");
        env.remove("FLOWMARK_JAVA_OPTS");
        env.put("FLOWMARK_HOME", LAYOUT.toString());
        Path err = Files.createTempFile("golden-", ".err");
        Path out = Files.createTempFile("golden-", ".out");
        try {
            pb.redirectError(err.toFile()).redirectOutput(out.toFile());
            Process p = pb.start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("flowmark read " + pcap + " did not finish in 300 s; stderr:\n" + Files.readString(err));
            }
            assertEquals(0, p.exitValue(), "exit status of flowmark read " + pcap + "; stderr:\n"
                    + Files.readString(err));
            return Files.readString(out);
        } finally {
            Files.deleteIfExists(err);
            Files.deleteIfExists(out);
        }
    }

    /**
     * One line per flow_purge record, sorted: transport, endpoints, protocol.application, host, DPI packets,
     * packets and bytes each way, category, risks and every protocol metadata group with its keys sorted. No
     * timestamps, ids, MACs or digests.
     */
    static String report(String ndjson) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        int n = 0;
        for (String line : ndjson.split("\n")) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode r;
            try {
                r = json.readTree(line);
            } catch (IOException e) {
                throw new AssertionError("stdout line " + n + " is not JSON: " + line, e);
            }
            if (!"flow_purge".equals(r.path("type").asText())) {
                continue;
            }
            JsonNode f = r.path("flow");
            StringBuilder sb = new StringBuilder();
            sb.append(transport(f.path("ip_protocol").asInt()));
            if (f.path("vlan_id").asInt() != 0) {
                sb.append(" vlan=").append(f.path("vlan_id").asInt());
            }
            sb.append(' ').append(endpoint(f, "local")).append(" <-> ").append(endpoint(f, "other"));
            String app = f.path("detected_application_name").asText("");
            sb.append(' ').append(f.path("detected_protocol_name").asText("?"));
            if (!app.isEmpty() && !app.equals("Unknown")) {
                sb.append('.').append(app);
            }
            if (f.hasNonNull("host_server_name")) {
                sb.append(" host=").append(f.path("host_server_name").asText());
            }
            sb.append(" dpi=").append(f.path("detection_packets").asLong());
            sb.append(" pkts=").append(f.path("local_packets").asLong()).append('/')
                    .append(f.path("other_packets").asLong());
            sb.append(" bytes=").append(f.path("local_bytes").asLong()).append('/')
                    .append(f.path("other_bytes").asLong());
            if (f.hasNonNull("category")) {
                sb.append(" category=").append(f.path("category").asText());
            }
            if (f.path("risks").isArray() && f.path("risks").size() > 0) {
                sb.append(" risks=").append(f.path("risks").toString());
            }
            // every protocol metadata group (http{...}, ssl{...}, dns{...}, ...), keys sorted
            List<String> groups = new ArrayList<>();
            f.fieldNames().forEachRemaining(k -> {
                if (f.get(k).isObject()) {
                    groups.add(k);
                }
            });
            groups.sort(null);
            for (String g : groups) {
                java.util.TreeMap<String, JsonNode> sorted = new java.util.TreeMap<>();
                f.get(g).fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
                sb.append(' ').append(g).append('{');
                boolean first = true;
                for (var e : sorted.entrySet()) {
                    sb.append(first ? "" : ", ").append(e.getKey()).append('=').append(e.getValue().isTextual()
                            ? e.getValue().asText() : e.getValue().toString());
                    first = false;
                }
                sb.append('}');
            }
            lines.add(sb.toString());
        }
        lines.sort(null);
        StringBuilder out = new StringBuilder();
        lines.forEach(l -> out.append(l).append('\n'));
        return out.toString();
    }

    private static String transport(int proto) {
        return switch (proto) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 1 -> "icmp";
            case 58 -> "icmp6";
            case 132 -> "sctp";
            default -> "ip" + proto;
        };
    }

    private static String endpoint(JsonNode f, String side) {
        String ip = f.path(side + "_ip").asText("?");
        int port = f.path(side + "_port").asInt();
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port;
    }

    /** A line diff (longest common subsequence), small inputs only. */
    static String diff(List<String> a, List<String> b) {
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        StringBuilder sb = new StringBuilder();
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                sb.append("  ").append(a.get(i)).append('\n');
                i++;
                j++;
            } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
                sb.append("- ").append(a.get(i++)).append('\n');
            } else {
                sb.append("+ ").append(b.get(j++)).append('\n');
            }
        }
        return sb.toString();
    }
}
