package org.flowmark.detector.ntp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

class NtpDetectorTest {

    private static FakeFlow flow() {
        return new FakeFlow(new NtpDetector(), 2, FakeFlow.UDP, 45863, 123);
    }

    @Test
    void clientAndServer() {
        FakeFlow f = flow().c(NtpParserTest.CLIENT_V4);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("NTP", f.result().protocol());
        assertEquals(4, f.meta("ntp", "version"));
        assertEquals(3, f.meta("ntp", "mode"));
        assertEquals(0, f.meta("ntp", "stratum"));
        f.s(NtpParserTest.SERVER_V4);
        assertEquals(2, f.meta("ntp", "stratum"), "the server's stratum replaces the request's 0");
        assertEquals(List.of(), f.result().risks());
        assertEquals(false, f.collectWanted());
    }

    @Test
    void chronyExchange() {
        FakeFlow f = flow().c(NtpParserTest.CLIENT_CHRONY).s(NtpParserTest.SERVER_CHRONY);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(8, f.meta("ntp", "stratum"));
        assertEquals(List.of(), f.result().risks());
    }

    @Test
    void singleRequestIsEnough() {
        FakeFlow f = flow().c(NtpParserTest.CLIENT_V3_MAC);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(3, f.meta("ntp", "version"));
    }

    @Test
    void retransmittedRequestWaitsForTheReply() {
        FakeFlow f = flow().c(NtpParserTest.CLIENT_V4).c(NtpParserTest.CLIENT_V4);
        assertTrue(f.collectWanted());
        f.s(NtpParserTest.SERVER_V4);
        assertEquals(2, f.meta("ntp", "stratum"));
        assertEquals(List.of(), f.result().risks());
    }

    @Test
    void wrongReplyIsFlagged() {
        FakeFlow f = flow().c(NtpParserTest.CLIENT_V4).s(NtpParserTest.CLIENT_V4);
        assertEquals(List.of(NtpDetector.RISK_UNEXPECTED_REPLY), f.result().risks());
        FakeFlow g = flow().c(NtpParserTest.CLIENT_V4).s("474554202f20485454502f312e310d0a");
        assertEquals(List.of(NtpDetector.RISK_UNEXPECTED_REPLY), g.result().risks());
    }

    @Test
    void controlRequestAndResponse() {
        FakeFlow f = flow().c(NtpParserTest.CONTROL_REQ).s(NtpParserTest.CONTROL_RESP);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(6, f.meta("ntp", "mode"));
        assertNull(f.meta("ntp", "stratum"));
        assertEquals(List.of(), f.result().risks());
        FakeFlow g = flow().c(NtpParserTest.CONTROL_REQ).s(NtpParserTest.CONTROL_REQ);
        assertEquals(List.of(NtpDetector.RISK_UNEXPECTED_REPLY), g.result().risks(), "a request answering a request");
    }

    @Test
    void privateRequestAndResponse() {
        FakeFlow f = flow().c(NtpParserTest.PRIVATE_REQ).s("9700032a00020048" + "00".repeat(144));
        assertEquals(7, f.meta("ntp", "mode"));
        assertEquals(List.of(), f.result().risks());
    }

    @Test
    void otherPayloadsAreExcluded() {
        assertEquals(Verdict.EXCLUDED, flow().c("474554202f20485454502f312e310d0a0d0a").verdict());
        assertEquals(Verdict.EXCLUDED, flow().c("00".repeat(48)).verdict());
        assertEquals(Verdict.EXCLUDED, flow().c("ff".repeat(48)).verdict());
        FakeFlow f = flow().c("00".repeat(48)).c(NtpParserTest.CLIENT_V4);
        assertEquals(1, f.inspectCalls(), "never called again after EXCLUDED");
    }
}
