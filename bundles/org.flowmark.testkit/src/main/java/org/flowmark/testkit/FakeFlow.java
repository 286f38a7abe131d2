package org.flowmark.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowView;
import org.flowmark.api.packet.ByteArrayPacketView;

/**
 * A stand-in for the core in detector unit tests: one flow (it is its own {@link FlowView}), one detector, and the
 * dispatch rules of the SPI:
 * <ul>
 * <li>{@code inspect} while the verdict is NEED_MORE and the packet budget ({@link #inspectBudget(int)}, unlimited
 * unless set) lasts;</li>
 * <li>nothing after EXCLUDED, and the detector's state object is dropped at once, as the core does;</li>
 * <li>{@code collect} after DETECTED while it returns true and the extra-packet budget lasts.</li>
 * </ul>
 * It keeps the detector's slot and state, the payload index overall and per direction, the packet and byte counts
 * per side, a TCP sequence number per direction (the responder's starts close to 2^32 so it wraps during tests;
 * 0 for other protocols), the packet time ({@link #at(long)}, 0 unless set), and records what the detector reports
 * in a {@link Result} with the builder's semantics (fields replace, risks accumulate once each).
 *
 * <p>Observations for assertions: {@link #verdict()}, {@link #verdicts()}, {@link #inspectCalls()},
 * {@link #collectCalls()}, {@link #collecting()}, {@link #meta(String, String)}, {@link #stateObject()},
 * {@link #slotValue()}, {@link #maxStateBytes()} (with {@link #stateSize(ToIntFunction)}).
 *
 * <p>Not thread-safe; one instance per simulated flow.
 */
public final class FakeFlow implements DetectorContext, FlowView {

    /** IANA protocol numbers for the constructors. */
    public static final int TCP = 6;
    public static final int UDP = 17;
    /** First TCP sequence number of the initiator's bytes. */
    public static final long INITIATOR_ISN = 1_000;
    /** First TCP sequence number of the responder's bytes: 296 bytes before the 32-bit wrap. */
    public static final long RESPONDER_ISN = 4_294_967_000L;
    /** Default extra-packet budget after DETECTED. */
    public static final int DEFAULT_EXTRA_PACKETS = 8;

    private final Detector detector;
    private final int ipProtocol;
    private final int initiatorPort;
    private final int responderPort;
    private final Result result = new Result();
    private final List<Verdict> verdicts = new ArrayList<>();
    private int extraPackets;
    private int inspectBudget = Integer.MAX_VALUE;
    private String metaGroup;
    private ToIntFunction<Object> stateSize;
    private int tcpFlagsOverride = -1;
    private byte[] localAddress = {10, 0, 0, 1};
    private byte[] otherAddress = {10, 0, 0, 2};

    private Verdict verdict = Verdict.NEED_MORE;
    private int inspectCalls;
    private int collectCalls;
    private int extraUsed;
    private boolean collectWanted = true;
    private int maxStateBytes;

    private final java.util.Set<String> forwardTargets = new java.util.HashSet<>();
    private final List<String> forwarded = new ArrayList<>();

    private long slot;
    private Object state;
    private boolean fromInitiator = true;
    private long currentSeq;
    private long now;
    private long firstSeen = -1;
    private int payloadIndex;
    private int directionIndex;
    private int initiatorPackets;
    private int responderPackets;
    private long initiatorBytes;
    private long responderBytes;
    private long seqInit = INITIATOR_ISN;
    private long seqResp = RESPONDER_ISN;

    /**
     * @param detector the detector under test
     * @param extraPackets packets handed to {@code collect} after DETECTED at most
     * @param ipProtocol {@link #TCP}, {@link #UDP} or another IANA number (0 is taken as "not TCP")
     * @param initiatorPort the initiator's (client's) port, the local one
     * @param responderPort the responder's (server's) port
     */
    public FakeFlow(Detector detector, int extraPackets, int ipProtocol, int initiatorPort, int responderPort) {
        if (extraPackets < 0) {
            throw new IllegalArgumentException("extraPackets < 0: " + extraPackets);
        }
        this.detector = detector;
        this.extraPackets = extraPackets;
        this.ipProtocol = ipProtocol;
        this.initiatorPort = initiatorPort;
        this.responderPort = responderPort;
    }

    /**
     * A flow without a detector, for code that only reads a {@link FlowView} or writes a {@link DetectionBuilder}
     * (resolvers, sinks): configure it with {@link #addresses}, {@link #at}; sending packets to it is an error.
     */
    public static FakeFlow view(int ipProtocol, int localPort, int otherPort) {
        return new FakeFlow(null, 0, ipProtocol, localPort, otherPort);
    }

