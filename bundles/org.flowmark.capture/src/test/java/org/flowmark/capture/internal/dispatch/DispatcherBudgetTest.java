package org.flowmark.capture.internal.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.flowmark.api.classify.ApplicationResolver;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.flowmark.capture.internal.decode.DecodedPacket;
import org.flowmark.capture.internal.flow.Flow;
import org.flowmark.capture.internal.flow.FlowTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-call time budget: a detector that overruns it repeatedly is disabled; a fast one never is. */
class DispatcherBudgetTest {
    private final List<String> faults = new ArrayList<>();
    private final FlowTable table = new FlowTable(64, 1L << 40, 1L << 40, 1L << 40, (f, r) -> { });

    @AfterEach
    void clear() {
        System.clearProperty("flowmark.detector.callBudgetMicros");
        System.clearProperty("flowmark.detector.maxOverruns");
        System.clearProperty("flowmark.detector.timingSample");
    }

    private static final class Spinner implements Detector {
        final long nanos;
        int calls;

        Spinner(long nanos) {
            this.nanos = nanos;
        }

        @Override public Verdict inspect(DetectorContext ctx, PacketView payload) {
            calls++;
            long end = System.nanoTime() + nanos;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            return Verdict.NEED_MORE;
        }
    }

    private static DecodedPacket packet(int sport) {
        DecodedPacket p = new DecodedPacket();
        p.clear();
        p.ipVersion = 4;
        p.ipProtocol = 17;
        p.srcLo = 1;
        p.dstLo = 2;
        p.srcPort = sport;
        p.dstPort = 9999;
        p.buf = ByteBuffer.wrap(new byte[] {1, 2, 3});
        p.payloadOffset = 0;
        p.payloadLength = 3;
        return p;
    }

    @Test
    void slowDetectorIsDisabledAfterWarmupAndMaxOverruns() {
        System.setProperty("flowmark.detector.callBudgetMicros", "1000");
        System.setProperty("flowmark.detector.maxOverruns", "2");
        System.setProperty("flowmark.detector.timingSample", "1");
        Spinner slow = new Spinner(3_000_000L);
        Spinner fast = new Spinner(0);
        DetectorEntry slowE = new DetectorEntry(slow, "slow", "test", DetectorEntry.T_UDP, new int[0], 1, 0, 1);
        DetectorEntry fastE = new DetectorEntry(fast, "fast", "test", DetectorEntry.T_UDP, new int[0], 2, 0, 2);
        Generation g = new Generation(1, new DetectorEntry[] {slowE, fastE});
        Dispatcher d = new Dispatcher(() -> g, () -> new ApplicationResolver[0], 32, 100, f -> { },
                (e, f, t, now) -> faults.add(e.name + (now ? " disabled: " : ": ") + t.getMessage()));
        DecodedPacket p = packet(1000);
        Flow f = table.lookup(p, 0);
        for (int i = 0; i < 10; i++) {
            d.inspect(f, p, true);
        }
        // three overruns forgiven as warm-up, the next two count: disabled at the fifth slow call
        assertEquals(5, slow.calls);
        assertTrue(slowE.disabled);
        assertEquals(2, slowE.overruns.get());
        assertFalse(fastE.disabled);
        assertEquals(0, fastE.overruns.get());
        assertEquals(10, fast.calls);
        assertEquals(2, faults.size(), faults.toString());
        assertTrue(faults.get(1).startsWith("slow disabled: a call took"), faults.toString());
        assertTrue(slowE.maxCallNanos >= 3_000_000L);

        DecodedPacket q = packet(2000);
        Flow other = table.lookup(q, 0);
        d.inspect(other, q, true);
        assertEquals(5, slow.calls, "a disabled detector is skipped for new flows");
    }

    @Test
    void sampledTimingTimesOneCallInSixteenByDefault() {
        Spinner slow = new Spinner(0);
        DetectorEntry e = new DetectorEntry(slow, "s", "test", DetectorEntry.T_UDP, new int[0], 1, 0, 1);
        Generation g = new Generation(1, new DetectorEntry[] {e});
        Dispatcher d = new Dispatcher(() -> g, () -> new ApplicationResolver[0], 1000, 100, f -> { },
                (x, f, t, now) -> { });
        DecodedPacket p = packet(3000);
        Flow f = table.lookup(p, 0);
        for (int i = 0; i < 64; i++) {
            d.inspect(f, p, true);
        }
        assertEquals(64, slow.calls);
        assertFalse(e.disabled);
    }
}
