package org.flowmark.capture.internal.decode;

/**
 * Remembers the ports of first fragments so that later fragments of the same datagram can be given to the same
 * flow: (source, destination, protocol, identification) -> (source port, destination port).
 *
 * <p>Bounded and preallocated: open addressing over a power-of-two array, probing at most {@link #PROBES} slots.
 * An insert takes a free, expired or matching slot among them, else overwrites the oldest. Entries expire
 * {@code timeoutNanos} after they were stored, judged by packet timestamps (so replaying a file behaves as the live
 * capture did). Nothing is allocated after construction.
 */
public final class FragmentTable {
    /** Slots probed per lookup or insert. */
    static final int PROBES = 8;
    /** Default expiry: 30 s of packet time. */
    public static final long DEFAULT_TIMEOUT_NANOS = 30_000_000_000L;

    private final int mask;
    private final long timeoutNanos;
    private final long[] srcHi;
    private final long[] srcLo;
    private final long[] dstHi;
    private final long[] dstLo;
    /** protocol << 32 | identification; -1 when the slot is free. */
    private final long[] protoId;
    private final int[] ports;
    private final long[] stored;
    private long evictions;

    /** A table of {@code capacity} slots (rounded up to a power of two, at least {@link #PROBES}). */
    public FragmentTable(int capacity, long timeoutNanos) {
        int n = Integer.highestOneBit(Math.max(PROBES, capacity) - 1) << 1;
        if (n <= 0 || n > (1 << 24)) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        mask = n - 1;
        this.timeoutNanos = timeoutNanos;
        srcHi = new long[n];
        srcLo = new long[n];
        dstHi = new long[n];
        dstLo = new long[n];
        protoId = new long[n];
        ports = new int[n];
        stored = new long[n];
        java.util.Arrays.fill(protoId, -1L);
    }

    public FragmentTable() {
        this(4096, DEFAULT_TIMEOUT_NANOS);
    }

    public int capacity() {
        return mask + 1;
    }

    /** Live entries overwritten before they expired (the table was too small for the fragment load). */
    public long evictions() {
        return evictions;
    }

    private static int hash(long sh, long sl, long dh, long dl, long pid) {
        long h = sh * 0x9E3779B97F4A7C15L;
        h = (h ^ sl) * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ dh) * 0x9E3779B97F4A7C15L;
        h = (h ^ dl) * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ pid) * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29) ^ (h >>> 47));
    }

    private boolean live(int i, long now) {
        return protoId[i] != -1L && now - stored[i] <= timeoutNanos && now - stored[i] >= -timeoutNanos;
    }

    /** Stores the ports of a first fragment. */
    public void put(long sh, long sl, long dh, long dl, int proto, long id, int srcPort, int dstPort, long now) {
        long pid = ((long) proto << 32) | (id & 0xFFFFFFFFL);
        int start = hash(sh, sl, dh, dl, pid) & mask;
        int victim = -1;
        boolean free = false;
        long oldest = Long.MAX_VALUE;
        for (int k = 0; k < PROBES; k++) {
            int i = (start + k) & mask;
            if (protoId[i] == pid && srcLo[i] == sl && dstLo[i] == dl && srcHi[i] == sh && dstHi[i] == dh) {
                victim = i;
                break;
            }
            if (free) {
                continue;
            }
            if (!live(i, now)) {
                victim = i;
                free = true;
            } else if (stored[i] < oldest) {
                oldest = stored[i];
                victim = i;
            }
        }
        if (live(victim, now) && protoId[victim] != pid) {
            evictions++;
        }
        srcHi[victim] = sh;
        srcLo[victim] = sl;
        dstHi[victim] = dh;
        dstLo[victim] = dl;
        protoId[victim] = pid;
        ports[victim] = (srcPort & 0xFFFF) << 16 | (dstPort & 0xFFFF);
        stored[victim] = now;
    }

    /**
     * Looks up the ports of a later fragment.
     *
     * @return {@code srcPort << 16 | dstPort}, or -1 when the first fragment is unknown or expired
     */
    public int get(long sh, long sl, long dh, long dl, int proto, long id, long now) {
        long pid = ((long) proto << 32) | (id & 0xFFFFFFFFL);
        int start = hash(sh, sl, dh, dl, pid) & mask;
        for (int k = 0; k < PROBES; k++) {
            int i = (start + k) & mask;
            if (protoId[i] == pid && srcLo[i] == sl && dstLo[i] == dl && srcHi[i] == sh && dstHi[i] == dh) {
                return live(i, now) ? ports[i] : -1;
            }
        }
        return -1;
    }

    /** Forgets every entry. */
    public void clear() {
        java.util.Arrays.fill(protoId, -1L);
    }
}
