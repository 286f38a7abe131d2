package org.flowmark.sink.json.internal;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import org.flowmark.api.flow.CaptureStats;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;

/**
 * Renders flow records and capture statistics as one-line JSON records whose field names follow netifyd's data
 * stream. Pure and thread-safe.
 *
 * <p>Envelope: {@code {"type": T, "source": S, ...}} with {@code T} one of
 * <ul>
 * <li>{@code flow_dpi_complete}: the flow's detection is final; {@code "flow": {...}}.</li>
 * <li>{@code flow_purge}: the flow left the table; {@code "reason": "idle"|"closed"|"evicted"|"source_end"} at
 * envelope level and {@code "flow": {...}} with the final counters.</li>
 * <li>{@code agent_status}: periodic capture counters, {@code "stats": {...}}.</li>
 * <li>{@code source_end}: a capture source ended; {@code "failed"}, {@code "error"} (when failed) and the final
 * {@code "stats": {...}}.</li>
 * </ul>
 *
 * <p>Flow object: always {@code ip_version, ip_protocol, vlan_id, local_ip, local_port, other_ip, other_port,
 * local_origin, detected_protocol_name, detected_application_name, risks, detection_packets, local_bytes,
 * other_bytes, local_packets, other_packets, total_bytes, total_packets, first_seen_at, last_seen_at, digest}.
 * Optional strings are omitted when unknown: {@code local_mac, other_mac, host_server_name, category,
 * tunnel_type}. {@code detected_application_name} is {@code "Unknown"} when no application was identified (as in
 * netifyd). {@code category} is a plain string (the Detection carries a single category). Each metadata group of
 * the detection becomes a nested object named after the group ({@code "http": {...}}); a group whose name clashes
 * with a fixed field is written as {@code "meta_<name>"}. Times are milliseconds since the epoch.
 */
public final class JsonRecords {

    public static final String TYPE_CLASSIFIED = "flow_dpi_complete";
    public static final String TYPE_PURGE = "flow_purge";
    public static final String TYPE_STATUS = "agent_status";
    public static final String TYPE_SOURCE_END = "source_end";

    /** Nesting limit for metadata values (guards against cyclic or absurdly deep structures). */
    static final int MAX_DEPTH = 8;

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private static final Set<String> FIXED_FIELDS = Set.of("ip_version", "ip_protocol", "vlan_id", "local_ip",
            "local_port", "local_mac", "other_ip", "other_port", "other_mac", "local_origin",
            "detected_protocol_name", "detected_application_name", "host_server_name", "category", "risks",
            "detection_packets", "local_bytes", "other_bytes", "local_packets", "other_packets", "total_bytes",
            "total_packets", "first_seen_at", "last_seen_at", "digest", "tunnel_type");

    private JsonRecords() {
    }

    /** A {@code flow_dpi_complete} record, without trailing newline. */
    public static String classified(FlowRecord flow) {
        return render(g -> {
            g.writeStringField("type", TYPE_CLASSIFIED);
            writeNullableString(g, "source", flow.source());
            g.writeFieldName("flow");
            writeFlow(g, flow);
        });
    }

    /** A {@code flow_purge} record, without trailing newline; the reason is {@code "unknown"} when the record has none. */
    public static String purged(FlowRecord flow) {
        return render(g -> {
            g.writeStringField("type", TYPE_PURGE);
            writeNullableString(g, "source", flow.source());
            g.writeStringField("reason", flow.purgeReason() != null ? flow.purgeReason().label() : "unknown");
            g.writeFieldName("flow");
            writeFlow(g, flow);
        });
    }

    /** An {@code agent_status} record, without trailing newline. */
    public static String status(CaptureStats stats) {
        return render(g -> {
            g.writeStringField("type", TYPE_STATUS);
            writeNullableString(g, "source", stats.source());
            g.writeFieldName("stats");
            writeStats(g, stats);
        });
    }

    /**
     * A {@code source_end} record, without trailing newline.
     *
     * @param source source name from the event (falls back to the stats' source)
     * @param stats  final statistics, or null when the event carried none
     * @param failed whether the source failed
     * @param error  error text of a failed source, or null
     */
    public static String sourceEnd(String source, CaptureStats stats, boolean failed, String error) {
        return render(g -> {
            g.writeStringField("type", TYPE_SOURCE_END);
            writeNullableString(g, "source", source != null ? source : stats != null ? stats.source() : null);
            g.writeBooleanField("failed", failed);
            if (error != null) {
                g.writeStringField("error", error);
            }
            if (stats != null) {
                g.writeFieldName("stats");
                writeStats(g, stats);
            }
        });
    }

    /**
     * A stable 16-hex-digit id of the flow key (IP version, protocol, VLAN, both endpoints), 64-bit FNV-1a. Equal
     * keys give equal digests across runs and agents.
     */
    public static String digest(FlowRecord f) {
        long h = 0xcbf29ce484222325L;
        h = fnv(h, f.ipVersion());
        h = fnv(h, f.ipProtocol());
        h = fnv(h, f.vlanId());
        h = fnv(h, f.localIp());
        h = fnv(h, f.localPort());
        h = fnv(h, f.otherIp());
        h = fnv(h, f.otherPort());
        String hex = Long.toHexString(h);
        return "0".repeat(16 - hex.length()) + hex;
    }

