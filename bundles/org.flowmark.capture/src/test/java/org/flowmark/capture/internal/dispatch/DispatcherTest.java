package org.flowmark.capture.internal.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.flowmark.capture.internal.decode.DecodedPacket;
import org.flowmark.capture.internal.flow.Flow;
import org.flowmark.capture.internal.flow.FlowTable;
import org.junit.jupiter.api.Test;

class DispatcherTest {
    private final List<Flow> classified = new ArrayList<>();
    private final List<String> faults = new ArrayList<>();
    private final AtomicReference<Generation> gen = new AtomicReference<>(Generation.EMPTY);
    private final FlowTable table = new FlowTable(64, 1L << 40, 1L << 40, 1L << 40, (f, r) -> { });

    private static final class Scripted implements Detector {
        final List<Verdict> script;
        int calls;
        int collects;
        int wantCollect;

        Scripted(Verdict... v) {
            script = List.of(v);
        }

        @Override public Verdict inspect(DetectorContext ctx, PacketView payload) {
            ctx.slot(ctx.slot() + 1); // per-flow state kept by the core
            Verdict v = script.get(Math.min(calls++, script.size() - 1));
            if (v == Verdict.DETECTED) {
                ctx.result().protocol("X").hostname("h" + ctx.slot());
            }
            return v;
        }

        @Override public boolean collect(DetectorContext ctx, PacketView payload) {
            collects++;
            ctx.result().put("x", "n", collects);
            return collects < wantCollect;
        }
    }

    private DetectorEntry entry(Detector d, String name, int extra, int... ports) {
        return new DetectorEntry(d, name, "test", DetectorEntry.T_TCP | DetectorEntry.T_UDP, ports, 100, extra, 0);
    }

    private Dispatcher dispatcher(int budget) {
        return new Dispatcher(gen::get, () -> new org.flowmark.api.classify.ApplicationResolver[0], budget, 3, classified::add,
                (e, f, t, now) -> faults.add(e.name + (now ? " disabled" : "")));
    }

    private DecodedPacket packet(int dport) {
        DecodedPacket p = new DecodedPacket();
        p.clear();
        p.ipVersion = 4;
        p.ipProtocol = 6;
        p.srcLo = 1;
        p.dstLo = 2;
        p.srcPort = 40000;
        p.dstPort = dport;
        p.buf = ByteBuffer.wrap(new byte[] {1, 2, 3});
        p.payloadOffset = 0;
        p.payloadLength = 3;
        return p;
    }

    @Test
    void excludedDetectorIsNeverCalledAgainAndDetectionUsesSlots() {
        Scripted no = new Scripted(Verdict.EXCLUDED);
        Scripted yes = new Scripted(Verdict.NEED_MORE, Verdict.NEED_MORE, Verdict.DETECTED);
        gen.set(new Generation(1, new DetectorEntry[] {entry(no, "no", 0), entry(yes, "yes", 0)}));
        Dispatcher d = dispatcher(32);
        DecodedPacket p = packet(80);
        Flow f = table.lookup(p, 0);
        for (int i = 0; i < 3; i++) {
            d.inspect(f, p, true);
        }
        assertEquals(1, no.calls);
        assertEquals(3, yes.calls);
        assertEquals("X", f.detection().protocol());
        assertEquals("h3", f.detection().hostname());
        assertEquals("yes", f.detection().detector());
        assertEquals(List.of(f), classified);
        assertNull(f.dpi, "dispatch state is dropped once detection is final");
    }

    @Test
    void budgetEndsDetectionAsUnknown() {
        Scripted maybe = new Scripted(Verdict.NEED_MORE);
        gen.set(new Generation(1, new DetectorEntry[] {entry(maybe, "maybe", 0)}));
        Dispatcher d = dispatcher(5);
        DecodedPacket p = packet(80);
        Flow f = table.lookup(p, 0);
        for (int i = 0; i < 5; i++) {
            d.inspect(f, p, true);
        }
        assertEquals("Unknown", f.detection().protocol());
        assertEquals(5, maybe.calls);
        assertEquals(1, classified.size());
    }

