package org.flowmark.signatures.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.flowmark.api.classify.HostnameHints;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The DNS hint cache: address -> the host name a client asked for (netifyd's {@code dns_host_name}). Bounded and
 * least-recently-used: the table is split in up to 16 segments by address hash, each an access-ordered map with
 * its own lock and its share of {@code hintCacheSize} entries (so eviction is LRU per segment), which keeps
 * lookups from different capture threads off each other's lock. A TTL is clamped to
 * [{@code hintMinTtl}, {@code hintMaxTtl}] seconds and measured on the packets' clock (capture timestamps, not
 * the wall clock): a hint learnt at {@code L} answers a lookup at {@code t} only when {@code L <= t <= L + ttl}, so
 * captures read one after another in one process (years apart, or older after newer) never lend each other names.
 *
 * <p>Each address keeps its last {@value #HISTORY} answers, newest first, each valid until its TTL runs out or the
 * next answer (for another name) replaces it, whichever comes first; a lookup at {@code t} returns the latest answer
 * learnt at or before {@code t}, if not expired by then. So a flow resolved late (when it ends) still gets the name
 * its client asked for just before it started, not one a later answer put on a shared CDN address. The same name
 * learnt again while current only extends its window. Answers that arrive slightly out of order (several capture
 * threads) are put in their place; an answer more than {@link #CLOCK_RESET_NANOS} older than the newest one held
 * means the clock went back (an older capture file is read next), and the address's answers from the "future" are
 * dropped. A lookup allocates nothing but a small key.
 */
@Component(service = HostnameHints.class, configurationPid = SignaturesConfig.PID)
public final class DnsHintCache implements HostnameHints {

    private static final class Key {
        final long hi;
        final long lo;
        final int len;

        Key(long hi, long lo, int len) {
            this.hi = hi;
            this.lo = lo;
            this.len = len;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key)) {
                return false;
            }
            Key k = (Key) o;
            return k.hi == hi && k.lo == lo && k.len == len;
        }

        @Override
        public int hashCode() {
            long h = hi * 0x9E3779B97F4A7C15L ^ lo * 0xC2B2AE3D27D4EB4FL ^ len;
            return (int) (h ^ (h >>> 32));
        }
    }

    /**
     * One answer: the name and the capture-time window [learnt, expires] it is valid in; a singly linked list per
     * address, newest first, sorted by {@code learntNanos}. Mutable, guarded by the segment's lock.
     */
    private static final class Hint {
        final String name;
        final long learntNanos;
        long expiresNanos;
        Hint older;

        Hint(String name, long learntNanos, long expiresNanos) {
            this.name = name;
            this.learntNanos = learntNanos;
            this.expiresNanos = expiresNanos;
        }

        boolean validAt(long t) {
            return learntNanos <= t && t <= expiresNanos;
        }
    }

    private static final class Segment extends LinkedHashMap<Key, Hint> {
        private static final long serialVersionUID = 1L;
        private final int max;

        Segment(int max) {
            super(16, 0.75f, true);
            this.max = max;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Hint> eldest) {
            return size() > max;
        }
    }

    /** No TTL above ~292 years: keeps {@code ttl * 1e9} and {@code learnt + ttl} clear of overflow. */
    private static final long MAX_TTL_SECONDS = Long.MAX_VALUE / 1_000_000_000L / 2;

    /** Answers kept per address (distinct in time), newest first. */
    static final int HISTORY = 8;
    /** A learn this much older than the newest answer for its address means the clock went back: start afresh. */
    static final long CLOCK_RESET_NANOS = 60_000_000_000L;

    private final Segment[] segments;
    private final long minTtl;
    private final long maxTtl;

    @Activate
    public DnsHintCache(SignaturesConfig config) {
        this(config.hintCacheSize(), config.hintMinTtl(), config.hintMaxTtl());
    }

    DnsHintCache(int maxEntries, long minTtlSeconds, long maxTtlSeconds) {
        int max = Math.max(16, maxEntries);
        int n = 1;
        while (n < 16 && max / (n * 2) >= 1024) {
            n <<= 1;
        }
        segments = new Segment[n];
        for (int i = 0; i < n; i++) {
            segments[i] = new Segment((max + n - 1) / n);
        }
        this.minTtl = Math.max(0, minTtlSeconds);
        this.maxTtl = Math.min(MAX_TTL_SECONDS, Math.max(this.minTtl, maxTtlSeconds));
    }

    private static Key key(byte[] a, int len) {
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < len && i < 8; i++) {
            hi = (hi << 8) | (a[i] & 0xff);
        }
        for (int i = 8; i < len; i++) {
            lo = (lo << 8) | (a[i] & 0xff);
        }
        return new Key(hi, lo, len);
    }

    private Segment segment(Key k) {
        int h = k.hashCode();
        return segments[(h ^ (h >>> 16)) & (segments.length - 1)];
    }

    @Override
    public void learn(byte[] address, int length, String hostname, long ttlSeconds, long nowNanos) {
        if (address == null || (length != 4 && length != 16) || address.length < length || hostname == null
            || hostname.isEmpty()) {
            return;
        }
        long ttl = Math.min(maxTtl, Math.max(minTtl, ttlSeconds));
        long expires = saturatedAdd(nowNanos, ttl * 1_000_000_000L);
        Key k = key(address, length);
        Segment s = segment(k);
        synchronized (s) {
            Hint head = s.get(k);
            if (head == null || nowNanos < head.learntNanos - CLOCK_RESET_NANOS) {
                s.put(k, new Hint(hostname, nowNanos, expires));
                return;
            }
            // find the answer current at nowNanos (newest learnt at or before it) and the one after it
            Hint newer = null;
            Hint at = head;
            while (at != null && at.learntNanos > nowNanos) {
                newer = at;
                at = at.older;
            }
            if (at != null && at.name.equals(hostname) && at.validAt(nowNanos)) {
                // the same answer again: one window from its first sighting; flows that started in between and
                // are resolved later still find it
                if (newer == null) {
                    at.expiresNanos = Math.max(at.expiresNanos, expires);
                }
                return;
            }
            Hint h = new Hint(hostname, nowNanos, newer == null ? expires : Math.min(expires, newer.learntNanos));
            h.older = at;
            if (at != null) {
                at.expiresNanos = Math.min(at.expiresNanos, nowNanos); // replaced from now on
            }
            if (newer == null) {
                s.put(k, h);
            } else {
                newer.older = h;
            }
            Hint e = s.get(k);
            for (int i = 1; e != null && i < HISTORY; i++) {
                e = e.older;
            }
            if (e != null) {
                e.older = null;
            }
        }
    }

    @Override
    public String lookup(byte[] address, int length, long nowNanos) {
        if (address == null || (length != 4 && length != 16) || address.length < length) {
            return null;
        }
        Key k = key(address, length);
        Segment s = segment(k);
        synchronized (s) {
            Hint head = s.get(k);
            if (head == null) {
                return null;
            }
            if (nowNanos > head.expiresNanos) {
                // the newest answer expired, and every older one ended no later: gone for good as the clock runs on
                s.remove(k);
                return null;
            }
            for (Hint h = head; h != null; h = h.older) {
                if (h.learntNanos <= nowNanos) {
                    return nowNanos <= h.expiresNanos ? h.name : null;
                }
            }
            return null;
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** Entries held (expired ones included until looked up or evicted). */
    int size() {
        int n = 0;
        for (Segment s : segments) {
            synchronized (s) {
                n += s.size();
            }
        }
        return n;
    }

    int segmentCount() {
        return segments.length;
    }
}