    /** A TCP flow with the default extra-packet budget. */
    public static FakeFlow tcp(Detector detector, int initiatorPort, int responderPort) {
        return new FakeFlow(detector, DEFAULT_EXTRA_PACKETS, TCP, initiatorPort, responderPort);
    }

    /** A UDP flow with the default extra-packet budget. */
    public static FakeFlow udp(Detector detector, int initiatorPort, int responderPort) {
        return new FakeFlow(detector, DEFAULT_EXTRA_PACKETS, UDP, initiatorPort, responderPort);
    }

    // ---- configuration (before the first packet)

    /** Sets the extra-packet budget after DETECTED. */
    public FakeFlow extraPackets(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("extraPackets < 0: " + n);
        }
        this.extraPackets = n;
        return this;
    }

    /** Stops calling {@code inspect} once {@code packets} payload packets went by (the core's packets per flow). */
    public FakeFlow inspectBudget(int packets) {
        this.inspectBudget = packets;
        return this;
    }

    /** The metadata group {@link #meta(String)} reads. */
    public FakeFlow metaGroup(String group) {
        this.metaGroup = group;
        return this;
    }

    /** Makes any {@code risk(...)} call of the detector fail the test with an AssertionError. */
    public FakeFlow rejectRisks() {
        result.rejectRisks = true;
        return this;
    }

    /** Measures the state object after each packet (e.g. its reassembly buffer) for {@link #maxStateBytes()}. */
    public FakeFlow stateSize(ToIntFunction<Object> size) {
        this.stateSize = size;
        return this;
    }

    /** TCP flags reported for every packet, instead of PSH|ACK for TCP and 0 otherwise. */
    public FakeFlow tcpFlags(int flags) {
        this.tcpFlagsOverride = flags;
        return this;
    }

    /** The local (initiator's) and other address, 4 or 16 bytes each; 10.0.0.1 and 10.0.0.2 unless set. */
    public FakeFlow addresses(byte[] local, byte[] other) {
        if (local.length != other.length || (local.length != 4 && local.length != 16)) {
            throw new IllegalArgumentException("addresses must both be 4 or both 16 bytes");
        }
        this.localAddress = local.clone();
        this.otherAddress = other.clone();
        return this;
    }

    /** Time of the next packets, ns since the epoch. */
    public FakeFlow at(long nanos) {
        this.now = nanos;
        return this;
    }

    /** Sets the direction seen by direct {@code detector.inspect(flow, ...)} calls that bypass {@link #send}. */
    public FakeFlow direction(boolean fromInit) {
        this.fromInitiator = fromInit;
        return this;
    }

    // ---- packets

    /** From the initiator (client). */
    public FakeFlow c(byte[] bytes) {
        return send(true, bytes);
    }

    /** From the responder (server). */
    public FakeFlow s(byte[] bytes) {
        return send(false, bytes);
    }

    /** From the initiator, as hex (whitespace ignored). */
    public FakeFlow c(String hex) {
        return c(Hex.bytes(hex));
    }

    /** From the responder, as hex (whitespace ignored). */
    public FakeFlow s(String hex) {
        return s(Hex.bytes(hex));
    }

    /** From the initiator, as ISO-8859-1 text (HTTP, SMTP, ...). */
    public FakeFlow cText(String text) {
        return c(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** From the responder, as ISO-8859-1 text. */
    public FakeFlow sText(String text) {
        return s(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends at the next sequence number of that direction, then advances it. Empty payloads are skipped. */
    public FakeFlow send(boolean fromInit, byte[] bytes) {
        deliver(fromInit, bytes, nextSeq(fromInit));
        if (fromInit) {
            seqInit = (seqInit + bytes.length) & 0xffffffffL;
        } else {
            seqResp = (seqResp + bytes.length) & 0xffffffffL;
        }
        return this;
    }

    /** Sends a view's bytes (offset 0 up to its length). */
    public FakeFlow send(boolean fromInit, ByteArrayPacketView view) {
        byte[] b = new byte[view.length()];
        view.copyTo(0, b, 0, b.length);
        return send(fromInit, b);
    }

    /**
     * Delivers bytes with an explicit TCP sequence number (retransmissions, overlaps, gaps); the per-direction
     * counters do not move. Empty payloads are skipped, as the core hands detectors payload packets only.
     */
    public FakeFlow deliver(boolean fromInit, byte[] bytes, long seq) {
        if (detector == null) {
            throw new IllegalStateException("a FakeFlow.view(...) has no detector to send packets to");
        }
        if (bytes.length == 0) {
            return this;
        }
        fromInitiator = fromInit;
        currentSeq = ipProtocol == TCP ? seq & 0xffffffffL : 0;
        directionIndex = fromInit ? initiatorPackets : responderPackets;
        if (fromInit) {
            initiatorPackets++;
            initiatorBytes += bytes.length;
        } else {
            responderPackets++;
            responderBytes += bytes.length;
        }
        if (firstSeen < 0) {
            firstSeen = now;
        }
        ByteArrayPacketView view = new ByteArrayPacketView(bytes);
        if (verdict == Verdict.NEED_MORE && payloadIndex < inspectBudget) {
            inspectCalls++;
            verdict = detector.inspect(this, view);
            if (verdict == null) {
                throw new AssertionError("inspect returned null");
            }
            verdicts.add(verdict);
            if (verdict == Verdict.EXCLUDED) {
                state = null;
            }
        } else if (collecting()) {
            extraUsed++;
            collectCalls++;
            collectWanted = detector.collect(this, view);
        }
        payloadIndex++;
        if (stateSize != null && state != null) {
            maxStateBytes = Math.max(maxStateBytes, stateSize.applyAsInt(state));
        }
        return this;
    }

    /** Re-sends bytes of that direction ending {@code back} bytes before its next expected sequence number. */
    public FakeFlow retransmit(boolean fromInit, byte[] bytes, int back) {
        return deliver(fromInit, bytes, nextSeq(fromInit) - back);
    }

    /** Pretends {@code lost} bytes of that direction went missing before its next segment. */
    public FakeFlow gap(boolean fromInit, int lost) {
        if (fromInit) {
            seqInit = (seqInit + lost) & 0xffffffffL;
        } else {
            seqResp = (seqResp + lost) & 0xffffffffL;
        }
        return this;
    }

    /** The sequence number the next segment of that direction gets from {@link #send}. */
    public long nextSeq(boolean fromInit) {
        return fromInit ? seqInit : seqResp;
    }

    /** Replays recorded segments with their own time, direction and sequence numbers. */
    public FakeFlow replay(List<Segment> segments) {
        for (Segment s : segments) {
            now = s.timeNanos();
            deliver(s.fromClient(), s.payload(), s.seq());
        }
        return this;
    }

    // ---- observations

    /** The verdict so far: NEED_MORE until inspect decided. */
    public Verdict verdict() {
        return verdict;
    }

    /** The verdict of each inspect call, in order. */
    public List<Verdict> verdicts() {
        return Collections.unmodifiableList(verdicts);
    }

    public int inspectCalls() {
        return inspectCalls;
    }

    public int collectCalls() {
        return collectCalls;
    }

    /** Extra packets handed to {@code collect} so far. */
    public int extraUsed() {
        return extraUsed;
    }

    /** True when the next packet would go to {@code collect}: DETECTED, collect still wants more, budget left. */
    public boolean collecting() {
        return verdict == Verdict.DETECTED && collectWanted && extraUsed < extraPackets;
    }

    /** What the last {@code collect} call returned; true before any. */
    public boolean collectWanted() {
        return collectWanted;
    }

    /** The largest {@link #stateSize(ToIntFunction)} measured after a packet; 0 without a measure. */
    public int maxStateBytes() {
        return maxStateBytes;
    }

    /** The detector's state object now (null once excluded). */
    public Object stateObject() {
        return state;
    }

    /** The detector's slot now. */
    public long slotValue() {
        return slot;
    }

    /** The detector under test; null for a {@link #view}. */
    public Detector detector() {
        return detector;
    }

    /** The recorded detection; also this context's builder. */
    @Override
    public Result result() {
        return result;
    }

    /** A metadata value of the group set by {@link #metaGroup(String)}, or null. */
    public Object meta(String key) {
        if (metaGroup == null) {
            throw new IllegalStateException("no metaGroup(...) set for meta(key)");
        }
        return result.get(metaGroup, key);
    }

    /** A metadata value, or null. */
    public Object meta(String group, String key) {
        return result.get(group, key);
    }

    // ---- DetectorContext

    @Override public FlowView flow() { return this; }
    @Override public boolean fromInitiator() { return fromInitiator; }
    @Override public int payloadIndex() { return payloadIndex; }
    @Override public int directionPayloadIndex() { return directionIndex; }
    @Override public long timestampNanos() { return now; }
    @Override public int srcPort() { return fromInitiator ? initiatorPort : responderPort; }
    @Override public int dstPort() { return fromInitiator ? responderPort : initiatorPort; }

    @Override
    public int tcpFlags() {
        if (tcpFlagsOverride >= 0) {
            return tcpFlagsOverride;
        }
        return ipProtocol == TCP ? 0x18 : 0;
    }

    @Override public long tcpSeq() { return currentSeq; }
    /**
     * Lets {@link #forward} accept the named target (as if such a detector were deployed); the fake records the
     * request and does not call any target: the core's forwarding is tested in the capture bundle.
     */
    public FakeFlow acceptForward(String detector) {
        forwardTargets.add(detector);
        return this;
    }

    /** The names passed to {@link #forward}, one per call, in order (accepted or not). */
    public List<String> forwarded() {
        return forwarded;
    }

    @Override
    public boolean forward(String detector) {
        forwarded.add(detector);
        return verdict == Verdict.DETECTED && forwardTargets.contains(detector);
    }

    @Override public long slot() { return slot; }
    @Override public void slot(long value) { slot = value; }
    @Override public Object state() { return state; }
    @Override public void state(Object s) { state = s; }

    // ---- FlowView: the initiator is local

    @Override public long id() { return 1; }
    @Override public int ipVersion() { return localAddress.length == 4 ? 4 : 6; }
    @Override public int ipProtocol() { return ipProtocol; }
    @Override public int vlanId() { return 0; }

    @Override
    public int localAddress(byte[] dst) {
        System.arraycopy(localAddress, 0, dst, 0, localAddress.length);
        return localAddress.length;
    }

    @Override
    public int otherAddress(byte[] dst) {
        System.arraycopy(otherAddress, 0, dst, 0, otherAddress.length);
        return otherAddress.length;
    }

    @Override public int localPort() { return initiatorPort; }
    @Override public int otherPort() { return responderPort; }
    @Override public boolean localIsInitiator() { return true; }
    @Override public long localPackets() { return initiatorPackets; }
    @Override public long localBytes() { return initiatorBytes; }
    @Override public long otherPackets() { return responderPackets; }
    @Override public long otherBytes() { return responderBytes; }
    /** The time of the first packet; before any, the current {@link #at} time. */
    @Override public long firstSeenNanos() { return firstSeen < 0 ? now : firstSeen; }
    @Override public long lastSeenNanos() { return now; }
    @Override public int dpiPackets() { return payloadIndex; }
    @Override public Detection detection() { return null; }

    /** One recorded TCP segment. */
    public record Segment(long timeNanos, boolean fromClient, long seq, byte[] payload) {

        /**
         * Reads a {@code .hex} resource (relative to {@code owner}) written from a lab capture: one segment a line,
         * {@code seconds C|S rawSeq payloadHex}; blank lines and {@code #} comments are skipped.
         */
        public static List<Segment> load(Class<?> owner, String resource) {
            List<Segment> out = new ArrayList<>();
            try (InputStream in = owner.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing test resource " + resource);
                }
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
                int lineNo = 0;
                for (String line; (line = r.readLine()) != null; ) {
                    lineNo++;
                    if (line.isBlank() || line.startsWith("#")) {
                        continue;
                    }
                    String[] f = line.trim().split("\\s+");
                    if (f.length != 4 || !(f[1].equals("C") || f[1].equals("S"))) {
                        throw new IllegalStateException(resource + ":" + lineNo + ": want 'time C|S seq hex'");
                    }
                    long nanos = (long) (Double.parseDouble(f[0]) * 1e9);
                    out.add(new Segment(nanos, f[1].equals("C"), Long.parseLong(f[2]), Hex.bytes(f[3])));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return out;
        }
    }

    /** Records what the detector reports: fields replace, risks accumulate (once each), metadata by group. */
    public static final class Result implements DetectionBuilder {
        private String protocol;
        private String application;
        private String hostname;
        private String category;
        private boolean rejectRisks;
        private final List<String> risks = new ArrayList<>();
        private final Map<String, Map<String, Object>> metadata = new LinkedHashMap<>();

        /** A metadata group, empty when absent. */
        public Map<String, Object> group(String g) {
            return Collections.unmodifiableMap(metadata.getOrDefault(g, Map.of()));
        }

        /** All metadata groups, in the order first put. */
        public Map<String, Map<String, Object>> metadata() {
            return Collections.unmodifiableMap(metadata);
        }

        /** Risks in the order first added. */
        public List<String> risks() {
            return Collections.unmodifiableList(risks);
        }

        @Override public DetectionBuilder protocol(String name) { protocol = name; return this; }
        @Override public DetectionBuilder application(String name) { application = name; return this; }
        @Override public DetectionBuilder hostname(String host) { hostname = host; return this; }
        @Override public DetectionBuilder category(String c) { category = c; return this; }

        @Override
        public DetectionBuilder risk(String risk) {
            if (rejectRisks) {
                throw new AssertionError("no risks expected: " + risk);
            }
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
