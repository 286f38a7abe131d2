package org.flowmark.detector.ipsec.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowView;
import org.flowmark.api.packet.ByteArrayPacketView;

/**
 * A stand-in for the core holding one flow and one detector: it keeps the detector's slot and state, numbers
 * TCP bytes per direction, and follows the dispatch rules of the SPI (inspect until a verdict, nothing after
 * EXCLUDED, a packet budget of 32 payload packets).
 */
final class FakeFlow implements DetectorContext, FlowView {

    final Detector detector;
    final int ipProtocol;
    final int initiatorPort;
    final int responderPort;
    final Result result = new Result();
    Verdict verdict = Verdict.NEED_MORE;
    int inspectCalls;
    private long slot;
    private Object state;
    private boolean fromInitiator;
    private long seqInit = 1_000;
    private long seqResp = 4_294_967_000L; // wraps during longer tests
    private long currentSeq;
    private int payloadIndex;

    FakeFlow(Detector detector, int ipProtocol, int initiatorPort, int responderPort) {
        this.detector = detector;
        this.ipProtocol = ipProtocol;
        this.initiatorPort = initiatorPort;
        this.responderPort = responderPort;
    }

    /** From the initiator, hex (spaces allowed). */
    FakeFlow c(String hex) {
        return send(true, Hex.bytes(hex));
    }

    /** From the responder. */
    FakeFlow s(String hex) {
        return send(false, Hex.bytes(hex));
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

    /** Delivers bytes with an explicit TCP sequence number; the counters do not move. */
    FakeFlow deliver(boolean fromInit, byte[] bytes, long seq) {
        if (bytes.length == 0) {
            return this;
        }
        fromInitiator = fromInit;
        currentSeq = ipProtocol == 6 ? seq & 0xffffffffL : 0;
        if (verdict == Verdict.NEED_MORE && payloadIndex < 32) {
            inspectCalls++;
            verdict = detector.inspect(this, new ByteArrayPacketView(bytes));
        }
        payloadIndex++;
        return this;
    }

    long nextSeq(boolean fromInit) {
        return fromInit ? seqInit : seqResp;
    }

    Object meta(String group, String key) {
        Map<String, Object> g = result.metadata.get(group);
        return g == null ? null : g.get(key);
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
    @Override public int srcPort() { return fromInitiator ? initiatorPort : responderPort; }
    @Override public int dstPort() { return fromInitiator ? responderPort : initiatorPort; }
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
    @Override public int localPort() { return initiatorPort; }
    @Override public int otherPort() { return responderPort; }
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
    static final class Result implements DetectionBuilder {
        String protocol;
        String application;
        String hostname;
        String category;
        final Map<String, Map<String, Object>> metadata = new LinkedHashMap<>();

        @Override public DetectionBuilder protocol(String name) { protocol = name; return this; }
        @Override public DetectionBuilder application(String name) { application = name; return this; }
        @Override public DetectionBuilder hostname(String host) { hostname = host; return this; }
        @Override public DetectionBuilder category(String c) { category = c; return this; }
        @Override public DetectionBuilder risk(String risk) { throw new AssertionError("no risks expected: " + risk); }

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
