package org.flowmark.signatures.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class DnsHintCacheTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private static byte[] a(int last) {
        return new byte[] {(byte) 192, 0, 2, (byte) last};
    }

    @Test
    void ttlIsClampedAndHonoured() {
        DnsHintCache c = new DnsHintCache(100, 60, 3600, now::get);
        c.learn(a(1), 4, "short.example", 5);        // raised to 60 s
        c.learn(a(2), 4, "long.example", 1_000_000);  // lowered to 3600 s
        c.learn(a(3), 4, "mid.example", 300);
        now.addAndGet(59_000_000_000L);
        assertEquals("short.example", c.lookup(a(1), 4));
        now.addAndGet(2_000_000_000L);
        assertNull(c.lookup(a(1), 4));
        assertEquals("mid.example", c.lookup(a(3), 4));
        now.addAndGet(300_000_000_000L);
        assertNull(c.lookup(a(3), 4));
        assertEquals("long.example", c.lookup(a(2), 4));
        now.addAndGet(3300_000_000_000L);
        assertNull(c.lookup(a(2), 4));
    }

    @Test
    void leastRecentlyUsedIsEvicted() {
        DnsHintCache c = new DnsHintCache(16, 60, 3600, now::get);
        assertEquals(1, c.segmentCount());
        for (int i = 0; i < 16; i++) {
            c.learn(a(i), 4, "h" + i, 600);
        }
        assertEquals("h0", c.lookup(a(0), 4)); // touch 0: 1 is now the eldest
        c.learn(a(100), 4, "new", 600);
        assertEquals(16, c.size());
        assertEquals("h0", c.lookup(a(0), 4));
        assertNull(c.lookup(a(1), 4));
        assertEquals("new", c.lookup(a(100), 4));
    }

    @Test
    void ipv6KeysAndBadInput() {
        DnsHintCache c = new DnsHintCache(65536, 60, 86400, now::get);
        assertEquals(16, c.segmentCount());
        byte[] v6 = Addresses.parseIpv6("2001:db8::1");
        byte[] v6b = Addresses.parseIpv6("2001:db8::2");
        c.learn(v6, 16, "six.example", 60);
        assertEquals("six.example", c.lookup(v6, 16));
        assertNull(c.lookup(v6b, 16));
        byte[] buf = new byte[16];
        System.arraycopy(a(7), 0, buf, 0, 4);
        c.learn(a(7), 4, "seven", 60);
        assertEquals("seven", c.lookup(buf, 4)); // a 16-byte buffer holding IPv4
        c.learn(a(8), 3, "bad", 60);
        c.learn(null, 4, "bad", 60);
        c.learn(a(9), 4, null, 60);
        assertNull(c.lookup(a(9), 4));
        assertNull(c.lookup(a(8), 5));
    }

    @Test
    void concurrentLearnAndLookup() throws Exception {
        DnsHintCache c = new DnsHintCache(4096, 60, 86400, System::nanoTime);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        AtomicLong hits = new AtomicLong();
        for (int t = 0; t < 4; t++) {
            final int id = t;
            Thread th = new Thread(() -> {
                try {
                    byte[] addr = new byte[4];
                    for (int i = 0; i < 50_000; i++) {
                        int v = (i * 31 + id) & 0x3fff;
                        addr[0] = 10;
                        addr[1] = (byte) id;
                        addr[2] = (byte) (v >>> 8);
                        addr[3] = (byte) v;
                        c.learn(addr, 4, "h" + v, 600);
                        String s = c.lookup(addr, 4);
                        if (s != null) {
                            assertEquals("h" + v, s);
                            hits.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertTrue(errors.isEmpty(), errors.toString());
        assertTrue(c.size() <= 4096 + 16, "bounded: " + c.size());
        assertTrue(hits.get() > 100_000);
    }
}
