package org.flowmark.sink.json.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.flowmark.api.event.FlowEvents;
import org.flowmark.api.flow.CaptureStats;
import org.flowmark.api.flow.PurgeReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.event.Event;

class JsonSinkTest {

    private final PrintStream realOut = System.out;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final TestSupport.Log log = new TestSupport.Log();

    @BeforeEach
    void captureStdout() {
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStdout() {
        System.setOut(realOut);
    }

    private List<String> stdoutLines() {
        String s = stdout.toString(StandardCharsets.UTF_8);
        return s.isEmpty() ? List.of() : List.of(s.split("\n"));
    }

    private JsonSink sink(String format, String mode) {
        Map<String, String> props = new HashMap<>();
        props.put("flowmark.output.format", format);
        props.put("flowmark.mode", mode);
        return new JsonSink(props::get, new TestSupport.SinkConfig(), log.logger);
    }

    private static Event flowEvent(String topic, Object flow) {
        Map<String, Object> p = new HashMap<>();
        p.put(FlowEvents.PROP_FLOW, flow);
        p.put(FlowEvents.PROP_SOURCE, "/captures/web.pcap");
        return new Event(topic, p);
    }

    private static final CaptureStats STATS = new CaptureStats("/captures/web.pcap", 11, 5000, 0, 0, 0, 0, 0, 1, 0,
            0, 1_000_000);

    private static void sendAll(JsonSink s) {
        s.handleEvent(flowEvent(FlowEvents.TOPIC_CLASSIFIED, TestSupport.ipv4Http(null)));
        s.handleEvent(flowEvent(FlowEvents.TOPIC_PURGED, TestSupport.ipv4Http(PurgeReason.SOURCE_END)));
        s.handleEvent(new Event(FlowEvents.TOPIC_STATS, Map.of(FlowEvents.PROP_STATS, STATS,
                FlowEvents.PROP_SOURCE, STATS.source())));
        s.handleEvent(new Event(FlowEvents.TOPIC_SOURCE_END, Map.of(FlowEvents.PROP_STATS, STATS,
                FlowEvents.PROP_SOURCE, STATS.source(), FlowEvents.PROP_FAILED, false)));
    }

    @Test
    void readModeStdoutNdjsonAndAConfiguredTableFileAreCompleteAfterDrain(@TempDir Path dir) throws Exception {
        JsonSink s = sink("ndjson", "read");
        TestSupport.OutputConfig c = new TestSupport.OutputConfig();
        c.type = "file";
        c.path = dir.resolve("flows.txt").toString();
        c.format = "table";
        c.include = new String[] {"purge", "stats"};
        JsonOutput file = new JsonOutput(c, false, log.logger);
        s.addOutput(file);
        assertEquals(2, s.outputs().length);

        sendAll(s);
        s.handleEvent(new Event(FlowEvents.TOPIC_DRAIN, Map.of()));

        // everything is out right after the synchronous DRAIN returns
        ObjectMapper json = new ObjectMapper();
        List<String> lines = stdoutLines();
        assertEquals(4, lines.size(), lines.toString());
        List<String> types = lines.stream().map(l -> {
            try {
                return json.readTree(l).get("type").asText();
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
        assertEquals(List.of("flow_dpi_complete", "flow_purge", "agent_status", "source_end"), types);
        JsonNode purge = json.readTree(lines.get(1));
        assertEquals("source_end", purge.get("reason").asText());
        assertEquals("www.example.com", purge.get("flow").get("host_server_name").asText());

        List<String> table = Files.readAllLines(dir.resolve("flows.txt"));
        assertEquals(3, table.size(), table.toString());
        assertEquals(TableFormat.HEADER, table.get(0));
        assertEquals(TableFormat.row(TestSupport.ipv4Http(PurgeReason.SOURCE_END)), table.get(1));
        assertTrue(table.get(2).startsWith("# end of /captures/web.pcap: 11 packets"), table.get(2));

        s.removeOutput(file);
        file.deactivate();
        assertEquals(1, s.outputs().length);
        s.deactivate();
        assertEquals(List.of(), TestSupport.sinkThreads(""));
    }

    @Test
    void tableOnStdoutPrintsOnlyPurgedFlowsAndSourceEnds() throws Exception {
        JsonSink s = sink("table", "read");
        sendAll(s);
        s.handleEvent(new Event(FlowEvents.TOPIC_DRAIN, Map.of()));
        List<String> lines = stdoutLines();
        assertEquals(3, lines.size(), lines.toString());
        assertEquals(TableFormat.HEADER, lines.get(0));
        assertTrue(lines.get(1).startsWith("web.pcap"), lines.get(1));
        assertTrue(lines.get(2).startsWith("# end of"), lines.get(2));
        s.deactivate();
        assertEquals(List.of(), TestSupport.sinkThreads(""));
    }

    @Test
    void malformedEventsAreIgnoredWithAWarning() {
        JsonSink s = sink("ndjson", "live");
        s.handleEvent(flowEvent(FlowEvents.TOPIC_PURGED, "not a flow record"));
        s.handleEvent(new Event(FlowEvents.TOPIC_STATS, Map.of()));
        s.handleEvent(new Event(FlowEvents.TOPIC_SOURCE_END, Map.of(FlowEvents.PROP_SOURCE, "x.pcap",
                FlowEvents.PROP_FAILED, true, FlowEvents.PROP_ERROR, "not a pcap file")));
        s.handleEvent(new Event(FlowEvents.TOPIC_DRAIN, Map.of()));
        List<String> lines = stdoutLines();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("\"failed\":true"), lines.get(0));
        assertTrue(lines.get(0).contains("not a pcap file"), lines.get(0));
        assertTrue(log.has("warn", "property flow is a java.lang.String"), log.entries.toString());
        assertEquals(2, s.badEvents());
        assertEquals(1, log.at("warn").size(), "the first one is logged, then one in a thousand: " + log.entries);
        s.deactivate();
    }

    @Test
    void noStdoutOutputUnlessAsked() {
        assertEquals(0, sink(null, null).outputs().length);
        assertEquals(0, sink("none", "read").outputs().length);
        JsonSink bad = sink("xml", "read");
        assertEquals(0, bad.outputs().length);
        assertTrue(log.has("error", "flowmark.output.format=xml"), log.entries.toString());
        // events with no output are cheap no-ops, DRAIN too
        bad.handleEvent(flowEvent(FlowEvents.TOPIC_PURGED, TestSupport.ipv4Http(PurgeReason.IDLE)));
        bad.handleEvent(new Event(FlowEvents.TOPIC_DRAIN, Map.of()));
        assertEquals(List.of(), stdoutLines());
    }

    @Test
    void modes() {
        assertTrue(Modes.backpressure(Map.of("flowmark.mode", "read")::get));
        assertTrue(Modes.backpressure(Map.of("flowmark.mode", " Demo ")::get));
        assertFalse(Modes.backpressure(Map.of("flowmark.mode", "live")::get));
        assertFalse(Modes.backpressure(Map.<String, String>of()::get));
    }

    @Test
    void outputConfigurationErrorsAreClear() {
        TestSupport.OutputConfig c = new TestSupport.OutputConfig();
        c.type = "kafka";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new JsonOutput(c, false, log.logger));
        assertTrue(e.getMessage().contains("unknown type 'kafka'"), e.getMessage());
        c.type = "tcp";
        e = assertThrows(IllegalArgumentException.class, () -> new JsonOutput(c, false, log.logger));
        assertTrue(e.getMessage().contains("needs port"), e.getMessage());
        c.type = "file";
        e = assertThrows(IllegalArgumentException.class, () -> new JsonOutput(c, false, log.logger));
        assertTrue(e.getMessage().contains("needs a path"), e.getMessage());
        c.path = "/tmp/x";
        c.format = "csv";
        e = assertThrows(IllegalArgumentException.class, () -> new JsonOutput(c, false, log.logger));
        assertTrue(e.getMessage().contains("unknown format 'csv'"), e.getMessage());
        c.format = "ndjson";
        c.include = new String[] {"classified,purge", "flows"};
        e = assertThrows(IllegalArgumentException.class, () -> new JsonOutput(c, false, log.logger));
        assertTrue(e.getMessage().contains("unknown include 'flows'"), e.getMessage());
        c.include = new String[] {"classified,purge"};
        c.queueSize = 0;
        e = assertThrows(IllegalArgumentException.class, () -> new JsonOutput(c, false, log.logger));
        assertTrue(e.getMessage().contains("queue_size"), e.getMessage());
        assertEquals(6, log.at("error").size(), "each failure logged: " + log.entries);
        assertEquals(java.util.EnumSet.of(SinkRecord.Kind.CLASSIFIED, SinkRecord.Kind.PURGE),
                JsonOutput.parseInclude(new String[] {"classified,purge"}));
        assertEquals(List.of(), TestSupport.sinkThreads(""), "no thread started for a rejected output");
    }
}
