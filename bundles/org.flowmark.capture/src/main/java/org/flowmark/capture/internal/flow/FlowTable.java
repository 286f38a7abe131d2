package org.flowmark.capture.internal.flow;

import org.flowmark.api.flow.PurgeReason;
import org.flowmark.capture.internal.decode.DecodedPacket;

/**
 * The bounded flow table: open addressing with linear probing over an {@code int[]} index of slot numbers,
 * preallocated at construction; flows are pooled objects. Deletion is by backward shift (no tombstones).
 *
 * <p>Expiry: every flow sits on one of three lists ordered by last packet time (moved to the tail on each packet):
 * UDP/other (idle timeout {@code udpTimeout}), TCP ({@code tcpTimeout}), closed TCP ({@code closedTimeout}). Expiring
 * pops heads; when the table is full the idlest flow (the oldest of the three heads) is evicted and counted.
 * Not thread-safe: one capture thread owns a table.
 */
public final class FlowTable {
    public static final int LIST_OTHER = 0;
    public static final int LIST_TCP = 1;
    public static final int LIST_CLOSED = 2;

    /** Receives flows leaving the table, before their object is recycled. */
    public interface PurgeListener {
        void purged(Flow flow, PurgeReason reason);
    }

    private final int capacity;
    private final int mask;
    private final int[] index;
    private final Flow[] flows;
    private final int[] free;
    private int freeTop;
    private int size;
    private final int[] head = {-1, -1, -1};
    private final int[] tail = {-1, -1, -1};
    private final long[] timeoutNanos = new long[3];
    private final PurgeListener listener;
    private long nextId = 1;

    /** Set by {@link #lookup}: true when the packet travels from endpoint A. */
    public boolean lastFromA;
    /** Set by {@link #lookup}: true when the flow was created by this packet. */
    public boolean lastCreated;

    public long created;
    public long evicted;
    public long expired;

    public FlowTable(int capacity, long udpTimeoutNanos, long tcpTimeoutNanos, long closedTimeoutNanos,
            PurgeListener listener) {
        if (capacity < 16 || capacity > (1 << 28)) {
            throw new IllegalArgumentException("max flows must be within 16.." + (1 << 28) + ": " + capacity);
        }
        this.capacity = capacity;
        int n = Integer.highestOneBit(capacity * 2 - 1) << 1; // >= 2 x capacity, load factor <= 0.5
        this.index = new int[n];
        this.mask = n - 1;
        this.flows = new Flow[capacity];
        this.free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        this.freeTop = capacity;
        timeoutNanos[LIST_OTHER] = udpTimeoutNanos;
        timeoutNanos[LIST_TCP] = tcpTimeoutNanos;
        timeoutNanos[LIST_CLOSED] = closedTimeoutNanos;
        this.listener = listener;
    }

    public int size() { return size; }

    public int capacity() { return capacity; }

    /** Bytes preallocated by the table itself (index, slot arrays), for the memory report. */
    public long preallocatedBytes() {
        return 4L * index.length + 4L * flows.length + 4L * free.length;
    }