    @Test
    void hintedDetectorRunsFirstAndCollectsExtraPackets() {
        Scripted generic = new Scripted(Verdict.DETECTED);
        Scripted hinted = new Scripted(Verdict.DETECTED);
        hinted.wantCollect = 10;
        gen.set(new Generation(1, new DetectorEntry[] {entry(generic, "generic", 0), entry(hinted, "hinted", 2, 8080)}));
        Dispatcher d = dispatcher(32);
        DecodedPacket p = packet(8080);
        Flow f = table.lookup(p, 0);
        d.inspect(f, p, true);
        assertEquals(0, generic.calls);
        assertNull(f.detection(), "still collecting");
        d.inspect(f, p, false);
        d.inspect(f, p, true);
        assertEquals(2, hinted.collects, "extra packets are bounded by the detector's budget");
        assertEquals(2, f.detection().metadata().get("x").get("n"));
    }

    /** Detects at once, then forwards every packet whose first byte is 9 to "inner" while collecting. */
    private static final class Demux implements Detector {
        final List<Boolean> forwardResults = new ArrayList<>();

        @Override public Verdict inspect(DetectorContext ctx, PacketView payload) {
            ctx.result().protocol("OUTER");
            return Verdict.DETECTED;
        }

        @Override public boolean collect(DetectorContext ctx, PacketView payload) {
            if (payload.u8(0) == 9) {
                forwardResults.add(ctx.forward("inner"));
            }
            return true;
        }
    }

    private DecodedPacket packet(int dport, byte... payload) {
        DecodedPacket p = packet(dport);
        p.buf = ByteBuffer.wrap(payload);
        p.payloadLength = payload.length;
        return p;
    }

    @Test
    void forwardedPacketsReachTheTargetAsAFlowOfTheirOwnAndTheProtocolStays() {
        Demux outer = new Demux();
        Scripted inner = new Scripted(Verdict.EXCLUDED, Verdict.NEED_MORE, Verdict.DETECTED);
        inner.wantCollect = 2;
        gen.set(new Generation(1, new DetectorEntry[] {entry(outer, "outer", 10), entry(inner, "inner", 4)}));
        Dispatcher d = dispatcher(32);
        DecodedPacket other = packet(3478, (byte) 1);
        DecodedPacket mine = packet(3478, (byte) 9);
        Flow f = table.lookup(other, 0);
        d.inspect(f, other, true); // outer detects; inner is not asked (detection ended)
        assertEquals(0, inner.calls);
        assertTrue(outer.forwardResults.isEmpty());
        d.inspect(f, mine, true);  // forwarded: inner's first call, which says EXCLUDED
        assertEquals(1, inner.calls);
        assertEquals(List.of(true), outer.forwardResults);
        assertEquals(0, f.dpi.slots[1], "an EXCLUDED target is reset and done");
        d.inspect(f, mine, false);
        assertEquals(List.of(true, false), outer.forwardResults, "after EXCLUDED forwarding ends for good");
        assertEquals(1, inner.calls);
        assertNull(f.detection());
    }

    @Test
    void forwardTargetDetectsThenCollectsAndAddsMetadataUnderTheOuterProtocol() {
        Demux outer = new Demux();
        Scripted inner = new Scripted(Verdict.NEED_MORE, Verdict.DETECTED);
        inner.wantCollect = 2;
        gen.set(new Generation(1, new DetectorEntry[] {entry(outer, "outer", 8), entry(inner, "inner", 4)}));
        Dispatcher d = dispatcher(32);
        DecodedPacket other = packet(3478, (byte) 1);
        DecodedPacket mine = packet(3478, (byte) 9);
        Flow f = table.lookup(other, 0);
        d.inspect(f, other, true);
        d.inspect(f, mine, true);   // inner: NEED_MORE (slot 1)
        d.inspect(f, other, false); // not forwarded
        d.inspect(f, mine, false);  // inner: DETECTED with hostname from its own slot (2)
        assertEquals(2, inner.calls);
        d.inspect(f, mine, true);   // inner collect #1 -> true
        d.inspect(f, mine, true);   // inner collect #2 -> false: done
        d.inspect(f, mine, true);   // no longer forwarded
        assertEquals(List.of(true, true, true, true, false), outer.forwardResults);
        assertEquals(2, inner.collects);
        assertNull(f.detection());
        d.inspect(f, other, true);
        d.inspect(f, other, true); // outer's 8 extra packets are used up
        assertEquals("OUTER", f.detection().protocol(), "the forwarding detector names the protocol");
        assertEquals("h2", f.detection().hostname(), "the target's own slot counted only the packets it was given");
        assertEquals(2, f.detection().metadata().get("x").get("n"));
        assertEquals("outer", f.detection().detector());
    }

