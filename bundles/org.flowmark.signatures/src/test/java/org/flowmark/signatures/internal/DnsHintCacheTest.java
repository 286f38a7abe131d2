package org.flowmark.signatures.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.flowmark.api.classify.HostnameHints;
import org.junit.jupiter.api.Test;

class DnsHintCacheTest {

    private static final long S = 1_000_000_000L;
    /** 2019-06-01T00:00:00Z in ns: a capture time. */
    private static final long T0 = 1_559_347_200L * S;

    private static byte[] a(int last) {
        return new byte[] {(byte) 192, 0, 2, (byte) last};
    }

    @Test
    void ttlIsClampedAndHonouredOnThePacketClock() {
        DnsHintCache c = new DnsHintCache(100, 60, 3600);
        c.learn(a(1), 4, "short.example", 5, T0);        // raised to 60 s
        c.learn(a(2), 4, "long.example", 1_000_000, T0); // lowered to 3600 s
        c.learn(a(3), 4, "mid.example", 300, T0);
        c.learn(a(4), 4, "neg.example", -7, T0);         // a negative TTL is raised to the minimum too
        assertEquals("short.example", c.lookup(a(1), 4, T0));
        assertEquals("short.example", c.lookup(a(1), 4, T0 + 60 * S)); // the bound is inclusive
        assertNull(c.lookup(a(1), 4, T0 + 60 * S + 1));
        assertEquals("neg.example", c.lookup(a(4), 4, T0 + 59 * S));
        assertNull(c.lookup(a(4), 4, T0 + 61 * S));
        assertEquals("mid.example", c.lookup(a(3), 4, T0 + 300 * S));
        assertNull(c.lookup(a(3), 4, T0 + 301 * S));
        assertEquals("long.example", c.lookup(a(2), 4, T0 + 3600 * S));
        assertNull(c.lookup(a(2), 4, T0 + 3601 * S));
    }

    @Test
    void aHintIsNotValidBeforeItWasLearnt() {
        DnsHintCache c = new DnsHintCache(100, 60, 3600);
        c.learn(a(1), 4, "x.example", 300, T0);
        assertNull(c.lookup(a(1), 4, T0 - 1));
        assertEquals("x.example", c.lookup(a(1), 4, T0));
        // the early lookup removed nothing
        assertEquals(1, c.size());
    }

    @Test
    void capturesYearsApartDoNotShareHints() {
        DnsHintCache c = new DnsHintCache(100, 60, 86400);
        long year = 365L * 86400 * S;
        // capture A (2019) learns; capture B (2022) sees a flow to the same address: no name
        c.learn(a(1), 4, "a.example", 86400, T0);
        assertNull(c.lookup(a(1), 4, T0 + 3 * year));
        // expired and looked up past its end: dropped
        assertEquals(0, c.size());
        // capture C is older than capture D, read after it: the clock goes backwards
        c.learn(a(2), 4, "d.example", 600, T0 + year);
        assertNull(c.lookup(a(2), 4, T0 - year + 10 * S)); // C's flow: D's answer came "later"
        assertEquals("d.example", c.lookup(a(2), 4, T0 + year + 5 * S));
        // C learns the address for itself: its own answer replaces D's, and D's is gone for good
        c.learn(a(2), 4, "c.example", 600, T0 - year);
        assertEquals("c.example", c.lookup(a(2), 4, T0 - year + S));
        assertNull(c.lookup(a(2), 4, T0 + year + 5 * S));
    }

    @Test
    void learningTheSameNameAgainExtendsTheWindow() {
        DnsHintCache c = new DnsHintCache(100, 60, 3600);
        c.learn(a(1), 4, "x.example", 100, T0);
        c.learn(a(1), 4, "x.example", 100, T0 + 50 * S);
        assertEquals("x.example", c.lookup(a(1), 4, T0 + 10 * S)); // a flow that started before the refresh
        assertEquals("x.example", c.lookup(a(1), 4, T0 + 150 * S));
        assertNull(c.lookup(a(1), 4, T0 + 151 * S));
        // after expiry, a new answer starts a new window
        c.learn(a(1), 4, "x.example", 100, T0 + 1000 * S);
        assertNull(c.lookup(a(1), 4, T0 + 999 * S));
        assertEquals("x.example", c.lookup(a(1), 4, T0 + 1000 * S));
    }

    @Test
    void anotherNameReplacesButTheOldOneStillServesEarlierFlows() {
        DnsHintCache c = new DnsHintCache(100, 60, 3600);
        c.learn(a(1), 4, "old.example", 600, T0);
        c.learn(a(1), 4, "new.example", 60, T0 + 100 * S);
        assertEquals("old.example", c.lookup(a(1), 4, T0 + 50 * S));
        assertEquals("new.example", c.lookup(a(1), 4, T0 + 100 * S));
        assertEquals("new.example", c.lookup(a(1), 4, T0 + 160 * S));
        // the replaced answer does not outlive the new one for later flows
        assertNull(c.lookup(a(1), 4, T0 + 161 * S));
    }

