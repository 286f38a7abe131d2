package org.flowmark.detector.ssdp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

class SsdpDetectorTest {

    private static FakeFlow flow() {
        return new FakeFlow(new SsdpDetector(), 4, FakeFlow.UDP, 50000, 1900);
    }

    private static byte[] a(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void searchAndResponse() {
        FakeFlow f = flow().send(true, a(SsdpParserTest.M_SEARCH));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("SSDP", f.result().protocol());
        assertEquals("M-SEARCH", f.meta("ssdp", "method"));
        assertEquals("urn:schemas-upnp-org:device:InternetGatewayDevice:1", f.meta("ssdp", "st"));
        assertEquals("Linux/6.1 UPnP/2.0 flowmark-lab/1.0", f.meta("ssdp", "user_agent"));
        f.send(false, a(SsdpParserTest.RESPONSE));
        assertEquals("M-SEARCH", f.meta("ssdp", "method"));
        assertEquals("Linux/6.1 UPnP/1.1 MiniUPnPd/2.3", f.meta("ssdp", "server"));
        assertEquals("http://10.99.0.2:49152/rootDesc.xml", f.meta("ssdp", "location"));
        assertEquals("uuid:12345678-1234-1234-1234-123456789abc::urn:schemas-upnp-org:device:InternetGatewayDevice:1",
            f.meta("ssdp", "usn"));
        assertFalse(f.collectWanted());
    }

    @Test
    void notifyMessage() {
        FakeFlow f = flow().send(true, a(SsdpParserTest.NOTIFY));
        assertEquals("NOTIFY", f.meta("ssdp", "method"));
        assertEquals("upnp:rootdevice", f.meta("ssdp", "nt"));
        assertEquals("ssdp:alive", f.meta("ssdp", "nts"));
    }

    @Test
    void httpIsNotSsdp() {
        assertEquals(Verdict.EXCLUDED, flow().send(true, a("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).verdict());
        assertEquals(Verdict.EXCLUDED, flow().send(true, a("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")).verdict());
    }
}
