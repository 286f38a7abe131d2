package org.flowmark.signatures.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class PrefixTrieTest {

    private static byte[] v4(String s) {
        return Addresses.parseIpv4(s);
    }

    @Test
    void longestPrefixWins() {
        PrefixTrie<String> t = new PrefixTrie<>(32);
        t.insert(v4("10.0.0.0"), 8, "a");
        t.insert(v4("10.1.0.0"), 16, "b");
        t.insert(v4("10.1.2.128"), 25, "c");
        t.insert(v4("0.0.0.0"), 0, "default");
        assertEquals("a", t.match(v4("10.200.0.1"), null));
        assertEquals("b", t.match(v4("10.1.2.127"), null));
        assertEquals("c", t.match(v4("10.1.2.128"), null));
        assertEquals("c", t.match(v4("10.1.2.255"), null));
        assertEquals("default", t.match(v4("192.0.2.1"), null));
        assertEquals("a", t.match(v4("10.1.2.200"), v -> !v.equals("c") && !v.equals("b")));
    }

    @Test
    void ipv6AndHostRoutes() {
        PrefixTrie<String> t = new PrefixTrie<>(128);
        t.insert(Addresses.parseIpv6("2606:4700::"), 32, "cf");
        t.insert(Addresses.parseIpv6("2606:4700:4700::1111"), 128, "dns");
        assertEquals("dns", t.match(Addresses.parseIpv6("2606:4700:4700::1111"), null));
        assertEquals("cf", t.match(Addresses.parseIpv6("2606:4700:4700::1112"), null));
        assertNull(t.match(Addresses.parseIpv6("2001:db8::1"), null));
    }

    @Test
    void agreesWithALinearScan() {
        Random rnd = new Random(7);
        PrefixTrie<Integer> t = new PrefixTrie<>(32);
        List<int[]> prefixes = new ArrayList<>(); // {addr, len}
        for (int i = 0; i < 2000; i++) {
            int len = rnd.nextInt(33);
            int addr = len == 0 ? 0 : rnd.nextInt() & (int) (0xffffffffL << (32 - len));
            if (t.insert(bytes(addr), len, i) == null) {
                prefixes.add(new int[] {addr, len, i});
            }
        }
        for (int k = 0; k < 20000; k++) {
            int a = rnd.nextInt();
            if (k % 2 == 0) {
                int[] p = prefixes.get(rnd.nextInt(prefixes.size()));
                a = p[0] | (p[1] == 32 ? 0 : rnd.nextInt() >>> p[1]);
            }
            Integer best = null;
            int bestLen = -1;
            for (int[] p : prefixes) {
                int mask = p[1] == 0 ? 0 : (int) (0xffffffffL << (32 - p[1]));
                if ((a & mask) == p[0] && p[1] > bestLen) {
                    best = p[2];
                    bestLen = p[1];
                }
            }
            assertEquals(best, t.match(bytes(a), null));
        }
    }

    private static byte[] bytes(int a) {
        return new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
    }

    @Test
    void addressParsing() {
        assertNull(Addresses.parseIpv4("256.1.1.1"));
        assertNull(Addresses.parseIpv4("1.2.3"));
        assertNull(Addresses.parseIpv4("1.2.3.4.5"));
        assertNull(Addresses.parseIpv6("1::2::3"));
        assertNull(Addresses.parseIpv6("12345::"));
        assertEquals(16, Addresses.parseIpv6("::ffff:192.0.2.1").length);
        assertEquals(0x11, Addresses.parseIpv6("2606:4700:4700::1111")[15]);
    }
}
