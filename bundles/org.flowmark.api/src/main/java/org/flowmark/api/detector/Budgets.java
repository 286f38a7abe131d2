package org.flowmark.api.detector;

/** Default budgets of the detector dispatch (configurable in the core's configuration). */
public final class Budgets {
    /** Payload packets per flow handed to detectors before the flow is declared Unknown (nDPI's default). */
    public static final int DEFAULT_PACKETS_PER_FLOW = 32;
    /** Upper bound on {@link DetectorProperties#extraPackets()}. */
    public static final int MAX_EXTRA_PACKETS = 16;
    /** Faults (exceptions) after which a detector is disabled until it is redeployed. */
    public static final int DEFAULT_MAX_FAULTS = 100;

    private Budgets() {
    }
}
