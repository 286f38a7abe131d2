package org.flowmark.detector.stun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

class RtpDetectorTest {

    private final RtpDetector rtp = new RtpDetector();

    private FakeFlow flow() {
        return new FakeFlow(rtp, 0, 17, 55050, 13958);
    }

    static String rtp(int seq, long ssrc, int pt) {
        return String.format("80%02x%04x%08x%08x", pt, seq, seq * 160L, ssrc) + "00112233445566778899";
    }

    @Test
    void threeConsecutivePacketsOfOneStream() {
        FakeFlow f = flow().c(rtp(100, 0x3aa6d922L, 18)).c(rtp(101, 0x3aa6d922L, 18));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c(rtp(103, 0x3aa6d922L, 18));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("RTP", f.result().protocol());
        assertEquals(18, f.meta("rtp", "payload_type"));
        assertEquals("3aa6d922", f.meta("rtp", "ssrc"));
    }

    @Test
    void inconsistentStreamsAreNotEnough() {
        // SSRC changes every packet, or the sequence jumps: never three in a row
        FakeFlow f = flow().c(rtp(1, 1, 0)).c(rtp(2, 2, 0)).c(rtp(3, 3, 0)).c(rtp(4000, 1, 0)).c(rtp(9000, 1, 0));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        // RTCP-range payload type (RFC 5761) and wrong versions are strikes
        FakeFlow g = flow().c(rtp(1, 1, 72)).c("4012000100000000000000000000").c("ff112233445566778899aabb");
        assertEquals(Verdict.EXCLUDED, g.verdict());
    }

    @Test
    void rtcpOnlyFlow() {
        String sr = "80c80006" + "d2b30000" + "0000000000000000" + "0000000000000000" + "00000000";
        FakeFlow f = flow().c(sr).c(sr);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("RTCP", f.result().protocol());
    }

    @Test
    void padAndExtensionMustFit() {
        // X bit with an extension length beyond the packet
        FakeFlow f = flow().c("9000000100000000000000010000ffff").c("9000000200000000000000010000ffff")
            .c("9000000300000000000000010000ffff");
        assertEquals(Verdict.EXCLUDED, f.verdict());
    }
}
