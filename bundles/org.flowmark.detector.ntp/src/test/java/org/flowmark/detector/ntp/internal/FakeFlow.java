package org.flowmark.detector.ntp.internal;

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
 * A stand-in for the core's dispatch of one flow to one detector: {@code inspect} until a verdict, nothing after
 * EXCLUDED, {@code collect} after DETECTED while it returns true and the extra-packet budget lasts. Keeps the
 * detector's slot and state object, and records what it reports.
 */
final class FakeFlow implements DetectorContext {

    final Detector detector;
    final int extraPackets;
    final Builder result = new Builder();
    final int initiatorPort;
    final int responderPort;
    private long slot;
    private Object state;
    private boolean fromInitiator;
    private int payloadIndex;
    private int initIndex;
    private int respIndex;
    Verdict verdict = Verdict.NEED_MORE;
    int extraUsed;
    boolean collecting = true;
    int inspectCalls;
    int collectCalls;
    /** TCP flags reported for every packet; 0 (the default) stands for UDP. */
    int tcpFlags;

    FakeFlow(Detector detector, int extraPackets, int initiatorPort, int responderPort) {
        this.detector = detector;
        this.extraPackets = extraPackets;
        this.initiatorPort = initiatorPort;
        this.responderPort = responderPort;
    }

    /** Initiator to responder. */
    FakeFlow c(String hex) {
        return send(true, ByteArrayPacketView.ofHex(hex));
    }

    /** Responder to initiator. */
    FakeFlow s(String hex) {
        return send(false, ByteArrayPacketView.ofHex(hex));
    }

    FakeFlow send(boolean fromInit, byte[] bytes) {
        return send(fromInit, new ByteArrayPacketView(bytes));
    }

    FakeFlow send(boolean fromInit, ByteArrayPacketView view) {
        if (view.length() == 0) {
            return this;
        }
        this.fromInitiator = fromInit;
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
        if (fromInit) {
            initIndex++;
        } else {
            respIndex++;
        }
        return this;
    }

    Object meta(String group, String key) {
        return result.group(group).get(key);
    }

    @Override public FlowView flow() { return null; }
    @Override public boolean fromInitiator() { return fromInitiator; }
    @Override public int payloadIndex() { return payloadIndex; }
    @Override public int directionPayloadIndex() { return fromInitiator ? initIndex : respIndex; }
    @Override public long timestampNanos() { return 0; }
    @Override public int srcPort() { return fromInitiator ? initiatorPort : responderPort; }
    @Override public int dstPort() { return fromInitiator ? responderPort : initiatorPort; }
    @Override public int tcpFlags() { return tcpFlags; }
    @Override public long tcpSeq() { return 0; }
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

        @Override
        public Object get(String group, String key) {
            return group(group).get(key);
        }
    }
}
