package org.flowmark.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.junit.jupiter.api.Test;

class FakeFlowTest {

    /** Says what the first payload byte asks for and records what it saw. */
    private static final class Scripted implements Detector {
        final List<String> seen = new ArrayList<>();

        @Override
        public Verdict inspect(DetectorContext ctx, PacketView p) {
            seen.add("i" + (ctx.fromInitiator() ? "C" : "S") + ctx.payloadIndex() + "/" + ctx.directionPayloadIndex()
                + "@" + ctx.tcpSeq());
            ctx.state(new Object());
            switch (p.u8(0)) {
                case 'D':
                    ctx.result().protocol("X").risk("r").risk("r").put("g", "k", p.length());
                    return Verdict.DETECTED;
                case 'E':
                    return Verdict.EXCLUDED;
                default:
                    return Verdict.NEED_MORE;
            }
        }

        @Override
        public boolean collect(DetectorContext ctx, PacketView p) {
            seen.add("c" + ctx.payloadIndex());
            return p.u8(0) != 'S';
        }
    }

    @Test
    void dispatchFollowsTheSpi() {
        Scripted d = new Scripted();
        FakeFlow f = FakeFlow.tcp(d, 40_000, 80).extraPackets(2);
        f.cText("n").sText("nn").cText("D").cText("x").sText("y").cText("z");
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(List.of("iC0/0@1000", "iS1/0@4294967000", "iC2/1@1001", "c3", "c4"), d.seen);
        assertEquals(3, f.inspectCalls());
        assertEquals(2, f.collectCalls());
        assertFalse(f.collecting(), "budget spent");
        assertEquals("X", f.result().protocol());
        assertEquals(List.of("r"), f.result().risks());
        assertEquals(1, f.meta("g", "k"));
        assertEquals(1, f.metaGroup("g").meta("k"));
        assertEquals(4, f.localPackets());
        assertEquals(2, f.otherPackets());
        assertEquals(4, f.localBytes());
        assertEquals(3, f.otherBytes());
    }

    @Test
    void collectStopsWhenTheDetectorSaysSo() {
        FakeFlow f = FakeFlow.udp(new Scripted(), 1, 2).cText("D").cText("S").cText("more");
        assertEquals(1, f.collectCalls());
        assertFalse(f.collectWanted());
        assertEquals(0, f.tcpSeq(), "no sequence numbers for UDP");
    }

    @Test
    void excludedDropsStateAndStopsCalls() {
        Scripted d = new Scripted();
        FakeFlow f = FakeFlow.udp(d, 1, 2).cText("E").cText("D");
        assertEquals(Verdict.EXCLUDED, f.verdict());
        assertNull(f.stateObject());
        assertEquals(1, d.seen.size());
    }

    @Test
    void budgetsRisksAndSequenceNumbers() {
        Scripted d = new Scripted();
        FakeFlow f = FakeFlow.tcp(d, 1, 2).inspectBudget(2).cText("a").cText("b").cText("D");
        assertEquals(Verdict.NEED_MORE, f.verdict());
        assertEquals(2, f.inspectCalls());
        assertThrows(AssertionError.class, () -> FakeFlow.udp(new Scripted(), 1, 2).rejectRisks().cText("D"));
        FakeFlow g = FakeFlow.tcp(new Scripted(), 1, 2).sText("0123456789");
        assertEquals(FakeFlow.RESPONDER_ISN + 10, g.nextSeq(false));
        g.gap(false, 300).sText("a");
        assertEquals(14, g.tcpSeq(), "wraps at 2^32");
        g.retransmit(false, new byte[] {'a'}, 1);
        assertEquals(14, g.tcpSeq());
    }

    @Test
    void viewWithoutDetector() {
        FakeFlow v = FakeFlow.view(FakeFlow.UDP, 5353, 53).addresses(new byte[16], Hex.bytes("20010db8" + "00".repeat(12)))
            .at(7);
        byte[] a = new byte[16];
        assertEquals(16, v.otherAddress(a));
        assertEquals(6, v.ipVersion());
        assertEquals(7, v.firstSeenNanos());
        v.result().application("x");
        assertEquals("x", v.result().application());
        assertThrows(IllegalStateException.class, () -> v.c(new byte[] {1}));
    }

    @Test
    void hex() {
        assertArrayEquals(new byte[] {0x01, (byte) 0xab, 0x7f}, Hex.bytes("01 AB\n7f"));
        assertThrows(IllegalArgumentException.class, () -> Hex.bytes("abc"));
        assertThrows(IllegalArgumentException.class, () -> Hex.bytes("zz"));
        assertEquals("78563412", Hex.le32(0x12345678));
        assertEquals("0000ffff", Hex.be32(0xffff));
        assertEquals("1234", Hex.be16(0x1234));
        assertEquals("0a0a", Hex.rep(10, 2));
        assertArrayEquals(new byte[] {1, 2, 3}, Hex.concat(new byte[] {1}, new byte[] {2, 3}));
    }

    @Test
    void framesAndMutations() {
        List<String> got = new ArrayList<>();
        FuzzFrames.forEach(new byte[] {7, 0, 2, 'a', 'b', (byte) 0x80, 9, 'c'}, 10,
            (init, b) -> got.add((init ? "C" : "S") + new String(b)));
        assertEquals(List.of("Cab", "Sc"), got);
        assertEquals(7, FuzzFrames.setup(new byte[] {7}));
        byte[] seed = Hex.bytes("0102030405060708");
        assertArrayEquals(Mutator.mutate(new Random(5), seed.clone()), Mutator.mutate(new Random(5), seed.clone()),
            "same seed, same mutation");
    }
}
