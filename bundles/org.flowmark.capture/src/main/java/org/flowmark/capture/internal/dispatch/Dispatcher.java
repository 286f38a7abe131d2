package org.flowmark.capture.internal.dispatch;

import java.util.function.Supplier;

import org.flowmark.api.classify.ApplicationResolver;
import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowView;
import org.flowmark.capture.internal.decode.DecodedPacket;
import org.flowmark.capture.internal.flow.Flow;

/**
 * Hands a flow's payload packets to detectors: port-hinted detectors first, then the others in generation order;
 * a detector that says EXCLUDED (or throws) is never called again for that flow; the flow's packet budget bounds the
 * work; after DETECTED, the deciding detector may collect metadata from a few more packets. One Dispatcher per
 * capture thread; nothing allocated per packet (the per-flow state is allocated once, at the first payload packet).
 */
public final class Dispatcher {

    /** Receives a flow whose detection just became final. */
    public interface Listener {
        void classified(Flow flow);
    }

    /** Receives detector faults (for logging, rate-limited by the caller). */
    public interface FaultListener {
        void fault(DetectorEntry entry, Flow flow, Throwable error, boolean disabledNow);
    }

    private final Supplier<Generation> generations;
    private final Supplier<ApplicationResolver[]> resolvers;
    private final int packetBudget;
    private final int maxFaults;
    private final Listener listener;
    private final FaultListener faults;
    private final BufferPacketView view = new BufferPacketView();
    private final Ctx ctx = new Ctx();

    public long inspections;
    /**
     * Per-call time budget of a detector: one {@code inspect} call in {@value #TIMING_SAMPLE} is timed (two
     * {@code System.nanoTime()} reads); a timed call longer than {@code callBudgetNanos} is an overrun, and
     * {@code maxOverruns} overruns disable the detector like repeated faults. Both come from the configuration
     * ({@code detectorCallBudgetMicros}, {@code detectorMaxOverruns}; see EngineConfig for the fallbacks); the
     * sampling from the system property {@code flowmark.detector.timingSample} (16; 1 times every call).
     */
    public static final int TIMING_SAMPLE = 16;
    /** Overruns forgiven per detector: class loading and interpretation of its first calls. */
    static final int WARMUP_OVERRUNS = 3;
    /** One call in (this + 1) is timed: {@code flowmark.detector.timingSample} rounded to a power of two. */
    private final long timingMask = Integer.highestOneBit(Math.max(1,
            Integer.getInteger("flowmark.detector.timingSample", TIMING_SAMPLE))) - 1L;
    private final long callBudgetNanos;
    private final int maxOverruns;
    /** Exceptions thrown by application resolvers, and the latest one (for the log). */
    public long resolverFaults;
    public Throwable lastResolverFault;

    public Dispatcher(Supplier<Generation> generations, Supplier<ApplicationResolver[]> resolvers, int packetBudget,
            int maxFaults, Listener listener, FaultListener faults) {
        this(generations, resolvers, packetBudget, maxFaults, callBudgetMicros(-1), maxOverruns(-1), listener, faults);
    }

    /** Built-in detector time budget: 10 ms per timed call, 10 overruns. */
    public static final long DEFAULT_CALL_BUDGET_MICROS = 10_000L;
    public static final int DEFAULT_MAX_OVERRUNS = 10;

    /** A configured call budget; a negative one means the framework property, else the built-in default. */
    public static long callBudgetMicros(long configured) {
        return configured >= 0 ? configured
                : Long.getLong("flowmark.detector.callBudgetMicros", DEFAULT_CALL_BUDGET_MICROS);
    }

    /** A configured overrun limit; a negative one means the framework property, else the built-in default. */
    public static int maxOverruns(int configured) {
        return configured >= 0 ? configured : Integer.getInteger("flowmark.detector.maxOverruns", DEFAULT_MAX_OVERRUNS);
    }

    /**
     * @param callBudgetMicros a timed detector call longer than this is an overrun
     * @param maxOverruns      overruns after which a detector is disabled
     */
    public Dispatcher(Supplier<Generation> generations, Supplier<ApplicationResolver[]> resolvers, int packetBudget,
            int maxFaults, long callBudgetMicros, int maxOverruns, Listener listener, FaultListener faults) {
        this.callBudgetNanos = Math.max(1L, callBudgetMicros) * 1000L;
        this.maxOverruns = Math.max(1, maxOverruns);
        this.generations = generations;
        this.resolvers = resolvers;
        this.packetBudget = packetBudget;
        this.maxFaults = maxFaults;
        this.listener = listener;
        this.faults = faults;
    }

