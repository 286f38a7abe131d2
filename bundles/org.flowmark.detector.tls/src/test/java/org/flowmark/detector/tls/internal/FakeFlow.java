package org.flowmark.detector.tls.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.flow.FlowView;
import org.flowmark.api.packet.ByteArrayPacketView;

/**
 * A stand-in for the core with one flow and one detector: keeps the detector's slot and state, hands packets with
 * their direction, TCP sequence number and time, and follows the SPI's dispatch rules ({@code inspect} until a
 * verdict, nothing after EXCLUDED, {@code collect} after DETECTED while it returns true within the extra-packet
 * budget).
 */
final class FakeFlow implements DetectorContext {

    static TlsDetector detector(int clientCap, int serverCap, boolean starttls, boolean mailNames) {
        return new TlsDetector(new TlsDetector.Config() {
            @Override public int clientBufferBytes() { return clientCap; }
            @Override public int serverBufferBytes() { return serverCap; }
            @Override public boolean starttls() { return starttls; }
            @Override public boolean secureMailNames() { return mailNames; }
            @Override public Class<? extends Annotation> annotationType() { return TlsDetector.Config.class; }
        });
    }

    static TlsDetector detector() {
        return detector(TlsDetector.DEFAULT_CLIENT_BUFFER, TlsDetector.DEFAULT_SERVER_BUFFER, true, true);
    }

    /** One recorded TCP segment. */
    static final class Segment {
        final long timeNanos;
        final boolean fromClient;
        final long seq;
        final byte[] payload;

        Segment(long timeNanos, boolean fromClient, long seq, byte[] payload) {
            this.timeNanos = timeNanos;
            this.fromClient = fromClient;
            this.seq = seq;
            this.payload = payload;
        }
    }

    /** Reads a {@code .hex} resource written from a lab capture: time, C/S, raw sequence number, payload hex. */
    static List<Segment> load(String resource) {
        List<Segment> out = new ArrayList<>();
        try (InputStream in = FakeFlow.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.trim().split("\\s+");
                long nanos = (long) (Double.parseDouble(f[0]) * 1e9);
                out.add(new Segment(nanos, f[1].equals("C"), Long.parseLong(f[2]), hex(f[3])));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    static ByteArrayPacketView viewOf(String hex) {
        return new ByteArrayPacketView(hex(hex));
    }

    static byte[] hex(String h) {
        String s = h.replaceAll("\\s+", "");
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    final Detector detector;
    final int extraPackets;
    final Builder result = new Builder();
    private long slot;
    private Object state;
    private boolean fromInitiator;
    private long currentSeq;
    private long now = 1_700_000_000_000_000_000L;
    private int payloadIndex;
    private long seqClient = 1000;
    private long seqServer = 4_294_967_000L; // wraps during tests
    Verdict verdict = Verdict.NEED_MORE;
    int extraUsed;
    boolean collecting = true;
    int inspectCalls;
    int collectCalls;
    /** Largest reassembly buffer seen, to check the bound. */
    int maxStateBytes;
    /** Verdict after each inspect call, in order. */
    final List<Verdict> verdicts = new ArrayList<>();

    FakeFlow(Detector detector) {
        this(detector, 16);
    }

    FakeFlow(Detector detector, int extraPackets) {
        this.detector = detector;
        this.extraPackets = extraPackets;
    }

    FakeFlow replay(List<Segment> segments) {
        for (Segment s : segments) {
            now = s.timeNanos;
            deliver(s.fromClient, s.payload, s.seq);
        }
        return this;
    }

    FakeFlow at(long nanos) {
        now = nanos;
        return this;
    }

    /** Client bytes at the next client sequence number. */
    FakeFlow c(byte[] b) {
        deliver(true, b, seqClient);
        seqClient = (seqClient + b.length) & 0xffffffffL;
        return this;
    }

    FakeFlow s(byte[] b) {
        deliver(false, b, seqServer);
        seqServer = (seqServer + b.length) & 0xffffffffL;
        return this;
    }

    FakeFlow c(String ascii) {
        return c(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    FakeFlow s(String ascii) {
        return s(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    FakeFlow deliver(boolean fromInit, byte[] bytes, long seq) {
        if (bytes.length == 0) {
            return this;
        }
        this.fromInitiator = fromInit;
        this.currentSeq = seq & 0xffffffffL;
        ByteArrayPacketView view = new ByteArrayPacketView(bytes);
        if (verdict == Verdict.NEED_MORE) {
            inspectCalls++;
            verdict = detector.inspect(this, view);
            verdicts.add(verdict);
        } else if (verdict == Verdict.DETECTED && collecting && extraUsed < extraPackets) {
            extraUsed++;
            collectCalls++;
            collecting = detector.collect(this, view);
        }
        payloadIndex++;
        if (state instanceof TlsFlowState) {
            TlsFlowState st = (TlsFlowState) state;
            maxStateBytes = Math.max(maxStateBytes, Math.max(st.init.bufferSize(), st.resp.bufferSize()));
        }
        return this;
    }

    Object meta(String key) {
        return result.group("ssl").get(key);
    }

    Object stateObject() {
        return state;
    }

    @Override public FlowView flow() { return null; }
    @Override public boolean fromInitiator() { return fromInitiator; }
    @Override public int payloadIndex() { return payloadIndex; }
    @Override public int directionPayloadIndex() { return payloadIndex; }
    @Override public long timestampNanos() { return now; }
    @Override public int srcPort() { return fromInitiator ? 50_000 : serverPort; }
    @Override public int dstPort() { return fromInitiator ? serverPort : 50_000; }
    @Override public int tcpFlags() { return 0x18; }
    @Override public long tcpSeq() { return currentSeq; }
    @Override public long slot() { return slot; }
    @Override public void slot(long value) { slot = value; }
    @Override public Object state() { return state; }
    @Override public void state(Object s) { state = s; }
    @Override public DetectionBuilder result() { return result; }

    int serverPort = 443;

    /** Records what the detector reports, with the builder's replace/accumulate semantics. */
    static final class Builder implements DetectionBuilder {
        String protocol;
        String application;
        String hostname;
        String category;
        final List<String> risks = new ArrayList<>();
        final Map<String, Map<String, Object>> metadata = new LinkedHashMap<>();

        Map<String, Object> group(String g) {
            return metadata.getOrDefault(g, Map.of());
        }

        @Override public DetectionBuilder protocol(String name) { protocol = name; return this; }
        @Override public DetectionBuilder application(String name) { application = name; return this; }
        @Override public DetectionBuilder hostname(String host) { hostname = host; return this; }
        @Override public DetectionBuilder category(String c) { category = c; return this; }
        @Override public DetectionBuilder risk(String risk) { risks.add(risk); return this; }

        @Override
        public DetectionBuilder put(String group, String key, Object value) {
            metadata.computeIfAbsent(group, g -> new LinkedHashMap<>()).put(key, value);
            return this;
        }

        @Override public String protocol() { return protocol; }
        @Override public String hostname() { return hostname; }
        @Override public String application() { return application; }
        @Override public String category() { return category; }
        @Override public Object get(String group, String key) { return group(group).get(key); }
    }
}
