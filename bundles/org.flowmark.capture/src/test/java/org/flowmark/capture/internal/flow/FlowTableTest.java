package org.flowmark.capture.internal.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.flowmark.api.flow.PurgeReason;
import org.flowmark.capture.internal.decode.DecodedPacket;
import org.junit.jupiter.api.Test;

class FlowTableTest {
    private static final long S = 1_000_000_000L;
    private final List<String> purged = new ArrayList<>();

    private FlowTable table(int cap) {
        return new FlowTable(cap, 30 * S, 300 * S, 10 * S, (f, r) -> purged.add(f.toString() + " " + r));
    }

    private static DecodedPacket pkt(int proto, long src, int sport, long dst, int dport, int vlan) {
        DecodedPacket p = new DecodedPacket();
        p.clear();
        p.ipVersion = 4;
        p.ipProtocol = proto;
        p.srcLo = src;
        p.dstLo = dst;
        p.srcPort = sport;
        p.dstPort = dport;
        p.vlanId = vlan;
        return p;
    }

    @Test
    void bothDirectionsFindTheSameFlow() {
        FlowTable t = table(16);
        Flow f = t.lookup(pkt(6, 0x0a000001L, 40000, 0x08080808L, 443, 0), 1);
        assertTrue(t.lastCreated);
        boolean fromA = t.lastFromA;
        assertSame(f, t.lookup(pkt(6, 0x08080808L, 443, 0x0a000001L, 40000, 0), 2));
        assertFalse(t.lastCreated);
        assertEquals(!fromA, t.lastFromA);
        assertEquals(fromA, f.initiatorIsA);
        // other VLAN, other protocol, other port: other flows
        assertNotSame(f, t.lookup(pkt(6, 0x0a000001L, 40000, 0x08080808L, 443, 7), 3));
        assertNotSame(f, t.lookup(pkt(17, 0x0a000001L, 40000, 0x08080808L, 443, 0), 3));
        assertNotSame(f, t.lookup(pkt(6, 0x0a000001L, 40001, 0x08080808L, 443, 0), 3));
        assertEquals(4, t.size());
    }

    @Test
    void ipv6AndIpv4WithSameLowBitsDiffer() {
        FlowTable t = table(16);
        DecodedPacket v6 = pkt(17, 1, 53, 2, 5353, 0);
        v6.ipVersion = 6;
        Flow a = t.lookup(v6, 1);
        Flow b = t.lookup(pkt(17, 1, 53, 2, 5353, 0), 1);
        assertNotSame(a, b);
    }

    @Test
    void fullTableEvictsTheIdlest() {
        FlowTable t = table(16);
        for (int i = 0; i < 16; i++) {
            t.lookup(pkt(17, i, 1000, 0x7f000001L, 53, 0), i + 1);
        }
        // touch flow 0 so flow 1 is now the idlest
        Flow f0 = t.lookup(pkt(17, 0, 1000, 0x7f000001L, 53, 0), 100);
        t.touch(f0, 100);
        t.lookup(pkt(17, 99, 1000, 0x7f000001L, 53, 0), 101);
        assertEquals(16, t.size());
        assertEquals(1, t.evicted);
        assertTrue(purged.get(0).startsWith("flow 2 ") && purged.get(0).endsWith("EVICTED"), purged.toString());
    }

    @Test
    void idleExpiryByProtocolAndClosedLinger() {
        FlowTable t = table(64);
        Flow udp = t.lookup(pkt(17, 1, 1, 2, 2, 0), 0);
        Flow tcp = t.lookup(pkt(6, 1, 1, 2, 2, 0), 0);
        Flow closed = t.lookup(pkt(6, 3, 1, 4, 2, 0), 0);
        t.markClosed(closed);
        assertEquals(1, t.expire(11 * S)); // the closed one
        assertEquals(1, t.expire(31 * S)); // udp
        assertEquals(1, t.size());
        assertEquals(1, t.expire(301 * S)); // tcp
        assertEquals(List.of(PurgeReason.CLOSED, PurgeReason.IDLE, PurgeReason.IDLE).toString(),
                purged.stream().map(s -> s.substring(s.lastIndexOf(' ') + 1)).toList().toString());
        assertEquals(0, t.size());
    }

    @Test
    void randomOperationsMatchAModel() {
        Random r = new Random(42);
        FlowTable t = new FlowTable(512, 30 * S, 300 * S, 10 * S, (f, why) -> { });
        Map<String, Flow> model = new HashMap<>();
        long now = 0;
        for (int i = 0; i < 200_000; i++) {
            now += r.nextInt(1000) * 1000L;
            long a = r.nextInt(40);
            long b = r.nextInt(40);
            int pa = r.nextInt(8);
            int pb = r.nextInt(8);
            DecodedPacket p = pkt(r.nextBoolean() ? 6 : 17, a, pa, b, pb, r.nextInt(2));
            Flow f = t.lookup(p, now);
            t.touch(f, now);
            String k = p.ipProtocol + "/" + p.vlanId + "/" + (a < b || (a == b && pa <= pb)
                    ? a + ":" + pa + "-" + b + ":" + pb : b + ":" + pb + "-" + a + ":" + pa);
            Flow m = model.get(k);
            if (t.lastCreated) {
                model.put(k, f);
            } else {
                assertSame(m, f, "lookup " + k);
            }
            if (r.nextInt(50) == 0) {
                t.markClosed(f);
            }
            if (r.nextInt(1000) == 0) {
                t.expire(now + 20 * S);
                model.values().removeIf(x -> x.id() == 0); // recycled flows are reset
                model.entrySet().removeIf(e -> !e.getKey().equals(keyOf(e.getValue())));
            }
            assertTrue(t.size() <= 512);
        }
    }

    private static String keyOf(Flow f) {
        return f.ipProtocol() + "/" + f.vlanId() + "/" + f.aLo() + ":" + f.aPort() + "-" + f.bLo() + ":" + f.bPort();
    }
}
