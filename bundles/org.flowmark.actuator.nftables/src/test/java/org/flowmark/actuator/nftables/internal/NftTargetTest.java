package org.flowmark.actuator.nftables.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.FlowRecord;
import org.junit.jupiter.api.Test;

class NftTargetTest {

    private final FlowRecord v4 = Flows.flow(1, 4, 6, "192.168.4.189", 50000, "52.216.110.177", 8801);
    private final FlowRecord v6 = Flows.flow(2, 6, 17, "fd00::10", 50000, "2001:db8::1", 443);

    @Test
    void defaultLayoutIsOtherIpOtherPortLocalIp() {
        NftTarget.Target t = NftTarget.target(Flows.action(Operation.ADD, v4, 600, "set", "zoom"));
        assertEquals("zoom", t.set());
        assertEquals("ipv4_addr . inet_service . ipv4_addr", t.type());
        assertEquals("52.216.110.177 . 8801 . 192.168.4.189", t.key());
        assertEquals("52.216.110.177 . 8801 . 192.168.4.189 timeout 600s", t.keyWithTimeout());
    }

    @Test
    void ipv6GoesToTheSix6SetWithIpv6Types() {
        NftTarget.Target t = NftTarget.target(Flows.action(Operation.ADD, v6, 0, "set", "zoom"));
        assertEquals("zoom6", t.set());
        assertEquals("ipv6_addr . inet_service . ipv6_addr", t.type());
        assertEquals("2001:db8::1 . 443 . fd00::10", t.key());
        assertEquals(t.key(), t.keyWithTimeout());
        assertEquals("z_v6", NftTarget.target(Flows.action(Operation.ADD, v6, 0, "set", "zoom", "set6", "z_v6"))
                .set());
    }

    @Test
    void singleAddressAndProtoLayouts() {
        NftTarget.Target t = NftTarget.target(Flows.action(Operation.ADD, v4, 60, "set", "s", "layout", "other_ip"));
        assertEquals("ipv4_addr", t.type());
        assertEquals("52.216.110.177", t.key());
        t = NftTarget.target(Flows.action(Operation.ADD, v6, 60, "set", "s", "layout",
                "local_ip, proto, other_port, local_port"));
        assertEquals("ipv6_addr . inet_proto . inet_service . inet_service", t.type());
        assertEquals("fd00::10 . 17 . 443 . 50000", t.key());
    }

    @Test
    void badParametersAreRejectedWithClearMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NftTarget.target(Flows.action(Operation.ADD, v4, 0)));
        assertTrue(e.getMessage().contains("set=NAME"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NftTarget.target(Flows.action(Operation.ADD, v4, 0, "set", "a b; flush ruleset")));
        assertTrue(e.getMessage().contains("set name"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NftTarget.target(Flows.action(Operation.ADD, v4, 0, "set", "s", "layout", "other_ip,mac")));
        assertTrue(e.getMessage().contains("unknown field 'mac'"), e.getMessage());
        FlowRecord evil = Flows.flow(3, 4, 6, "1.2.3.4 }; flush ruleset", 1, "5.6.7.8", 2);
        assertThrows(IllegalArgumentException.class,
                () -> NftTarget.target(Flows.action(Operation.ADD, evil, 0, "set", "s")));
        FlowRecord evil6 = Flows.flow(4, 6, 6, "fd00::1 }", 1, "2001:db8::2", 2);
        assertThrows(IllegalArgumentException.class,
                () -> NftTarget.target(Flows.action(Operation.ADD, evil6, 0, "set", "s")));
        assertThrows(IllegalArgumentException.class, () -> NftTarget.address("256.1.1.1", false));
    }

    @Test
    void tableNamesAreChecked() {
        assertEquals("inet flowmark", NftablesActuator.table(" inet   flowmark "));
        assertThrows(IllegalArgumentException.class, () -> NftablesActuator.table("flowmark"));
        assertThrows(IllegalArgumentException.class, () -> NftablesActuator.table("bridge x"));
        assertThrows(IllegalArgumentException.class, () -> NftablesActuator.table("inet x;y"));
    }
}