    /** A shared CDN address answered for several names in turn: each flow gets the answer current when it began. */
    @Test
    void aFlowResolvedLateGetsTheAnswerCurrentAtItsStart() {
        DnsHintCache c = new DnsHintCache(100, 60, 3600);
        String[] names = {"a", "b", "c", "b", "d", "a", "e", "f"};
        for (int i = 0; i < names.length; i++) {
            c.learn(a(1), 4, names[i] + ".example", 300, T0 + i * S);
        }
        for (int i = 0; i < names.length; i++) {
            assertEquals(names[i] + ".example", c.lookup(a(1), 4, T0 + i * S + S / 2), "flow " + i);
        }
        assertNull(c.lookup(a(1), 4, T0 - 1));
        // the history is bounded: a ninth name drops the oldest
        c.learn(a(1), 4, "g.example", 300, T0 + 8 * S);
        assertNull(c.lookup(a(1), 4, T0 + S / 2));
        assertEquals("b.example", c.lookup(a(1), 4, T0 + S + S / 2));
        assertEquals("g.example", c.lookup(a(1), 4, T0 + 9 * S));
        assertEquals(DnsHintCache.HISTORY, names.length);
    }

    @Test
    void answersSlightlyOutOfOrderTakeTheirPlace() {
        DnsHintCache c = new DnsHintCache(100, 60, 3600);
        c.learn(a(1), 4, "late.example", 300, T0 + 10 * S);
        c.learn(a(1), 4, "early.example", 300, T0 + 5 * S); // another capture thread, 5 s behind
        assertEquals("early.example", c.lookup(a(1), 4, T0 + 7 * S));
        assertEquals("late.example", c.lookup(a(1), 4, T0 + 12 * S));
        assertNull(c.lookup(a(1), 4, T0 + 4 * S));
        assertEquals("late.example", c.lookup(a(1), 4, T0 + 310 * S)); // the head keeps its own window
        assertNull(c.lookup(a(1), 4, T0 + 311 * S));
    }

    @Test
    void extremeTimesDoNotOverflow() {
        DnsHintCache c = new DnsHintCache(100, 60, Long.MAX_VALUE);
        c.learn(a(1), 4, "far.example", Long.MAX_VALUE, Long.MAX_VALUE - S);
        assertEquals("far.example", c.lookup(a(1), 4, Long.MAX_VALUE));
        c.learn(a(2), 4, "zero.example", 60, 0);
        assertEquals("zero.example", c.lookup(a(2), 4, 30 * S));
        assertNull(c.lookup(a(2), 4, Long.MIN_VALUE));
    }

    @Test
    void leastRecentlyUsedIsEvicted() {
        DnsHintCache c = new DnsHintCache(16, 60, 3600);
        assertEquals(1, c.segmentCount());
        for (int i = 0; i < 16; i++) {
            c.learn(a(i), 4, "h" + i, 600, T0 + i * S);
        }
        assertEquals("h0", c.lookup(a(0), 4, T0 + 20 * S)); // touch 0: 1 is now the eldest
        c.learn(a(100), 4, "new", 600, T0 + 21 * S);
        assertEquals(16, c.size());
        assertEquals("h0", c.lookup(a(0), 4, T0 + 22 * S));
        assertNull(c.lookup(a(1), 4, T0 + 22 * S));
        assertEquals("new", c.lookup(a(100), 4, T0 + 22 * S));
        // the bound holds when the clock goes backwards too
        for (int i = 0; i < 100; i++) {
            c.learn(a(i + 101), 4, "b" + i, 600, T0 - i * S);
        }
        assertEquals(16, c.size());
    }

    @Test
    void ipv6KeysAndBadInput() {
        DnsHintCache c = new DnsHintCache(65536, 60, 86400);
        assertEquals(16, c.segmentCount());
        byte[] v6 = Addresses.parseIpv6("2001:db8::1");
        byte[] v6b = Addresses.parseIpv6("2001:db8::2");
        c.learn(v6, 16, "six.example", 60, T0);
        assertEquals("six.example", c.lookup(v6, 16, T0 + S));
        assertNull(c.lookup(v6b, 16, T0 + S));
        byte[] buf = new byte[16];
        System.arraycopy(a(7), 0, buf, 0, 4);
        c.learn(a(7), 4, "seven", 60, T0);
        assertEquals("seven", c.lookup(buf, 4, T0)); // a 16-byte buffer holding IPv4
        c.learn(a(8), 3, "bad", 60, T0);
        c.learn(null, 4, "bad", 60, T0);
        c.learn(a(9), 4, null, 60, T0);
        c.learn(a(9), 4, "", 60, T0);
        assertNull(c.lookup(a(9), 4, T0));
        assertNull(c.lookup(a(8), 5, T0));
        assertNull(c.lookup(null, 4, T0));
        assertNull(c.lookup(new byte[2], 4, T0));
    }

    @Test
    @SuppressWarnings("deprecation")
    void theOldMethodsUseTheWallClock() {
        HostnameHints c = new DnsHintCache(100, 60, 3600);
        long wall = System.currentTimeMillis() * 1_000_000L;
        c.learn(a(1), 4, "wall.example", 300);
        assertEquals("wall.example", c.lookup(a(1), 4));
        assertEquals("wall.example", c.lookup(a(1), 4, wall + 299 * S));
        assertNull(c.lookup(a(1), 4, wall - 10 * S));
        c.learn(a(2), 4, "capture.example", 300, T0);
        assertNull(c.lookup(a(2), 4)); // learnt in 2019: long expired by the wall clock
    }

    @Test
    void concurrentLearnAndLookup() throws Exception {
        DnsHintCache c = new DnsHintCache(4096, 60, 86400);
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
                        long now = T0 + i * 1_000_000L;
                        c.learn(addr, 4, "h" + v, 600, now);
                        String s = c.lookup(addr, 4, now);
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