    @Test
    void forwardIsRefusedForUnknownOrSelfOrOutsideCollect() {
        Detector selfish = new Detector() {
            @Override public Verdict inspect(DetectorContext ctx, PacketView payload) {
                assertEquals(false, ctx.forward("selfish"), "not during inspect");
                ctx.result().protocol("S");
                return Verdict.DETECTED;
            }

            @Override public boolean collect(DetectorContext ctx, PacketView payload) {
                assertEquals(false, ctx.forward("selfish"), "not to itself");
                assertEquals(false, ctx.forward("nobody"), "not to a detector that is not deployed");
                assertEquals(false, ctx.forward("tcponly"), "not to one for another transport");
                ctx.result().put("s", "checked", true);
                return false;
            }
        };
        Scripted tcpOnly = new Scripted(Verdict.DETECTED);
        gen.set(new Generation(1, new DetectorEntry[] {entry(selfish, "selfish", 2),
            new DetectorEntry(tcpOnly, "tcponly", "test", DetectorEntry.T_TCP, new int[0], 100, 0, 0)}));
        Dispatcher d = dispatcher(32);
        DecodedPacket p = packet(53, (byte) 9);
        p.ipProtocol = 17;
        Flow f = table.lookup(p, 0);
        d.inspect(f, p, true);
        d.inspect(f, p, true);
        assertEquals(Boolean.TRUE, f.detection().metadata().get("s").get("checked"));
        assertEquals(0, tcpOnly.calls);
        assertTrue(faults.isEmpty(), faults::toString);
    }

    @Test
    void throwingDetectorIsExcludedThenDisabledAndOthersRun() {
        Detector bad = (ctx, payload) -> {
            throw new IllegalStateException("boom");
        };
        Scripted good = new Scripted(Verdict.DETECTED);
        gen.set(new Generation(1, new DetectorEntry[] {entry(bad, "bad", 0), entry(good, "good", 0)}));
        Dispatcher d = dispatcher(32);
        for (int i = 0; i < 4; i++) {
            DecodedPacket p = packet(1000 + i);
            Flow f = table.lookup(p, 0);
            d.inspect(f, p, true);
            assertEquals("X", f.detection().protocol());
        }
        assertEquals(List.of("bad", "bad", "bad disabled"), faults);
        assertTrue(gen.get().entries[0].disabled);
    }

    @Test
    void flowKeepsItsGenerationWhenDetectorsChange() {
        Scripted first = new Scripted(Verdict.NEED_MORE, Verdict.DETECTED);
        DetectorEntry e1 = entry(first, "first", 0);
        gen.set(new Generation(1, new DetectorEntry[] {e1}));
        Dispatcher d = dispatcher(32);
        DecodedPacket p = packet(80);
        Flow f = table.lookup(p, 0);
        d.inspect(f, p, true);
        Scripted second = new Scripted(Verdict.DETECTED);
        gen.set(new Generation(2, new DetectorEntry[] {entry(second, "second", 0), e1}));
        d.inspect(f, p, true);
        assertEquals("first", f.detection().detector());
        assertEquals(0, second.calls);
        // a removed detector is skipped by flows that still hold its generation
        DecodedPacket q = packet(81);
        Flow g = table.lookup(q, 0);
        Scripted third = new Scripted(Verdict.NEED_MORE);
        DetectorEntry e3 = entry(third, "third", 0);
        gen.set(new Generation(3, new DetectorEntry[] {e3}));
        d.inspect(g, q, true);
        e3.active = false;
        d.inspect(g, q, true);
        assertEquals(1, third.calls);
        assertEquals("Unknown", g.detection().protocol());
    }
}