    private static long fnv(long h, int v) {
        for (int i = 0; i < 4; i++) {
            h ^= (v >>> (i * 8)) & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static long fnv(long h, String s) {
        if (s == null) {
            return fnv(h, -1);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            h ^= c & 0xff;
            h *= 0x100000001b3L;
            h ^= c >>> 8;
            h *= 0x100000001b3L;
        }
        return fnv(h, s.length());
    }

    private static void writeFlow(JsonGenerator g, FlowRecord f) throws IOException {
        Detection d = f.detection() != null ? f.detection() : Detection.NONE;
        g.writeStartObject();
        g.writeNumberField("ip_version", f.ipVersion());
        g.writeNumberField("ip_protocol", f.ipProtocol());
        g.writeNumberField("vlan_id", f.vlanId());
        writeNullableString(g, "local_ip", f.localIp());
        g.writeNumberField("local_port", f.localPort());
        writeOptionalString(g, "local_mac", f.localMac());
        writeNullableString(g, "other_ip", f.otherIp());
        g.writeNumberField("other_port", f.otherPort());
        writeOptionalString(g, "other_mac", f.otherMac());
        g.writeBooleanField("local_origin", f.localIsInitiator());
        writeOptionalString(g, "tunnel_type", f.tunnel());
        g.writeStringField("detected_protocol_name", d.protocol());
        g.writeStringField("detected_application_name",
                d.application() != null ? d.application() : Detection.UNKNOWN);
        writeOptionalString(g, "host_server_name", d.hostname());
        writeOptionalString(g, "category", d.category());
        g.writeArrayFieldStart("risks");
        for (String r : d.risks()) {
            g.writeString(r);
        }
        g.writeEndArray();
        g.writeNumberField("detection_packets", f.dpiPackets());
        g.writeNumberField("local_bytes", f.localBytes());
        g.writeNumberField("other_bytes", f.otherBytes());
        g.writeNumberField("local_packets", f.localPackets());
        g.writeNumberField("other_packets", f.otherPackets());
        g.writeNumberField("total_bytes", f.localBytes() + f.otherBytes());
        g.writeNumberField("total_packets", f.localPackets() + f.otherPackets());
        g.writeNumberField("first_seen_at", f.firstSeenNanos() / 1_000_000L);
        g.writeNumberField("last_seen_at", f.lastSeenNanos() / 1_000_000L);
        g.writeStringField("digest", digest(f));
        for (Map.Entry<String, Map<String, Object>> group : d.metadata().entrySet()) {
            String name = group.getKey() == null ? "null" : group.getKey();
            g.writeFieldName(FIXED_FIELDS.contains(name) ? "meta_" + name : name);
            writeValue(g, group.getValue(), 1);
        }
        g.writeEndObject();
    }

    private static void writeStats(JsonGenerator g, CaptureStats s) throws IOException {
        g.writeStartObject();
        g.writeNumberField("packets", s.packets());
        g.writeNumberField("bytes", s.bytes());
        g.writeNumberField("kernel_drops", s.kernelDrops());
        g.writeNumberField("agent_drops", s.agentDrops());
        g.writeNumberField("decode_errors", s.decodeErrors());
        g.writeNumberField("fragments", s.fragments());
        g.writeNumberField("flows_active", s.flowsActive());
        g.writeNumberField("flows_created", s.flowsCreated());
        g.writeNumberField("flows_evicted", s.flowsEvicted());
        g.writeNumberField("events_dropped", s.eventsDropped());
        g.writeNumberField("elapsed_ms", s.elapsedNanos() / 1_000_000L);
        g.writeEndObject();
    }

    /**
     * Writes a metadata value naturally: null, String, Boolean, integral and floating numbers (non-finite ones as
     * strings), byte[] as lowercase hex, Map as object (keys via toString), Collection and arrays as array, enums by
     * name, anything else via toString. Deeper than {@link #MAX_DEPTH} is cut to the string {@code "..."}.
     */
    static void writeValue(JsonGenerator g, Object v, int depth) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof CharSequence s) {
            g.writeString(s.toString());
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            double x = ((Number) v).doubleValue();
            if (Double.isFinite(x)) {
                g.writeNumber(x);
            } else {
                g.writeString(Double.toString(x));
            }
        } else if (v instanceof java.math.BigInteger bi) {
            g.writeNumber(bi);
        } else if (v instanceof java.math.BigDecimal bd) {
            g.writeNumber(bd);
        } else if (v instanceof Number n) {
            g.writeNumber(n.longValue());
        } else if (v instanceof byte[] bytes) {
            g.writeString(hex(bytes));
        } else if (v instanceof Enum<?> e) {
            g.writeString(e.name());
        } else if (depth > MAX_DEPTH) {
            g.writeString("...");
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                writeValue(g, e.getValue(), depth + 1);
            }
            g.writeEndObject();
        } else if (v instanceof Collection<?> c) {
            g.writeStartArray();
            for (Object o : c) {
                writeValue(g, o, depth + 1);
            }
            g.writeEndArray();
        } else if (v.getClass().isArray()) {
            g.writeStartArray();
            int n = Array.getLength(v);
            for (int i = 0; i < n; i++) {
                writeValue(g, Array.get(v, i), depth + 1);
            }
            g.writeEndArray();
        } else {
            g.writeString(v.toString());
        }
    }

    static String hex(byte[] b) {
        char[] out = new char[b.length * 2];
        final String digits = "0123456789abcdef";
        for (int i = 0; i < b.length; i++) {
            out[2 * i] = digits.charAt((b[i] >> 4) & 0xf);
            out[2 * i + 1] = digits.charAt(b[i] & 0xf);
        }
        return new String(out);
    }

    private static void writeNullableString(JsonGenerator g, String name, String value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeStringField(name, value);
        }
    }

    private static void writeOptionalString(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    @FunctionalInterface
    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static String render(Body body) {
        StringWriter w = new StringWriter(512);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            // StringWriter never fails; a generator state error is a bug here.
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}
