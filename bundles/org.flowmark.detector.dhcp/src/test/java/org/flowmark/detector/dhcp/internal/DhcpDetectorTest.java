package org.flowmark.detector.dhcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

class DhcpDetectorTest {

    @Test
    void discoverCarriesTheFingerprint() {
        FakeFlow f = new FakeFlow(new DhcpDetector(), 4, FakeFlow.UDP, 68, 67).c(DhcpParserTest.DISCOVER);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("DHCP", f.result().protocol());
        assertEquals("DHCPDISCOVER", f.meta("dhcp", "message_type"));
        assertEquals("1,3,6,12,15,28,42", f.meta("dhcp", "fingerprint"));
        assertEquals("udhcp 1.36.1", f.meta("dhcp", "class_id"));
        assertEquals("host1", f.meta("dhcp", "hostname"));
        assertEquals("01:52:54:00:12:34:56", f.meta("dhcp", "client_id"));
        f.s(DhcpParserTest.OFFER).s(DhcpParserTest.OFFER);
        assertFalse(f.collectWanted(), "nothing left to collect");
        assertEquals(1, f.collectCalls());
    }

    @Test
    void replyFirstThenRequestFillsIn() {
        FakeFlow f = new FakeFlow(new DhcpDetector(), 4, FakeFlow.UDP, 67, 68).c(DhcpParserTest.OFFER);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("DHCPOFFER", f.meta("dhcp", "message_type"));
        assertNull(f.meta("dhcp", "fingerprint"));
        assertTrue(f.collectWanted());
        f.s("00".repeat(300)); // garbage is ignored
        f.s(DhcpParserTest.DISCOVER);
        assertEquals("DHCPOFFER", f.meta("dhcp", "message_type"), "the first message type stays");
        assertEquals("1,3,6,12,15,28,42", f.meta("dhcp", "fingerprint"));
        assertFalse(f.collectWanted());
    }

    @Test
    void bootp() {
        FakeFlow f = new FakeFlow(new DhcpDetector(), 4, FakeFlow.UDP, 68, 67).c(DhcpParserTest.BOOTP_REQUEST);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("BOOTP", f.meta("dhcp", "message_type"));
    }

    @Test
    void othersExcluded() {
        assertEquals(Verdict.EXCLUDED,
            new FakeFlow(new DhcpDetector(), 4, FakeFlow.UDP, 68, 67).c("00".repeat(300)).verdict());
        assertEquals(Verdict.EXCLUDED,
            new FakeFlow(new DhcpDetector(), 4, FakeFlow.UDP, 68, 67).c(Dhcpv6ParserTest.SOLICIT).verdict());
        assertEquals(Verdict.EXCLUDED,
            new FakeFlow(new Dhcpv6Detector(), 4, FakeFlow.UDP, 546, 547).c(DhcpParserTest.DISCOVER).verdict());
    }

    @Test
    void dhcpv6Solicit() {
        FakeFlow f = new FakeFlow(new Dhcpv6Detector(), 4, FakeFlow.UDP, 546, 547).c(Dhcpv6ParserTest.SOLICIT);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("DHCPV6", f.result().protocol());
        assertEquals("SOLICIT", f.meta("dhcp", "message_type"));
        assertEquals("23,24,39", f.meta("dhcp", "fingerprint"));
        assertEquals("host1", f.meta("dhcp", "hostname"));
        assertEquals("311:MSFT 5.0", f.meta("dhcp", "class_id"));
        assertEquals("00:01:00:01:2a:3b:4c:5d:52:54:00:12:34:56", f.meta("dhcp", "client_id"));
    }

    @Test
    void dhcpv6AdvertiseThenRequest() {
        FakeFlow f = new FakeFlow(new Dhcpv6Detector(), 4, FakeFlow.UDP, 547, 546).c(Dhcpv6ParserTest.ADVERTISE);
        assertEquals("ADVERTISE", f.meta("dhcp", "message_type"));
        assertNull(f.meta("dhcp", "fingerprint"));
        f.s(Dhcpv6ParserTest.SOLICIT);
        assertEquals("23,24,39", f.meta("dhcp", "fingerprint"));
        FakeFlow r = new FakeFlow(new Dhcpv6Detector(), 4, FakeFlow.UDP, 547, 547).c(Dhcpv6ParserTest.RELAY_FORW);
        assertEquals("RELAY-FORW", r.meta("dhcp", "message_type"));
    }
}
