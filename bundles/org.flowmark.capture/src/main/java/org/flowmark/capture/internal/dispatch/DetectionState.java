package org.flowmark.capture.internal.dispatch;

/**
 * A flow's detector dispatch state, allocated at the flow's first payload packet and dropped when detection ends:
 * the generation, the excluded set, one slot and one state object per detector, and the builder.
 */
public final class DetectionState {
    public static final int DETECTING = 0;
    public static final int COLLECTING = 1;

    public final Generation generation;
    public long excluded;
    public int phase = DETECTING;
    public int detectedBy = -1;
    public int extraLeft;
    /** The detector packets are forwarded to during collection ({@code DetectorContext.forward}), or -1. */
    public int forwardTo = -1;
    /** The forward target's phase: {@link #DETECTING}, {@link #COLLECTING}, or {@link #FORWARD_DONE}. */
    public int forwardPhase;
    public static final int FORWARD_DONE = 2;
    public int initiatorPayloads;
    public int responderPayloads;
    public final long[] slots;
    public Object[] states;
    public final DetectionBuilderImpl builder = new DetectionBuilderImpl();

    public DetectionState(Generation generation, int ipProtocol) {
        this.generation = generation;
        this.excluded = generation.initialExcluded(ipProtocol);
        this.slots = new long[generation.entries.length];
    }
}
