package org.flowmark.sink.json.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.flowmark.api.flow.CaptureStats;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;
import org.flowmark.api.flow.PurgeReason;
import org.junit.jupiter.api.Test;

class JsonRecordsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode parse(String line) throws Exception {
        assertFalse(line.contains("\n"), "one line per record");
        return JSON.readTree(line);
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> l = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            l.add(it.next());
        }
        return l;
    }

    @Test
    void ipv4PurgeRecordHasNetifydFieldsAndValues() throws Exception {
        JsonNode r = parse(JsonRecords.purged(TestSupport.ipv4Http(PurgeReason.CLOSED)));
        assertEquals(List.of("type", "source", "reason", "flow"), fieldNames(r));
        assertEquals("flow_purge", r.get("type").asText());
        assertEquals("/captures/web.pcap", r.get("source").asText());
        assertEquals("closed", r.get("reason").asText());
        JsonNode f = r.get("flow");
        assertEquals(4, f.get("ip_version").asInt());
        assertEquals(6, f.get("ip_protocol").asInt());
        assertTrue(f.get("ip_protocol").isInt());
        assertEquals(0, f.get("vlan_id").asInt());
        assertEquals("192.168.1.10", f.get("local_ip").asText());
        assertEquals(51514, f.get("local_port").asInt());
        assertEquals("aa:bb:cc:00:11:22", f.get("local_mac").asText());
        assertEquals("93.184.216.34", f.get("other_ip").asText());
        assertEquals(80, f.get("other_port").asInt());
        assertEquals("00:11:22:33:44:55", f.get("other_mac").asText());
        assertTrue(f.get("local_origin").isBoolean());
        assertTrue(f.get("local_origin").asBoolean());
        assertEquals("HTTP", f.get("detected_protocol_name").asText());
        assertEquals("example", f.get("detected_application_name").asText());
        assertEquals("www.example.com", f.get("host_server_name").asText());
        assertEquals("Web", f.get("category").asText());
        assertEquals("unsafe_protocol", f.get("risks").get(0).asText());
        assertEquals(1, f.get("risks").size());
        assertEquals(4, f.get("detection_packets").asInt());
        assertEquals(700, f.get("local_bytes").asLong());
        assertEquals(4300, f.get("other_bytes").asLong());
        assertEquals(6, f.get("local_packets").asLong());
        assertEquals(5, f.get("other_packets").asLong());
        assertEquals(5000, f.get("total_bytes").asLong());
        assertEquals(11, f.get("total_packets").asLong());
        assertEquals(1_700_000_000_123L, f.get("first_seen_at").asLong());
        assertEquals(1_700_000_001_623L, f.get("last_seen_at").asLong());
        assertTrue(f.get("digest").asText().matches("[0-9a-f]{16}"), f.get("digest").asText());
        assertFalse(f.has("tunnel_type"));
        // metadata group as nested object, values serialized naturally
        JsonNode http = f.get("http");
        assertEquals("GET", http.get("method").asText());
        assertEquals("/index.html", http.get("url").asText());
        assertTrue(http.get("status").isNumber());
        assertEquals(200, http.get("status").asInt());
        assertEquals("curl/8.0", http.get("user_agent").asText());
        assertTrue(http.get("headers").isArray());
        assertEquals("Accept", http.get("headers").get(1).asText());
        assertTrue(http.get("tls").get("upgraded").isBoolean());
    }

    @Test
    void ipv6ClassifiedUnknownFlow() throws Exception {
        JsonNode r = parse(JsonRecords.classified(TestSupport.ipv6Unknown()));
        assertEquals(List.of("type", "source", "flow"), fieldNames(r));
        assertEquals("flow_dpi_complete", r.get("type").asText());
        assertEquals("eth0", r.get("source").asText());
        JsonNode f = r.get("flow");
        assertEquals(6, f.get("ip_version").asInt());
        assertEquals(17, f.get("ip_protocol").asInt());
        assertEquals(12, f.get("vlan_id").asInt());
        assertEquals("2001:db8::1", f.get("local_ip").asText());
        assertEquals("2001:db8:ffff::2", f.get("other_ip").asText());
        assertFalse(f.get("local_origin").asBoolean());
        assertEquals("gre", f.get("tunnel_type").asText());
        assertEquals("Unknown", f.get("detected_protocol_name").asText());
        assertEquals("Unknown", f.get("detected_application_name").asText());
        assertFalse(f.has("host_server_name"));
        assertFalse(f.has("category"));
        assertFalse(f.has("local_mac"));
        assertFalse(f.has("other_mac"));
        assertTrue(f.get("risks").isArray());
        assertEquals(0, f.get("risks").size());
        // each timestamp is truncated to ms on its own: .123456789 s and .124456788 s
        assertEquals(1_700_000_000_124L, f.get("last_seen_at").asLong());
        assertEquals(350, f.get("total_bytes").asLong());
    }

    @Test
    void purgeWithoutReasonSaysUnknown() throws Exception {
        JsonNode r = parse(JsonRecords.purged(TestSupport.ipv6Unknown()));
        assertEquals("unknown", r.get("reason").asText());
    }

    @Test
    void digestIsStableAndKeyDependent() {
        FlowRecord a = TestSupport.ipv4Http(null);
        FlowRecord sameKey = TestSupport.ipv4Http(PurgeReason.IDLE);
        assertEquals(JsonRecords.digest(a), JsonRecords.digest(sameKey));
        assertEquals("ec1a4a49cfe29a6b".length(), JsonRecords.digest(a).length());
        FlowRecord otherPort = new FlowRecord(a.id(), a.source(), 4, 6, 0, null, a.localIp(), a.localPort() + 1,
                null, a.otherIp(), a.otherPort(), null, true, 0, 0, 0, 0, 0, 0, 0, Detection.NONE, null);
        FlowRecord otherVlan = new FlowRecord(a.id(), a.source(), 4, 6, 1, null, a.localIp(), a.localPort(), null,
                a.otherIp(), a.otherPort(), null, true, 0, 0, 0, 0, 0, 0, 0, Detection.NONE, null);
        assertNotEquals(JsonRecords.digest(a), JsonRecords.digest(otherPort));
        assertNotEquals(JsonRecords.digest(a), JsonRecords.digest(otherVlan));
        assertNotEquals(JsonRecords.digest(otherPort), JsonRecords.digest(otherVlan));
    }

    @Test
    void statusAndSourceEnd() throws Exception {
        CaptureStats s = new CaptureStats("eth0", 1000, 64000, 3, 2, 1, 5, 10, 20, 4, 6, 2_500_000_000L);
        JsonNode r = parse(JsonRecords.status(s));
        assertEquals("agent_status", r.get("type").asText());
        assertEquals("eth0", r.get("source").asText());
        JsonNode st = r.get("stats");
        assertEquals(List.of("packets", "bytes", "kernel_drops", "agent_drops", "decode_errors", "fragments",
                "flows_active", "flows_created", "flows_evicted", "events_dropped", "elapsed_ms"), fieldNames(st));
        assertEquals(1000, st.get("packets").asLong());
        assertEquals(64000, st.get("bytes").asLong());
        assertEquals(3, st.get("kernel_drops").asLong());
        assertEquals(2, st.get("agent_drops").asLong());
        assertEquals(1, st.get("decode_errors").asLong());
        assertEquals(10, st.get("flows_active").asLong());
        assertEquals(20, st.get("flows_created").asLong());
        assertEquals(4, st.get("flows_evicted").asLong());
        assertEquals(6, st.get("events_dropped").asLong());
        assertEquals(2500, st.get("elapsed_ms").asLong());

        JsonNode end = parse(JsonRecords.sourceEnd("/x/a.pcap", s, true, "truncated record at offset 24"));
        assertEquals("source_end", end.get("type").asText());
        assertEquals("/x/a.pcap", end.get("source").asText());
        assertTrue(end.get("failed").asBoolean());
        assertEquals("truncated record at offset 24", end.get("error").asText());
        assertEquals(1000, end.get("stats").get("packets").asLong());

        JsonNode noStats = parse(JsonRecords.sourceEnd("/x/missing.pcap", null, true, null));
        assertFalse(noStats.has("stats"));
        assertFalse(noStats.has("error"));
    }

    @Test
    void awkwardMetadataStaysValidJson() throws Exception {
        Map<String, Map<String, Object>> meta = new LinkedHashMap<>();
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("nan", Double.NaN);
        g.put("ratio", 0.25);
        g.put("raw", new byte[] {0x16, 0x03, (byte) 0xff});
        g.put("ints", new int[] {1, 2});
        g.put("nothing", null);
        g.put("reason", PurgeReason.EVICTED);
        g.put("big", java.math.BigInteger.ONE.shiftLeft(70));
        Object deep = "leaf";
        for (int i = 0; i < 20; i++) {
            deep = List.of(deep);
        }
        g.put("deep", deep);
        meta.put("dns", g);
        meta.put("risks", Map.of("clash", true)); // clashes with the fixed risks field
        Detection d = new Detection("DNS", null, "evil\"host\n.example", null, Set.of(), meta, "dns");
        FlowRecord f = new FlowRecord(1, "eth0", 4, 17, 0, null, "10.0.0.1", 1, null, "10.0.0.2", 53, null, true, 1,
                1, 1, 1, 0, 0, 1, d, PurgeReason.IDLE);
        JsonNode flow = parse(JsonRecords.purged(f)).get("flow");
        JsonNode dns = flow.get("dns");
        assertEquals("NaN", dns.get("nan").asText());
        assertEquals(0.25, dns.get("ratio").asDouble());
        assertEquals("1603ff", dns.get("raw").asText());
        assertEquals(2, dns.get("ints").get(1).asInt());
        assertTrue(dns.get("nothing").isNull());
        assertEquals("EVICTED", dns.get("reason").asText());
        assertEquals("1180591620717411303424", dns.get("big").asText());
        JsonNode n = dns.get("deep");
        int depth = 0;
        while (n.isArray()) {
            n = n.get(0);
            depth++;
        }
        assertEquals("...", n.asText());
        assertEquals(JsonRecords.MAX_DEPTH - 1, depth); // the group object itself is the first level
        assertEquals("evil\"host\n.example", flow.get("host_server_name").asText());
        assertTrue(flow.get("risks").isArray());
        assertTrue(flow.get("meta_risks").get("clash").asBoolean());
    }
}
