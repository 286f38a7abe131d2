package org.flowmark.detector.netbios.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

class NetbiosDetectorTest {

    private static FakeFlow udp(int port) {
        return new FakeFlow(new NetbiosDetector(), 0, FakeFlow.UDP, port, port);
    }

    private static FakeFlow tcp(int clientPort, int serverPort) {
        return new FakeFlow(new NetbiosDetector(), 0, FakeFlow.TCP, clientPort, serverPort);
    }

    @Test
    void nameQuery() {
        FakeFlow f = udp(137).c(NetbiosParserTest.QUERY);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("NetBIOS", f.result().protocol());
        assertEquals("name", f.meta("netbios", "service"));
        assertEquals("FMLAB", f.meta("netbios", "name"));
        assertEquals("<20>", f.meta("netbios", "suffix"));
    }

    @Test
    void datagram() {
        FakeFlow f = udp(138).c(NetbiosParserTest.DATAGRAM);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("datagram", f.meta("netbios", "service"));
        assertEquals("FMLAB", f.meta("netbios", "name"));
        assertEquals("<00>", f.meta("netbios", "suffix"));
    }

    @Test
    void sessionRequest() {
        FakeFlow f = tcp(50000, 139).c("85000000").c(NetbiosParserTest.SESSION_REQUEST);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("session", f.meta("netbios", "service"));
        assertEquals("FMSRV", f.meta("netbios", "name"));
    }

    @Test
    void smbOverSession() {
        FakeFlow f = tcp(50000, 139).s("82000000").c("00000054" + "ff534d4272" + "00".repeat(31));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertNull(f.meta("netbios", "name"));
        assertEquals(Verdict.EXCLUDED, tcp(50000, 445).c("00000054" + "ff534d4272" + "00".repeat(31)).verdict(),
            "direct-hosted SMB is not NetBIOS");
    }

    @Test
    void controlMessagesAloneAreNotEnough() {
        FakeFlow f = tcp(50000, 139).c("85000000").c("85000000").c("85000000");
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c("85000000");
        assertEquals(Verdict.EXCLUDED, f.verdict());
    }

    @Test
    void others() {
        assertEquals(Verdict.EXCLUDED, udp(137).c("00".repeat(50)).verdict());
        assertEquals(Verdict.EXCLUDED, tcp(50000, 139).c(NetbiosParserTest.QUERY).verdict(), "name service on TCP");
        assertEquals(Verdict.EXCLUDED, udp(137).c(NetbiosParserTest.SESSION_REQUEST).verdict(), "session on UDP");
    }
}
