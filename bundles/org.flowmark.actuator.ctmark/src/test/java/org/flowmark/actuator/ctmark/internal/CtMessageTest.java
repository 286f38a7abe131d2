package org.flowmark.actuator.ctmark.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

import org.flowmark.api.actuator.Operation;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class CtMessageTest {

    private static String hex(CtMessage.Tuple t, boolean reply, int mark, int mask) {
        ByteBuffer b = ByteBuffer.allocate(CtMessage.MAX_SIZE);
        int len = CtMessage.setMark(b, 0x01020304, t, reply, mark, mask);
        assertEquals(b.position(), len);
        byte[] out = new byte[len];
        b.flip().get(out);
        return HexFormat.of().formatHex(out);
    }

    @Test
    void ipv4TcpOriginalTupleWithMaskedMark() {
        Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "vector is little-endian");
        CtMessage.Tuple t = CtMessage.originalTuple(Flows.flow(1, 4, 6, "192.168.4.189", 50000, "52.216.110.177",
                8801, true));
        assertEquals(
                // nlmsghdr: len 0x58 (16 + 4 + 52 + 8 + 8), type 0x0100, flags REQUEST|ACK|REPLACE 0x0105, seq, pid 0
                "58000000" + "0001" + "0501" + "04030201" + "00000000"
                // nfgenmsg: AF_INET, v0, res 0
                + "02000000"
                // CTA_TUPLE_ORIG nested (0x8001), len 0x34
                + "34000180"
                // CTA_TUPLE_IP nested len 0x14: V4_SRC c0a804bd, V4_DST 34d86eb1
                + "14000180" + "08000100c0a804bd" + "0800020034d86eb1"
                // CTA_TUPLE_PROTO nested len 0x1c: NUM 6, SRC_PORT 50000 (c350), DST_PORT 8801 (2261)
                + "1c000280" + "0500010006000000" + "06000200c3500000" + "0600030022610000"
                // CTA_MARK 0x85 (mark & mask), CTA_MARK_MASK 0xff
                + "0800080000000085" + "08001500000000ff",
                hex(t, false, 0x85, 0xff));
    }

    @Test
    void responderSideFlowsAreReversedAndReplyDirectionSwapsAgain() {
        CtMessage.Tuple t = CtMessage.originalTuple(Flows.flow(1, 4, 17, "10.0.0.2", 53, "10.0.0.9", 40000, false));
        assertArrayEquals(new byte[] {10, 0, 0, 9}, t.src());
        assertEquals(40000, t.srcPort());
        assertEquals(53, t.dstPort());
        String orig = hex(t, false, 1, -1);
        String reply = hex(t, true, 1, -1);
        // reply: CTA_TUPLE_REPLY (0x8002) with the addresses and ports swapped
        assertTrue(reply.contains("34000280" + "14000180" + "080001000a000002" + "080002000a000009"), reply);
        assertTrue(orig.contains("34000180" + "14000180" + "080001000a000009" + "080002000a000002"), orig);
    }

    @Test
    void ipv6AndPortlessProtocols() {
        CtMessage.Tuple t = CtMessage.originalTuple(Flows.flow(1, 6, 6, "fd00::2", 1234, "2001:db8::1", 443, true));
        String h = hex(t, false, 0x85, 0xff);
        assertTrue(h.contains("14000300fd000000000000000000000000000002"), h);
        assertTrue(h.contains("1400040020010db8000000000000000000000001"), h);
        assertTrue(h.startsWith("70000000"), h); // 16 + 4 + 76 + 8 + 8
        // ESP: protocol number only, no ports
        CtMessage.Tuple esp = CtMessage.originalTuple(Flows.flow(2, 4, 50, "10.0.0.2", 0, "10.0.0.9", 0, true));
        assertEquals(-1, esp.srcPort());
        assertTrue(hex(esp, false, 1, 1).contains("0c000280" + "0500010032000000"));
    }

    @Test
    void unaddressableFlowsAndBadParametersAreRejectedClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CtMessage.originalTuple(Flows.flow(1, 4, 1, "10.0.0.2", 0x0800, "10.0.0.9", 0, true)));
        assertTrue(e.getMessage().contains("ICMP"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CtMessage.originalTuple(Flows.flow(1, 4, 6, "example.com", 1, "10.0.0.9", 2, true)));
        assertThrows(IllegalArgumentException.class,
                () -> CtMessage.originalTuple(Flows.flow(1, 4, 6, "fd00::1", 1, "10.0.0.9", 2, true)));
        var f = Flows.flow(1, 4, 6, "10.0.0.2", 1, "10.0.0.9", 2, true);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MarkSpec.of(Flows.action(Operation.ADD, f)))
                .getMessage().contains("mark=0x"));
        assertThrows(IllegalArgumentException.class,
                () -> MarkSpec.of(Flows.action(Operation.ADD, f, "mark", "0x185", "mask", "0xff")));
        assertThrows(IllegalArgumentException.class,
                () -> MarkSpec.of(Flows.action(Operation.ADD, f, "mark", "0x1ffffffff")));
        assertEquals(new MarkSpec(0x85, 0xff, true), MarkSpec.of(Flows.action(Operation.ADD, f, "mark", "133",
                "mask", "0xFF")));
        assertEquals(new MarkSpec(0x85, -1, false), MarkSpec.of(Flows.action(Operation.ADD, f, "mark", "0x85",
                "clear_on_remove", "false")));
    }
}
