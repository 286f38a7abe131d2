package org.flowmark.capture.internal.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class AddressesAndNetworksTest {

    @Test
    void formatsIpv4AndCompressedIpv6() {
        assertEquals("192.168.4.189", Addresses.format(4, 0, 0xc0a804bdL));
        assertEquals("2001:db8::1", Addresses.format(6, 0x20010db800000000L, 1));
        assertEquals("::", Addresses.format(6, 0, 0));
        assertEquals("::1", Addresses.format(6, 0, 1));
        assertEquals("fe80::", Addresses.format(6, 0xfe80000000000000L, 0));
        // a single zero group is not compressed; the longest run wins, the first on ties
        assertEquals("2001:db8:0:1:1:1:1:1", Addresses.format(6, 0x20010db800000001L, 0x0001000100010001L));
        assertEquals("2001:0:0:1::1", Addresses.format(6, 0x2001000000000001L, 0x0000000000000001L));
        assertEquals("00:1b:21:0a:ff:01", Addresses.mac(0x001b210aff01L));
    }

    @Test
    void localNetworksMatchByPrefix() {
        LocalNetworks n = LocalNetworks.parse(LocalNetworks.DEFAULTS);
        assertTrue(n.contains(4, 0, 0xc0a80101L)); // 192.168.1.1
        assertTrue(n.contains(4, 0, 0xac1f0001L)); // 172.31.0.1
        assertFalse(n.contains(4, 0, 0xac200001L)); // 172.32.0.1
        assertFalse(n.contains(4, 0, 0x08080808L));
        assertTrue(n.contains(6, 0xfd00000000000000L, 5)); // ULA
        assertTrue(n.contains(6, 0xfe80000000000000L, 5)); // link-local
        assertFalse(n.contains(6, 0x2001486048600000L, 0x8888L));
        assertFalse(n.contains(6, 0, 0xc0a80101L), "an IPv6 address never matches an IPv4 prefix");
        LocalNetworks one = LocalNetworks.parse(List.of("2001:db8:1::/48", "203.0.113.7"));
        assertTrue(one.contains(6, 0x20010db80001ffffL, 0));
        assertFalse(one.contains(6, 0x20010db80002ffffL, 0));
        assertTrue(one.contains(4, 0, 0xcb007107L));
        assertFalse(one.contains(4, 0, 0xcb007108L));
    }

    @Test
    void badNetworksAreRejectedWithTheEntry() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LocalNetworks.parse(List.of("10.0.0.0/8", "10.0.0.0/33")));
        assertTrue(e.getMessage().contains("10.0.0.0/33"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LocalNetworks.parse(List.of("example.com/24")));
        assertThrows(IllegalArgumentException.class, () -> LocalNetworks.parse(List.of("10.0.0.0/x")));
    }
}
