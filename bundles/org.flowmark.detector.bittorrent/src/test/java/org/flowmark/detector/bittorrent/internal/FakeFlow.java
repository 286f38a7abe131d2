package org.flowmark.detector.bittorrent.internal;

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
 * Stand-in for the core's dispatch of one flow to one detector: keeps the slot and state, the payload indexes per
 * direction, and follows the SPI: inspect until a verdict, nothing after EXCLUDED, collect after DETECTED while it
 * returns true within the extra-packet budget.
 */
final class FakeFlow implements DetectorContext, FlowView {

    final Detector detector;
    final int ipProtocol;
    final int extraPackets;
    final Builder result = new Builder();
    private long slot;
    private Object state;
    private boolean fromInitiator;
    private int payloadIndex;
    private int initIndex;
    private int respIndex;
    private int dirIndex;
    Verdict verdict = Verdict.NEED_MORE;
    int extraUsed;
    boolean collecting = true;
    int inspectCalls;

    FakeFlow(Detector detector, int ipProtocol) {
        this.detector = detector;
        this.ipProtocol = ipProtocol;
        this.extraPackets = 4;
    }

    static FakeFlow tcp() {
        return new FakeFlow(new BitTorrentDetector(), 6);
    }

    static FakeFlow udp() {
        return new FakeFlow(new BitTorrentDetector(), 17);
    }

    /** From the initiator. */
    FakeFlow c(byte[] b) {
        return send(true, b);
    }

    /** From the responder. */
    FakeFlow s(byte[] b) {
        return send(false, b);
    }

    FakeFlow c(String hex) {
        return c(Hex.bytes(hex));
    }

    FakeFlow s(String hex) {
        return s(Hex.bytes(hex));
    }

    FakeFlow send(boolean fromInit, byte[] bytes) {
        if (bytes.length == 0) {
            return this;
        }
        fromInitiator = fromInit;
        dirIndex = fromInit ? initIndex++ : respIndex++;
        ByteArrayPacketView view = new ByteArrayPacketView(bytes);
        if (verdict == Verdict.NEED_MORE) {
            inspectCalls++;
            verdict = detector.inspect(this, view);
            if (verdict == Verdict.EXCLUDED) {
                state = null;
            }
        } else if (verdict == Verdict.DETECTED && collecting && extraUsed < extraPackets) {
            extraUsed++;
            collecting = detector.collect(this, view);
        }
        payloadIndex++;
        return this;
    }

    Object meta(String key) {
        return result.get(BitTorrentDetector.GROUP, key);
    }

    // DetectorContext
    @Override public FlowView flow() { return this; }
    @Override public boolean fromInitiator() { return fromInitiator; }
    @Override public int payloadIndex() { return payloadIndex; }
    @Override public int directionPayloadIndex() { return dirIndex; }
    @Override public long timestampNanos() { return 0; }
    @Override public int srcPort() { return fromInitiator ? 50_000 : 6881; }
    @Override public int dstPort() { return fromInitiator ? 6881 : 50_000; }
    @Override public int tcpFlags() { return ipProtocol == 6 ? 0x18 : 0; }
    @Override public long tcpSeq() { return 0; }
    @Override public long slot() { return slot; }
    @Override public void slot(long value) { slot = value; }
    @Override public Object state() { return state; }
    @Override public void state(Object s) { state = s; }
    @Override public DetectionBuilder result() { return result; }

    // FlowView
    @Override public long id() { return 1; }
    @Override public int ipVersion() { return 4; }
    @Override public int ipProtocol() { return ipProtocol; }
    @Override public int vlanId() { return 0; }
    @Override public int localAddress(byte[] dst) { dst[0] = 10; dst[1] = 0; dst[2] = 0; dst[3] = 1; return 4; }
    @Override public int otherAddress(byte[] dst) { dst[0] = 10; dst[1] = 0; dst[2] = 0; dst[3] = 2; return 4; }
    @Override public int localPort() { return 50_000; }
    @Override public int otherPort() { return 6881; }
    @Override public boolean localIsInitiator() { return true; }
    @Override public long localPackets() { return initIndex; }
    @Override public long localBytes() { return 0; }
    @Override public long otherPackets() { return respIndex; }
    @Override public long otherBytes() { return 0; }
    @Override public long firstSeenNanos() { return 0; }
    @Override public long lastSeenNanos() { return 0; }
    @Override public int dpiPackets() { return payloadIndex; }
    @Override public Detection detection() { return null; }

    /** Records what the detector reports, with the builder's replace/accumulate semantics. */
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

        @Override
        public Object get(String group, String key) {
            Map<String, Object> g = metadata.get(group);
            return g == null ? null : g.get(key);
        }
    }
}
