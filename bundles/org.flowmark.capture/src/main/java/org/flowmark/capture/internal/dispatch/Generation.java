package org.flowmark.capture.internal.dispatch;

/**
 * An immutable snapshot of the registered detectors, in dispatch order (priority, then name). A flow keeps the
 * generation it started with, so hot deployment never changes the layout of its detector state under it.
 * At most 64 detectors (one bit each in a flow's excluded set).
 */
public final class Generation {
    public static final int MAX_DETECTORS = 64;
    public static final Generation EMPTY = new Generation(0, new DetectorEntry[0]);

    public final long number;
    public final DetectorEntry[] entries;
    /** Per transport bit (index 1,2,4,8): bitset of detectors NOT interested, pre-excluded at flow start. */
    private final long[] notFor = new long[9];

    public Generation(long number, DetectorEntry[] entries) {
        if (entries.length > MAX_DETECTORS) {
            throw new IllegalArgumentException("at most " + MAX_DETECTORS + " detectors");
        }
        this.number = number;
        this.entries = entries;
        for (int t : new int[] {DetectorEntry.T_TCP, DetectorEntry.T_UDP, DetectorEntry.T_SCTP, DetectorEntry.T_OTHER}) {
            long m = 0;
            for (int i = 0; i < entries.length; i++) {
                if ((entries[i].transports & t) == 0) {
                    m |= 1L << i;
                }
            }
            notFor[t] = m;
        }
    }

    /** Detectors excluded from the start for a flow of this IP protocol. */
    public long initialExcluded(int ipProtocol) {
        return notFor[DetectorEntry.transportOf(ipProtocol)];
    }

    /** Bitset with one bit per detector of this generation. */
    public long all() {
        return entries.length == 64 ? -1L : (1L << entries.length) - 1;
    }
}