    private static int mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h;
    }

    private static int hash(int vlan, int proto, long aHi, long aLo, long bHi, long bLo, int aPort, int bPort) {
        long h = ((long) vlan << 48) ^ ((long) proto << 40) ^ ((long) aPort << 16) ^ bPort;
        h = h * 0x9e3779b97f4a7c15L + aHi;
        h = h * 0x9e3779b97f4a7c15L + aLo;
        h = h * 0x9e3779b97f4a7c15L + bHi;
        h = h * 0x9e3779b97f4a7c15L + bLo;
        return mix(h);
    }

    /**
     * Finds the flow of a decoded packet or creates it (evicting the idlest flow when full). Sets
     * {@link #lastFromA} and {@link #lastCreated}. Never returns null.
     */
    public Flow lookup(DecodedPacket p, long now) {
        boolean srcIsA = p.srcHi < p.dstHi || (p.srcHi == p.dstHi && (p.srcLo < p.dstLo
                || (p.srcLo == p.dstLo && p.srcPort <= p.dstPort)));
        long aHi, aLo, bHi, bLo;
        int aPort, bPort;
        if (srcIsA) {
            aHi = p.srcHi; aLo = p.srcLo; bHi = p.dstHi; bLo = p.dstLo; aPort = p.srcPort; bPort = p.dstPort;
        } else {
            aHi = p.dstHi; aLo = p.dstLo; bHi = p.srcHi; bLo = p.srcLo; aPort = p.dstPort; bPort = p.srcPort;
        }
        int vlan = (p.outerVlanId << 12) | p.vlanId; // both tags of a Q-in-Q stack: S-VLANs separate customers
        int proto = p.ipProtocol;
        int version = p.ipVersion;
        int h = hash(vlan, proto | (version << 8), aHi, aLo, bHi, bLo, aPort, bPort);
        lastFromA = srcIsA;
        for (int i = h & mask;; i = (i + 1) & mask) {
            int s = index[i];
            if (s == 0) {
                break;
            }
            Flow f = flows[s - 1];
            if (f.hash == h && f.aLo == aLo && f.bLo == bLo && f.aPort == aPort && f.bPort == bPort
                    && f.aHi == aHi && f.bHi == bHi && f.ipProtocol == proto && f.vlanId == vlan
                    && f.ipVersion == version) {
                lastCreated = false;
                return f;
            }
        }
        if (size == capacity) {
            evictIdlest();
        }
        int slot = free[--freeTop];
        Flow f = flows[slot];
        if (f == null) {
            f = new Flow();
            flows[slot] = f;
        }
        f.slot = slot;
        f.hash = h;
        f.id = nextId++;
        f.ipVersion = version;
        f.ipProtocol = proto;
        f.vlanId = vlan;
        f.aHi = aHi; f.aLo = aLo; f.bHi = bHi; f.bLo = bLo; f.aPort = aPort; f.bPort = bPort;
        f.initiatorIsA = srcIsA;
        f.firstSeen = now;
        f.lastSeen = now;
        int i = h & mask;
        while (index[i] != 0) {
            i = (i + 1) & mask;
        }
        index[i] = slot + 1;
        size++;
        created++;
        link(f, proto == 6 ? LIST_TCP : LIST_OTHER);
        lastCreated = true;
        return f;
    }

    /** Moves the flow to the tail of its list after a packet at {@code now} (call on every packet). */
    public void touch(Flow f, long now) {
        if (now > f.lastSeen) {
            f.lastSeen = now;
        }
        if (f.next != -1) {
            int l = f.list;
            unlink(f);
            link(f, l);
        }
    }

    /** Moves a TCP flow to the closed list (FIN both ways or RST): it is purged after the closed timeout. */
    public void markClosed(Flow f) {
        if (f.list != LIST_CLOSED) {
            unlink(f);
            link(f, LIST_CLOSED);
        }
    }

    /** Purges every flow idle for longer than its list's timeout at time {@code now}; returns how many. */
    public int expire(long now) {
        int n = 0;
        for (int l = 0; l < 3; l++) {
            long t = timeoutNanos[l];
            while (head[l] != -1) {
                Flow f = flows[head[l]];
                if (now - f.lastSeen < t) {
                    break;
                }
                remove(f, l == LIST_CLOSED ? PurgeReason.CLOSED : PurgeReason.IDLE);
                expired++;
                n++;
            }
        }
        return n;
    }

    /** Purges every flow (end of source, shutdown), oldest first. */
    public void purgeAll(PurgeReason reason) {
        while (size > 0) {
            int best = -1;
            for (int l = 0; l < 3; l++) {
                if (head[l] != -1 && (best == -1 || flows[head[l]].lastSeen < flows[best].lastSeen)) {
                    best = head[l];
                }
            }
            remove(flows[best], reason);
        }
    }

    private void evictIdlest() {
        int best = -1;
        for (int l = 0; l < 3; l++) {
            if (head[l] != -1 && (best == -1 || flows[head[l]].lastSeen < flows[best].lastSeen)) {
                best = head[l];
            }
        }
        remove(flows[best], PurgeReason.EVICTED);
        evicted++;
    }

    private void remove(Flow f, PurgeReason reason) {
        listener.purged(f, reason);
        unlink(f);
        // backward-shift deletion from the index
        int i = f.hash & mask;
        while (index[i] != f.slot + 1) {
            i = (i + 1) & mask;
        }
        index[i] = 0;
        for (int j = (i + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int home = flows[index[j] - 1].hash & mask;
            boolean movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
            if (movable) {
                index[i] = index[j];
                index[j] = 0;
                i = j;
            }
        }
        int slot = f.slot;
        f.reset();
        free[freeTop++] = slot;
        size--;
    }

    private void link(Flow f, int l) {
        f.list = l;
        f.next = -1;
        f.prev = tail[l];
        if (tail[l] != -1) {
            flows[tail[l]].next = f.slot;
        } else {
            head[l] = f.slot;
        }
        tail[l] = f.slot;
    }

    private void unlink(Flow f) {
        int l = f.list;
        if (l < 0) {
            return;
        }
        if (f.prev != -1) {
            flows[f.prev].next = f.next;
        } else {
            head[l] = f.next;
        }
        if (f.next != -1) {
            flows[f.next].prev = f.prev;
        } else {
            tail[l] = f.prev;
        }
        f.prev = f.next = -1;
        f.list = -1;
    }
}
