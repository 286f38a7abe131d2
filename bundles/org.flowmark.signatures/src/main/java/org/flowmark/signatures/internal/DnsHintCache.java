package org.flowmark.signatures.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

import org.flowmark.api.classify.HostnameHints;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The DNS hint cache: address -> the host name a client asked for (netifyd's {@code dns_host_name}). Bounded and
 * least-recently-used: the table is split in up to 16 segments by address hash, each an access-ordered map with
 * its own lock and its share of {@code hintCacheSize} entries (so eviction is LRU per segment), which keeps
 * lookups from different capture threads off each other's lock. A TTL is clamped to
 * [{@code hintMinTtl}, {@code hintMaxTtl}] seconds and measured on the monotonic clock (not capture time).
 * A lookup allocates nothing but a small key.
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

    private static final class Hint {
        final String name;
        final long expiresNanos;

        Hint(String name, long expiresNanos) {
            this.name = name;
            this.expiresNanos = expiresNanos;
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

    private final Segment[] segments;
    private final long minTtl;
    private final long maxTtl;
    private final LongSupplier clock;

    @Activate
    public DnsHintCache(SignaturesConfig config) {
        this(config.hintCacheSize(), config.hintMinTtl(), config.hintMaxTtl(), System::nanoTime);
    }

    DnsHintCache(int maxEntries, long minTtlSeconds, long maxTtlSeconds, LongSupplier nanoClock) {
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
        this.maxTtl = Math.max(this.minTtl, maxTtlSeconds);
        this.clock = nanoClock;
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
    public void learn(byte[] address, int length, String hostname, long ttlSeconds) {
        if (address == null || (length != 4 && length != 16) || address.length < length || hostname == null
            || hostname.isEmpty()) {
            return;
        }
        long ttl = Math.min(maxTtl, Math.max(minTtl, ttlSeconds));
        Key k = key(address, length);
        Segment s = segment(k);
        Hint h = new Hint(hostname, clock.getAsLong() + ttl * 1_000_000_000L);
        synchronized (s) {
            s.put(k, h);
        }
    }

    @Override
    public String lookup(byte[] address, int length) {
        if (address == null || (length != 4 && length != 16) || address.length < length) {
            return null;
        }
        Key k = key(address, length);
        Segment s = segment(k);
        long now = clock.getAsLong();
        synchronized (s) {
            Hint h = s.get(k);
            if (h == null) {
                return null;
            }
            if (now - h.expiresNanos >= 0) {
                s.remove(k);
                return null;
            }
            return h.name;
        }
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
