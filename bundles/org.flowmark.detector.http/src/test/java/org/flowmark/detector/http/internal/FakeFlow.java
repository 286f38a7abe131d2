package org.flowmark.detector.http.internal;

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
 * A tiny stand-in for the core: one flow, one detector. It keeps the detector's slot and state, tracks TCP
 * sequence numbers per direction, and follows the dispatch rules of the SPI: {@code inspect} until a verdict,
 * nothing after EXCLUDED, {@code collect} after DETECTED while it returns true and the extra-packet budget
 * lasts.
 */
final class FakeFlow implements DetectorContext {

    static HttpDetector detector(int maxHeaderBytes) {
        return detector(maxHeaderBytes, true);
    }

    static HttpDetector detector(int maxHeaderBytes, boolean midstreamPickup) {
        return new HttpDetector(new HttpDetector.Config() {
            @Override
            public int maxHeaderBytes() {
                return maxHeaderBytes;
            }

            @Override
            public boolean midstreamPickup() {
                return midstreamPickup;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return HttpDetector.Config.class;
            }
        });
    }

    final Detector detector;
    final int extraPackets;
    final Builder result = new Builder();
    private long slot;
    private Object state;
    private boolean fromInitiator;
    private long seqInit = 1_000;
    private long seqResp = 4_294_967_000L; // wraps around 2^32 during the test
    private long currentSeq;
    private int payloadIndex;
    Verdict verdict = Verdict.NEED_MORE;
    int extraUsed;
    boolean collecting = true;
    int inspectCalls;
    int collectCalls;
    /** Largest state buffer seen, to check the reassembly bound. */
    int maxStateBytes;

    FakeFlow(Detector detector, int extraPackets) {
        this.detector = detector;
        this.extraPackets = extraPackets;
    }

    FakeFlow(Detector detector) {
        this(detector, 8);
    }

    /** Client to server (the initiator). */
    FakeFlow c(String ascii) {
        return send(true, ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Server to client. */
    FakeFlow s(String ascii) {
        return send(false, ascii.getBytes(StandardCharsets.ISO_8859_1));
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

    /** Delivers bytes with an explicit sequence number (retransmissions, gaps); does not advance the counters. */
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
        } else if (verdict == Verdict.DETECTED && collecting && extraUsed < extraPackets) {
            extraUsed++;
            collectCalls++;
            collecting = detector.collect(this, view);
        }
        payloadIndex++;
        if (state instanceof HttpFlowState) {
            maxStateBytes = Math.max(maxStateBytes, ((HttpFlowState) state).buf.length);
        }
        return this;
    }

    /** Re-sends bytes the client already sent, ending {@code back} bytes before the next expected sequence. */
    FakeFlow retransmitClient(String ascii, int back) {
        byte[] b = ascii.getBytes(StandardCharsets.ISO_8859_1);
        return deliver(true, b, seqInit - back);
    }

    /** Pretends {@code lost} client bytes went missing before this segment. */
    FakeFlow clientAfterGap(int lost, String ascii) {
        seqInit += lost;
        return c(ascii);
    }

    /** Sets the direction of the next direct {@code detector.inspect(this, ...)} call. */
    void direction(boolean fromInit) {
        this.fromInitiator = fromInit;
    }

    Object meta(String key) {
        return result.group("http").get(key);
    }

    Object stateObject() {
        return state;
    }

    long slotValue() {
        return slot;
    }

    @Override public FlowView flow() { return null; }
    @Override public boolean fromInitiator() { return fromInitiator; }
    @Override public int payloadIndex() { return payloadIndex; }
    @Override public int directionPayloadIndex() { return payloadIndex; }
    @Override public long timestampNanos() { return 0; }
    @Override public int srcPort() { return fromInitiator ? 50_000 : 80; }
    @Override public int dstPort() { return fromInitiator ? 80 : 50_000; }
    @Override public int tcpFlags() { return 0x18; }
    @Override public long tcpSeq() { return currentSeq; }
    @Override public long slot() { return slot; }
    @Override public void slot(long value) { slot = value; }
    @Override public Object state() { return state; }
    @Override public void state(Object s) { state = s; }
    @Override public DetectionBuilder result() { return result; }

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
