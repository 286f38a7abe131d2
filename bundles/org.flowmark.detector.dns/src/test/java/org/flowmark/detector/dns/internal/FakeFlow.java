package org.flowmark.detector.dns.internal;

import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.flowmark.api.classify.HostnameHints;
import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowView;
import org.flowmark.api.packet.ByteArrayPacketView;

/**
 * Stand-in for the core for one flow and one detector: keeps slot and state, tracks TCP sequence numbers per
 * direction, and follows the SPI's dispatch rules (inspect until a verdict, collect after DETECTED while it
 * returns true within the extra-packet budget).
 */
final class FakeFlow implements DetectorContext, FlowView {

    static DnsDetector detector(int maxMessageBytes) {
        return new DnsDetector(new DnsDetector.Config() {
            @Override
            public int maxMessageBytes() {
                return maxMessageBytes;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return DnsDetector.Config.class;
            }
        });
    }

    /** Records learn() calls: the hint, and the capture time it was learnt at. */
    static final class Hints implements HostnameHints {
        final List<String> learnt = new ArrayList<>();
        final List<Long> times = new ArrayList<>();

        @Override
        public synchronized void learn(byte[] address, int length, String hostname, long ttlSeconds, long nowNanos) {
            learnt.add(DnsMessage.addressText(java.util.Arrays.copyOf(address, length)) + "=" + hostname + "/"
                + ttlSeconds);
            times.add(nowNanos);
        }

        @Override
        public String lookup(byte[] address, int length, long nowNanos) {
            return null;
        }
    }

    /** The fake capture clock starts here (2019-06-01T00:00:00Z) and each packet is 1 ms after the previous one. */
    static final long START_NANOS = 1_559_347_200_000_000_000L;
    static final long PACKET_GAP_NANOS = 1_000_000L;

    final Detector detector;
    final int ipProtocol;
    final int clientPort;
    final int serverPort;
    final Builder result = new Builder();
    final int extraPackets = 6;
    private long slot;
    private Object state;
    private boolean fromInitiator;
    private long seqInit = 1_000;
    private long seqResp = 4_294_967_000L;
    private long currentSeq;
    private long now = START_NANOS - PACKET_GAP_NANOS;
    private int payloadIndex;
    Verdict verdict = Verdict.NEED_MORE;
    int extraUsed;
    boolean collecting = true;
    int inspectCalls;
    int collectCalls;

    FakeFlow(Detector detector, int ipProtocol, int clientPort, int serverPort) {
        this.detector = detector;
        this.ipProtocol = ipProtocol;
        this.clientPort = clientPort;
        this.serverPort = serverPort;
    }

    static FakeFlow udp(Detector d) {
        return new FakeFlow(d, 17, 40_000, 53);
    }

    static FakeFlow tcp(Detector d) {
        return new FakeFlow(d, 6, 40_000, 53);
    }

    FakeFlow c(byte[] b) {
        return send(true, b);
    }

    FakeFlow s(byte[] b) {
        return send(false, b);
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
        currentSeq = seq & 0xffffffffL;
        now += PACKET_GAP_NANOS;
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

    /** Moves the capture clock: the next packet is stamped {@code nanos}. */
    FakeFlow at(long nanos) {
        now = nanos - PACKET_GAP_NANOS;
        return this;
    }

    /** The capture timestamp of the last packet delivered. */
    long now() {
        return now;
    }

    /** Pretends {@code lost} client bytes went missing before the next client segment. */
    FakeFlow clientGap(int lost) {
        seqInit += lost;
        return this;
    }

    long seqInit() {
        return seqInit;
    }

    Object meta(String key) {
        return result.group("dns").get(key);
    }

    Object stateObject() {
        return state;
    }

    // DetectorContext
    @Override public FlowView flow() { return this; }
    @Override public boolean fromInitiator() { return fromInitiator; }
    @Override public int payloadIndex() { return payloadIndex; }
    @Override public int directionPayloadIndex() { return payloadIndex; }
    @Override public long timestampNanos() { return now; }
    @Override public int srcPort() { return fromInitiator ? clientPort : serverPort; }
    @Override public int dstPort() { return fromInitiator ? serverPort : clientPort; }
    @Override public int tcpFlags() { return ipProtocol == 6 ? 0x18 : 0; }
    @Override public long tcpSeq() { return ipProtocol == 6 ? currentSeq : 0; }
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
    @Override public int otherAddress(byte[] dst) { dst[0] = 10; dst[1] = 0; dst[2] = 0; dst[3] = 53; return 4; }
    @Override public int localPort() { return clientPort; }
    @Override public int otherPort() { return serverPort; }
    @Override public boolean localIsInitiator() { return true; }
    @Override public long localPackets() { return 0; }
    @Override public long localBytes() { return 0; }
    @Override public long otherPackets() { return 0; }
    @Override public long otherBytes() { return 0; }
    @Override public long firstSeenNanos() { return START_NANOS; }
    @Override public long lastSeenNanos() { return now; }
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

        Map<String, Object> group(String g) {
            return metadata.getOrDefault(g, Map.of());
        }

        @Override public DetectionBuilder protocol(String name) { protocol = name; return this; }
        @Override public DetectionBuilder application(String name) { application = name; return this; }
        @Override public DetectionBuilder hostname(String host) { hostname = host; return this; }
        @Override public DetectionBuilder category(String c) { category = c; return this; }
        @Override public DetectionBuilder risk(String risk) { if (!risks.contains(risk)) { risks.add(risk); } return this; }

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
