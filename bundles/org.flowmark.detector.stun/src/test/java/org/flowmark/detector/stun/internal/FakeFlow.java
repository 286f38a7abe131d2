package org.flowmark.detector.stun.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowView;
import org.flowmark.api.packet.ByteArrayPacketView;

/**
 * Stand-in for the core in tests: one flow, one detector, the dispatch rules of the SPI (inspect until a verdict,
 * nothing after EXCLUDED, collect after DETECTED while it returns true and the extra-packet budget lasts), per-
 * direction TCP sequence numbers, and a builder with the core's replace/accumulate semantics.
 */
final class FakeFlow implements DetectorContext, FlowView {

    final Detector detector;
    final int extraPackets;
    final int ipProtocol;
    final int initPort;
    final int respPort;
    final Builder result = new Builder();
    Verdict verdict = Verdict.NEED_MORE;
    int inspectCalls;
    int collectCalls;
    private boolean collecting = true;
    private int extraUsed;
    private long slot;
    private Object state;
    private boolean fromInitiator;
    private long seqInit = 1_000;
    private long seqResp = 4_294_967_000L;
    private long currentSeq;
    private int payloadIndex;

    FakeFlow(Detector detector, int extraPackets, int ipProtocol, int initPort, int respPort) {
        this.detector = detector;
        this.extraPackets = extraPackets;
        this.ipProtocol = ipProtocol;
        this.initPort = initPort;
        this.respPort = respPort;
    }

    static byte[] hex(String h) {
        String s = h.replaceAll("\\s+", "");
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    /** From the initiator (client). */
    FakeFlow c(byte[] bytes) {
        return send(true, bytes);
    }

    /** From the responder (server). */
    FakeFlow s(byte[] bytes) {
        return send(false, bytes);
    }

    FakeFlow c(String hex) {
        return c(hex(hex));
    }

    FakeFlow s(String hex) {
        return s(hex(hex));
    }

    FakeFlow send(boolean fromInit, byte[] bytes) {
        long seq = fromInit ? seqInit : seqResp;
        deliver(fromInit, bytes, seq);
        if (fromInit) {
            seqInit = (seqInit + bytes.length) & 0xffffffffL;
        } else {
            seqResp = (seqResp + bytes.length) & 0xffffffffL;
        }
        return this;
    }

    FakeFlow deliver(boolean fromInit, byte[] bytes, long seq) {
        if (bytes.length == 0) {
            return this;
        }
        fromInitiator = fromInit;
        currentSeq = ipProtocol == 6 ? seq & 0xffffffffL : 0;
        ByteArrayPacketView view = new ByteArrayPacketView(bytes);
        if (verdict == Verdict.NEED_MORE) {
            inspectCalls++;
            verdict = detector.inspect(this, view);
            if (verdict == Verdict.EXCLUDED) {
                state = null;
            }
        } else if (verdict == Verdict.DETECTED && collecting && extraUsed < extraPackets) {
            extraUsed++;
            collectCalls++;
            collecting = detector.collect(this, view);
        }
        payloadIndex++;
        return this;
    }

    boolean collecting() {
        return verdict == Verdict.DETECTED && collecting && extraUsed < extraPackets;
    }

    Object meta(String group, String key) {
        return result.get(group, key);
    }

    Object stateObject() {
        return state;
    }

    // ---- DetectorContext
    @Override public FlowView flow() { return this; }
    @Override public boolean fromInitiator() { return fromInitiator; }
    @Override public int payloadIndex() { return payloadIndex; }
    @Override public int directionPayloadIndex() { return payloadIndex; }
    @Override public long timestampNanos() { return 0; }
    @Override public int srcPort() { return fromInitiator ? initPort : respPort; }
    @Override public int dstPort() { return fromInitiator ? respPort : initPort; }
    @Override public int tcpFlags() { return ipProtocol == 6 ? 0x18 : 0; }
    @Override public long tcpSeq() { return currentSeq; }
    @Override public long slot() { return slot; }
    @Override public void slot(long value) { slot = value; }
    @Override public Object state() { return state; }
    @Override public void state(Object s) { state = s; }
    @Override public DetectionBuilder result() { return result; }

    // ---- FlowView
    @Override public long id() { return 1; }
    @Override public int ipVersion() { return 4; }
    @Override public int ipProtocol() { return ipProtocol; }
    @Override public int vlanId() { return 0; }
    @Override public int localAddress(byte[] dst) { dst[0] = 10; dst[1] = 0; dst[2] = 0; dst[3] = 1; return 4; }
    @Override public int otherAddress(byte[] dst) { dst[0] = 10; dst[1] = 0; dst[2] = 0; dst[3] = 2; return 4; }
    @Override public int localPort() { return initPort; }
    @Override public int otherPort() { return respPort; }
    @Override public boolean localIsInitiator() { return true; }
    @Override public long localPackets() { return 0; }
    @Override public long localBytes() { return 0; }
    @Override public long otherPackets() { return 0; }
    @Override public long otherBytes() { return 0; }
    @Override public long firstSeenNanos() { return 0; }
    @Override public long lastSeenNanos() { return 0; }
    @Override public int dpiPackets() { return payloadIndex; }
    @Override public Detection detection() { return null; }

    /** Records what the detector reports. */
    static final class Builder implements DetectionBuilder {
        String protocol;
        String application;
        String hostname;
        String category;
        final List<String> risks = new ArrayList<>();
        final Map<String, Map<String, Object>> metadata = new LinkedHashMap<>();

        @Override public DetectionBuilder protocol(String name) { protocol = name; return this; }
        @Override public DetectionBuilder application(String name) { application = name; return this; }
        @Override public DetectionBuilder hostname(String host) { hostname = host; return this; }
        @Override public DetectionBuilder category(String c) { category = c; return this; }

        @Override
        public DetectionBuilder risk(String risk) {
            if (!risks.contains(risk)) {
                risks.add(risk);
            }
            return this;
        }

        @Override
        public DetectionBuilder put(String group, String key, Object value) {
            metadata.computeIfAbsent(group, g -> new LinkedHashMap<>()).put(key, value);
            return this;
        }

        @Override public String protocol() { return protocol; }
        @Override public String hostname() { return hostname; }
        @Override public String application() { return application; }
        @Override public String category() { return category; }

        @Override
        public Object get(String group, String key) {
            Map<String, Object> g = metadata.get(group);
            return g == null ? null : g.get(key);
        }
    }
}
