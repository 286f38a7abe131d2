package org.flowmark.detector.steam.internal;

import static org.flowmark.detector.steam.internal.SteamParserTest.BODY_STATUS;
import static org.flowmark.detector.steam.internal.SteamParserTest.DISCOVERY;
import static org.flowmark.detector.steam.internal.SteamParserTest.HDR_STATUS;
import static org.flowmark.detector.steam.internal.SteamParserTest.datagram;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;

import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

class SteamDetectorTest {

    private static FakeFlow flow(int srcPort, int dstPort) {
        return new FakeFlow(new SteamDetector(), 0, FakeFlow.UDP, srcPort, dstPort).rejectRisks();
    }

    @Test
    void discoveryBroadcast() {
        FakeFlow f = flow(27036, 27036).c(DISCOVERY);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("Steam", f.result().protocol());
        assertEquals("steam", f.result().application());
        assertEquals("game", f.result().category());
        assertEquals(0, f.meta("steam", "msg_type"));
        assertEquals("00000000000003e8", f.meta("steam", "client_id"));
        assertEquals(List.of(), f.result().risks());
        assertEquals(1, f.inspectCalls());
    }

    @Test
    void statusReply() {
        FakeFlow f = flow(27036, 27036).c(datagram(HDR_STATUS, BODY_STATUS));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(1, f.meta("steam", "msg_type"));
        assertEquals("0123456789abcdef", f.meta("steam", "client_id"));
    }

    @Test
    void portDoesNotDecide() {
        assertEquals(Verdict.DETECTED, flow(51234, 40000).c(DISCOVERY).verdict(), "valid datagram off port");
        FakeFlow g = flow(27036, 27036).c("ffffffff214c5fa0" + "0000000000000000" + "00");
        assertEquals(Verdict.EXCLUDED, g.verdict(), "bad lengths on port 27036");
        assertNull(g.result().protocol());
        assertEquals(Verdict.EXCLUDED, flow(27036, 27036).c("474554202f20485454502f312e310d0a").verdict());
    }

    @Test
    void excludedFlowIsNotAskedAgain() {
        FakeFlow f = flow(27036, 27036).c("00").c(DISCOVERY);
        assertEquals(Verdict.EXCLUDED, f.verdict());
        assertEquals(1, f.inspectCalls());
    }

    @Test
    void hexClientId() {
        assertEquals("0000000000000000", SteamDetector.hex16(0));
        assertEquals("ffffffffffffffff", SteamDetector.hex16(-1L));
        assertEquals("76cf7e5f7dc3e9fc".length(), SteamDetector.hex16(0x76cf7e5f7dc3e9fcL).length());
        assertEquals("76cf7e5f7dc3e9fc", SteamDetector.hex16(0x76cf7e5f7dc3e9fcL));
    }

    @Test
    void rejectPathAllocatesNothing() {
        com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!tmx.isThreadAllocatedMemorySupported()) {
            return;
        }
        SteamDetector d = new SteamDetector();
        ByteArrayPacketView[] foreign = {
            ByteArrayPacketView.ofHex("474554202f20485454502f312e310d0a"),
            ByteArrayPacketView.ofHex(DISCOVERY + "00"),
            ByteArrayPacketView.ofHex(datagram(HDR_STATUS, BODY_STATUS + "0881")),
            ByteArrayPacketView.ofHex(datagram(HDR_STATUS + "108002", BODY_STATUS)),
        };
        FakeFlow ctx = flow(27036, 27036);
        long tid = Thread.currentThread().getId();
        int rounds = 200_000;
        for (int pass = 0; pass < 2; pass++) { // the first pass warms up the JIT
            long before = tmx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < rounds; i++) {
                if (d.inspect(ctx, foreign[i & 3]) != Verdict.EXCLUDED) {
                    throw new AssertionError("detected " + (i & 3));
                }
            }
            long allocated = tmx.getThreadAllocatedBytes(tid) - before;
            if (pass == 1) {
                assertTrue(allocated < 1024, "reject path allocated " + allocated + " bytes over " + rounds);
            }
        }
    }
}
