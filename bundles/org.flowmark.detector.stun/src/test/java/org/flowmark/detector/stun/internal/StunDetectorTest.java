package org.flowmark.detector.stun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.annotation.Annotation;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

class StunDetectorTest {

    static StunDetector detector(int leading, boolean dtls, boolean classic) {
        return new StunDetector(new StunDetector.Config() {
            @Override public int maxLeadingPackets() { return leading; }
            @Override public boolean dtlsAsProtocol() { return dtls; }
            @Override public boolean classic() { return classic; }
            @Override public Class<? extends Annotation> annotationType() { return StunDetector.Config.class; }
        });
    }

    private final StunDetector stun = detector(2, true, true);

    private FakeFlow udp() {
        return new FakeFlow(stun, 16, 17, 50000, 3478);
    }

    /** Classic STUN seen in a Zoom capture: binding request with attribute 0x0101, answer with 0x0103. */
    static final String ZOOM_CLASSIC_REQ = "00010018c15dae63585d14392e582c260403bf30"
        + "010100143132333435363738393031323334353637383900";
    static final String ZOOM_CLASSIC_RESP = "0002000cc15dae63585d14392e582c260403bf30010300080001ff7550b4dcef";
    /** Allocate request of TURN over TCP (RFC 8656) with REQUESTED-TRANSPORT TCP. */
    static final String TURN_ALLOCATE = "000300082112a442704d5356786253396b724e440019000406000000";

    @Test
    void modernBindingIsDetectedWithMetadata() {
        FakeFlow f = udp().c(StunParserTest.RFC5769_REQUEST);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("STUN", f.result().protocol());
        assertEquals("STUN test vector", f.meta("stun", "software"));
        assertEquals("evtj:h6vY", f.meta("stun", "username"));
        assertEquals(Boolean.TRUE, f.meta("stun", "fingerprint"));
        f.s(StunParserTest.RFC5769_RESPONSE);
        assertEquals("192.0.2.1:32853", f.meta("stun", "mapped_address"));
        assertNull(f.result().application());
    }

    @Test
    void dtlsAfterStunBecomesDtlsAndStopsCollecting() {
        FakeFlow f = udp().c(StunParserTest.RFC5769_REQUEST)
            .c("16fefd00000000000000000010" + "01000004000000000000000400000000");
        assertEquals("DTLS", f.result().protocol());
        assertEquals("dtls", f.meta("stun", "media"));
        assertEquals(java.util.List.of("dtls"), f.forwarded(), "the record is offered to the DTLS detector");
        assertFalse(f.collecting(), "no DTLS detector deployed: nothing more to learn");
        FakeFlow g = new FakeFlow(detector(2, false, true), 16, 17, 1, 2).c(StunParserTest.RFC5769_REQUEST)
            .c("16fefd00000000000000000010" + "01000004000000000000000400000000");
        assertEquals("STUN", g.result().protocol());
        assertEquals("dtls", g.meta("stun", "media"));
    }

    @Test
    void dtlsRecordsAreForwardedWhileTheDtlsDetectorReadsThemAndStunAndRtpAreNot() {
        String dtls = "16fefd00000000000000000010" + "01000004000000000000000400000000";
        FakeFlow f = udp().acceptForward("dtls").c(StunParserTest.RFC5769_REQUEST).c(dtls)
            .s(StunParserTest.RFC5769_RESPONSE).s("8012ae1604e9fa383aa6d922c4532097ca1bd297").s(dtls);
        assertEquals(java.util.List.of("dtls", "dtls"), f.forwarded());
        assertTrue(f.collecting(), "collecting goes on while the DTLS detector wants the records");
        assertEquals("DTLS", f.result().protocol());
    }

    @Test
    void rtpAfterStunKeepsStun() {
        FakeFlow f = udp().c(StunParserTest.RFC5769_REQUEST).s("8012ae1604e9fa383aa6d922c4532097ca1bd297");
        assertEquals("STUN", f.result().protocol());
        assertEquals("rtp", f.meta("stun", "media"));
    }

    @Test
    void classicNeedsBothSidesWithSameTransaction() {
        FakeFlow f = udp().c(ZOOM_CLASSIC_REQ).c(ZOOM_CLASSIC_REQ);
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.s(ZOOM_CLASSIC_RESP);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("zoom", f.result().application());
        assertEquals(Boolean.TRUE, f.meta("stun", "classic"));
        // a different transaction id does not match
        FakeFlow g = udp().c(ZOOM_CLASSIC_REQ).s(ZOOM_CLASSIC_RESP.replace("c15dae63", "c15dae64"));
        assertEquals(Verdict.NEED_MORE, g.verdict());
        // classic off: never detected
        FakeFlow h = new FakeFlow(detector(2, true, false), 16, 17, 1, 2).c(ZOOM_CLASSIC_REQ).s(ZOOM_CLASSIC_RESP)
            .c(ZOOM_CLASSIC_REQ);
        assertEquals(Verdict.EXCLUDED, h.verdict());
    }

    @Test
    void leadingNonStunPacketsThenExclusion() {
        FakeFlow f = udp().c("b06300050000aabbccdd").s("b06300060000aabbccdd").c(StunParserTest.RFC5769_REQUEST);
        assertEquals(Verdict.DETECTED, f.verdict());
        FakeFlow g = udp().c("b06300050000aabbccdd").s("b06300060000aabbccdd").c("b06300070000aabbccdd");
        assertEquals(Verdict.EXCLUDED, g.verdict());
        // a datagram with one byte more than the STUN length says is not STUN
        FakeFlow h = udp().c(StunParserTest.RFC5769_REQUEST + "00");
        assertEquals(Verdict.NEED_MORE, h.verdict());
    }

    @Test
    void tcpBareAndFramedMessages() {
        FakeFlow f = new FakeFlow(stun, 16, 6, 37257, 3478).c(TURN_ALLOCATE + TURN_ALLOCATE);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(Boolean.TRUE, f.meta("stun", "turn"));
        String framed = String.format("%04x", StunParserTest.RFC5769_REQUEST.length() / 2)
            + StunParserTest.RFC5769_REQUEST;
        FakeFlow g = new FakeFlow(stun, 16, 6, 41588, 42000).c(framed);
        assertEquals(Verdict.DETECTED, g.verdict());
        assertEquals("rfc4571", g.meta("stun", "framing"));
    }

    @Test
    void microsoftAttributeMeansTeams() {
        // binding request with MS-IMPLEMENTATION-VERSION (0x8070) = 2
        FakeFlow f = udp().c("000100082112a442000102030405060708090a0b" + "8070000400000002");
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("teams", f.result().application());
        assertEquals("teams", StunDetector.softwareApp("Microsoft-Teams 1.0"));
        assertNull(StunDetector.softwareApp("Coturn-4.6.1 'Gorst'"));
    }

    @Test
    void msTurnMagicCookieAttribute() {
        // [MS-TURN] Allocate request: no header cookie, MAGIC-COOKIE attribute first, MS-VERSION, unpadded length
        String msg = "00030015" + "cebf09f4e3bb00f87114e1b6a1a2a3a4" + "000f000472c64bc6" + "8008000400000006"
            + "0012000101";
        FakeFlow f = udp().c(msg);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("teams", f.result().application());
        // the same bytes with another cookie value are not STUN
        FakeFlow g = udp().c(msg.replace("72c64bc6", "72c64bc7"));
        assertEquals(Verdict.NEED_MORE, g.verdict());
    }
}