    /**
     * Inspects one payload packet of flow {@code f}. {@code fromInitiator}: the packet travels from the flow's
     * initiator. The packet's payload is {@code p.buf[p.payloadOffset, +p.payloadLength)}.
     */
    public void inspect(Flow f, DecodedPacket p, boolean fromInitiator) {
        DetectionState st = f.dpi;
        if (st == null) {
            st = new DetectionState(generations.get(), f.ipProtocol());
            f.dpi = st;
        }
        view.wrap(p.buf, p.payloadOffset, p.payloadLength);
        ctx.flow = f;
        ctx.st = st;
        ctx.p = p;
        ctx.fromInitiator = fromInitiator;
        ctx.payloadIndex = f.dpiPackets;
        ctx.dirIndex = fromInitiator ? st.initiatorPayloads++ : st.responderPayloads++;
        f.dpiPackets++;
        DetectorEntry[] entries = st.generation.entries;
        if (st.phase == DetectionState.COLLECTING) {
            DetectorEntry e = entries[st.detectedBy];
            boolean more = false;
            if (e.active && !e.disabled) {
                ctx.index = st.detectedBy;
                ctx.forwardRequested = false;
                try {
                    more = e.detector.collect(ctx, view);
                } catch (Throwable t) {
                    fault(e, f, t);
                }
                if (ctx.forwardRequested) {
                    forward(f, st, entries);
                }
            }
            if (!more || --st.extraLeft <= 0) {
                finish(f, st);
            }
            return;
        }
        long all = st.generation.all();
        // pass 1: detectors hinted by either port; pass 2: the rest
        for (int pass = 0; pass < 2 && st.phase == DetectionState.DETECTING && st.detectedBy < 0; pass++) {
            for (int i = 0; i < entries.length; i++) {
                if ((st.excluded & (1L << i)) != 0) {
                    continue;
                }
                DetectorEntry e = entries[i];
                boolean hinted = e.hinted(p.srcPort) || e.hinted(p.dstPort);
                if (hinted != (pass == 0)) {
                    continue;
                }
                if (!e.active || e.disabled) {
                    st.excluded |= 1L << i;
                    continue;
                }
                ctx.index = i;
                Verdict v;
                boolean timed = (++inspections & timingMask) == 0;
                long t0 = timed ? System.nanoTime() : 0L;
                try {
                    v = e.detector.inspect(ctx, view);
                } catch (Throwable t) {
                    fault(e, f, t);
                    v = Verdict.EXCLUDED;
                }
                if (timed) {
                    timed(e, f, System.nanoTime() - t0);
                }
                if (v == Verdict.DETECTED) {
                    e.detections.incrementAndGet();
                    st.detectedBy = i;
                    if (e.extraPackets > 0) {
                        st.phase = DetectionState.COLLECTING;
                        st.extraLeft = e.extraPackets;
                    } else {
                        finish(f, st);
                    }
                    return;
                } else if (v == Verdict.EXCLUDED) {
                    st.excluded |= 1L << i;
                    if (st.states != null) {
                        st.states[i] = null; // let go of an excluded detector's reassembly state at once
                    }
                }
            }
        }
        if ((st.excluded & all) == all || f.dpiPackets >= packetBudget) {
            finish(f, st);
        }
    }

    /**
     * Hands the current packet to the forward target (see {@code DetectorContext.forward}): its inspect until
     * DETECTED, then its collect; the protocol the forwarding detector set is kept.
     */
    private void forward(Flow f, DetectionState st, DetectorEntry[] entries) {
        int t = st.forwardTo;
        DetectorEntry e = entries[t];
        String protocol = st.builder.protocol();
        int caller = ctx.index;
        ctx.index = t;
        try {
            if (!e.active || e.disabled) {
                st.forwardPhase = DetectionState.FORWARD_DONE;
            } else if (st.forwardPhase == DetectionState.DETECTING) {
                Verdict v = e.detector.inspect(ctx, view);
                if (v == Verdict.DETECTED) {
                    e.detections.incrementAndGet();
                    st.forwardPhase = e.extraPackets > 0 ? DetectionState.COLLECTING : DetectionState.FORWARD_DONE;
                } else if (v == Verdict.EXCLUDED) {
                    st.forwardPhase = DetectionState.FORWARD_DONE;
                }
            } else if (!e.detector.collect(ctx, view)) {
                st.forwardPhase = DetectionState.FORWARD_DONE;
            }
        } catch (Throwable x) {
            fault(e, f, x);
            st.forwardPhase = DetectionState.FORWARD_DONE;
        } finally {
            if (protocol != null) {
                st.builder.protocol(protocol);
            }
            if (st.forwardPhase == DetectionState.FORWARD_DONE) {
                st.slots[t] = 0L;
                if (st.states != null) {
                    st.states[t] = null;
                }
            }
            ctx.index = caller;
        }
    }

    /** Records a timed call; an overrun past the budget counts, and too many disable the detector. */
    private void timed(DetectorEntry e, Flow f, long nanos) {
        if (nanos > e.maxCallNanos) {
            e.maxCallNanos = nanos; // written by capture threads only; a lost update between two is harmless
        }
        // a detector's first timed calls load its classes and run interpreted: they do not count
        if (nanos <= callBudgetNanos || ++e.timedOverBudgetWarmup <= WARMUP_OVERRUNS) {
            return;
        }
        long n = e.overruns.incrementAndGet();
        boolean disabledNow = false;
        if (n >= maxOverruns && !e.disabled) {
            e.disabled = true;
            disabledNow = true;
        }
        if (n == 1 || disabledNow) {
            faults.fault(e, f, new java.util.concurrent.TimeoutException("a call took " + nanos / 1000 + " us, over the "
                    + callBudgetNanos / 1000 + " us budget (" + n + " overruns)"), disabledNow);
        }
    }

    private void fault(DetectorEntry e, Flow f, Throwable t) {
        long n = e.faults.incrementAndGet();
        boolean disabledNow = false;
        if (n >= maxFaults && !e.disabled) {
            e.disabled = true;
            disabledNow = true;
        }
        faults.fault(e, f, t, disabledNow);
    }

    /** Ends detection now (budget, all excluded, detected, or flow purge) and notifies the listener once. */
    public void finish(Flow f, DetectionState st) {
        if (f.detection != null) {
            return;
        }
        String by = st != null && st.detectedBy >= 0 ? st.generation.entries[st.detectedBy].name : null;
        DetectionBuilderImpl b = st != null && by != null ? st.builder : new DetectionBuilderImpl();
        if (by == null) {
            l3Protocol(b, f.ipProtocol());
        }
        ApplicationResolver[] rs = resolvers.get();
        for (ApplicationResolver r : rs) {
            try {
                r.resolve(f, b);
            } catch (RuntimeException | LinkageError e) {
                resolverFaults++;
                lastResolverFault = e;
            }
        }
        f.detection = b.build(Detection.UNKNOWN, by != null ? by : b.protocol() != null ? "ip" : null);
        f.dpi = null;
        listener.classified(f);
    }

    /** Names a flow no detector recognised after its IP protocol where that protocol has no ports. */
    static void l3Protocol(DetectionBuilderImpl b, int ipProtocol) {
        String name;
        switch (ipProtocol) {
            case 1: name = "ICMP"; break;
            case 2: name = "IGMP"; break;
            case 47: name = "GRE"; break;
            case 58: name = "ICMPv6"; break;
            case 89: name = "OSPF"; break;
            case 112: name = "VRRP"; break;
            default: return;
        }
        b.protocol(name).category("network");
    }

    private static final class Ctx implements DetectorContext {
        Flow flow;
        DetectionState st;
        DecodedPacket p;
        boolean fromInitiator;
        int payloadIndex;
        int dirIndex;
        int index;
        boolean forwardRequested;

        @Override public FlowView flow() { return flow; }
        @Override public boolean fromInitiator() { return fromInitiator; }
        @Override public int payloadIndex() { return payloadIndex; }
        @Override public int directionPayloadIndex() { return dirIndex; }
        @Override public long timestampNanos() { return flow.lastSeenNanos(); }
        @Override public int srcPort() { return p.srcPort; }
        @Override public int dstPort() { return p.dstPort; }
        @Override public int tcpFlags() { return p.tcpFlags; }
        @Override public long tcpSeq() { return p.tcpSeq; }
        @Override public long slot() { return st.slots[index]; }
        @Override public void slot(long value) { st.slots[index] = value; }

        @Override public Object state() {
            return st.states == null ? null : st.states[index];
        }

        @Override public void state(Object state) {
            if (st.states == null) {
                if (state == null) {
                    return;
                }
                st.states = new Object[st.generation.entries.length];
            }
            st.states[index] = state;
        }

        @Override public DetectionBuilder result() { return st.builder; }

        @Override public boolean forward(String detector) {
            if (st.phase != DetectionState.COLLECTING || index != st.detectedBy || detector == null) {
                return false;
            }
            if (st.forwardTo >= 0) {
                if (st.forwardPhase == DetectionState.FORWARD_DONE
                        || !detector.equals(st.generation.entries[st.forwardTo].name)) {
                    return false;
                }
                forwardRequested = true;
                return true;
            }
            DetectorEntry[] es = st.generation.entries;
            long notForTransport = st.generation.initialExcluded(flow.ipProtocol());
            for (int i = 0; i < es.length; i++) {
                DetectorEntry e = es[i];
                if (i != index && (notForTransport & (1L << i)) == 0 && e.active && !e.disabled
                        && detector.equals(e.name)) {
                    st.forwardTo = i;
                    st.forwardPhase = DetectionState.DETECTING;
                    st.slots[i] = 0L; // as if the flow started here: what the detector kept from the first
                    if (st.states != null) { // packets (it excluded the flow then) is gone
                        st.states[i] = null;
                    }
                    forwardRequested = true;
                    return true;
                }
            }
            return false;
        }
    }
}
