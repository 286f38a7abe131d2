package org.flowmark.detector.ipsec.internal;

import static org.flowmark.testkit.Hex.be16;
import static org.flowmark.testkit.Hex.be32;
import static org.flowmark.testkit.Hex.rep;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.annotation.Annotation;

import org.flowmark.api.detector.Budgets;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

/** Vectors built from the header and payload layouts of RFC 7296, RFC 2408, RFC 3948, RFC 4303 and RFC 4302. */
class IpsecTest {

    static final String ISPI = "7945f76350396b59";
    static final String RSPI = "45569f200354dde7";

    static IpsecDetector detector(int run) {
        return new IpsecDetector(new IpsecDetector.Config() {
            @Override public int espRun() { return run; }
            @Override public Class<? extends Annotation> annotationType() { return IpsecDetector.Config.class; }
        });
    }

    static FakeFlow flow(int proto, int clientPort, int serverPort) {
        return new FakeFlow(detector(IpsecDetector.DEFAULT_ESP_RUN), 0, proto, clientPort, serverPort)
                .inspectBudget(Budgets.DEFAULT_PACKETS_PER_FLOW).rejectRisks();
    }

    static String header(String rspi, int next, int version, int exchange, int flags, long msgId, int bodyBytes) {
        return ISPI + rspi + String.format("%02x%02x%02x%02x", next, version, exchange, flags) + be32(msgId)
            + be32(28 + bodyBytes);
    }

    /** IKEv2 IKE_SA_INIT request: SA (12 bytes), KE (16), Nonce (20). */
    static String saInit() {
        String body = "22 00 000c" + rep(0x01, 8) + "28 00 0010" + rep(0x02, 12) + "00 00 0014" + rep(0x03, 16);
        return (header(rep(0, 8), 33, 0x20, 34, 0x08, 0, 48) + body).replace(" ", "");
    }

    /** IKEv2 IKE_AUTH request: one SK payload (next = IDi) covering the rest. */
    static String ikeAuth(int skBytes) {
        return header(RSPI, 46, 0x20, 35, 0x08, 1, skBytes) + "2300" + be16(skBytes) + rep(0x9e, skBytes - 4);
    }

    /** IKEv1 Main Mode first message: SA (next VID) and a vendor id payload. */
    static String mainMode() {
        return header(rep(0, 8), 1, 0x10, 2, 0, 0, 40) + "0d000020" + rep(0x04, 28) + "00000008" + rep(5, 4);
    }

    static int ike(String hex, int off) {
        byte[] b = Hex.bytes(hex);
        return IkeParser.ike(new ByteArrayPacketView(b), off, b.length);
    }

    @Test
    void parserAcceptsWellFormedMessages() {
        assertEquals(0x200 | 34, ike(saInit(), 0));
        assertEquals(0x200 | 35, ike(ikeAuth(60), 0));
        assertEquals(0x100 | 2, ike(mainMode(), 0));
        assertEquals(0x100 | 32, ike(header(RSPI, 8, 0x10, 32, 0x01, 0x1234, 52) + rep(0x6b, 52), 0)); // encrypted QM
        assertEquals(0x200 | 34, ike("00000000" + saInit(), 4));
        assertEquals("ike_sa_init", IkeParser.exchangeName(2, 34));
        assertEquals("main_mode", IkeParser.exchangeName(1, 2));
        assertEquals("quick_mode", IkeParser.exchangeName(1, 32));
    }

    @Test
    void parserRejectsBrokenMessages() {
        assertEquals(-1, ike(saInit() + "00", 0));                                   // length mismatch
        assertEquals(-1, ike(saInit().replaceFirst("2022", "3022"), 0));             // version 3
        assertEquals(-1, ike(saInit().replace("20220800", "20270800"), 0));          // exchange 39 unassigned
        assertEquals(-1, ike(saInit().replace("2200000c", "2200000d"), 0));          // payload lengths do not add up
        assertEquals(-1, ike(rep(0, 8) + saInit().substring(16), 0));                // zero initiator SPI
        assertEquals(-1, ike(header(RSPI, 33, 0x20, 34, 0x08, 0, 48) + saInit().substring(56), 0)); // request + rSPI
        assertEquals(-1, ike(header(rep(0, 8), 46, 0x20, 35, 0x08, 1, 8) + "2300 0008" + rep(1, 4), 0)); // no rSPI
        assertEquals(-1, ike(header(rep(0, 8), 8, 0x10, 32, 0x01, 1, 4) + rep(1, 4), 0)); // quick mode, no rSPI
        assertEquals(-1, ike(header(RSPI, 0, 0x10, 32, 0x01, 1, 4) + rep(1, 4), 0));      // encrypted, no payload
        assertEquals(-1, ike(mainMode().replace("0d000020", "0d010020"), 0));      // reserved byte in v1 payload
        assertEquals(-1, ike("0000", 0));
    }

    @Test
    void espAndAhHeaders() {
        assertEquals(true, IkeParser.esp(new ByteArrayPacketView(Hex.bytes("2c582fba00000001" + rep(0x33, 40)))));
        assertEquals(false, IkeParser.esp(new ByteArrayPacketView(Hex.bytes("000000ff00000001" + rep(0x33, 40)))));
        assertEquals(false, IkeParser.esp(new ByteArrayPacketView(Hex.bytes("2c582fba00000000" + rep(0x33, 40)))));
        assertEquals(true, IkeParser.ah(new ByteArrayPacketView(Hex.bytes("04040000" + "00001000" + "00000007"
            + rep(0x44, 12) + rep(0x55, 40)))));
        assertEquals(false, IkeParser.ah(new ByteArrayPacketView(Hex.bytes("04040001" + "00001000" + "00000007"
            + rep(0x44, 12)))));
        assertEquals(false, IkeParser.ah(new ByteArrayPacketView(Hex.bytes("04ff0000" + "00001000" + "00000007"
            + rep(0x44, 12)))));
    }

    @Test
    void ikeOnPort500() {
        FakeFlow f = flow(17, 10500, 500).c(saInit());
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("IPSec", f.result().protocol());
        assertEquals("ike", f.meta("ipsec", "kind"));
        assertEquals(2, f.meta("ipsec", "ike_version"));
        assertEquals("ike_sa_init", f.meta("ipsec", "exchange"));
        assertEquals(false, f.meta("ipsec", "nat_t"));
        FakeFlow g = flow(17, 500, 500).c(mainMode());
        assertEquals(Verdict.DETECTED, g.verdict());
        assertEquals(1, g.meta("ipsec", "ike_version"));
        assertEquals("main_mode", g.meta("ipsec", "exchange"));
    }

    @Test
    void ikeBehindNonEspMarkerAfterKeepalive() {
        FakeFlow f = flow(17, 14500, 4500).c("ff");
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c("00000000" + ikeAuth(120));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("ike", f.meta("ipsec", "kind"));
        assertEquals("ike_auth", f.meta("ipsec", "exchange"));
        assertEquals(true, f.meta("ipsec", "nat_t"));
        assertEquals(Verdict.EXCLUDED, flow(17, 5353, 5353).c("ff").verdict()); // keepalive elsewhere
    }

    @Test
    void oneMalformedDatagramToleratedOnIkePortsOnly() {
        FakeFlow f = flow(17, 10500, 500).c(saInit().replace("2200000c", "2200000d")).s(saInit());
        assertEquals(Verdict.DETECTED, f.verdict());
        FakeFlow g = flow(17, 10500, 500).c(rep(0x11, 40)).c(rep(0x11, 40));
        assertEquals(Verdict.EXCLUDED, g.verdict());
        assertEquals(Verdict.EXCLUDED, flow(17, 10500, 5000).c(rep(0x11, 40)).verdict());
    }

    @Test
    void espInUdpRun() {
        FakeFlow f = flow(17, 14500, 4500);
        f.c("0354aa4f00000001" + rep(0x6d, 100)).s("c27247b700000001" + rep(0x3a, 100));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c("0354aa4f00000002" + rep(0x6d, 100));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("nat-t", f.meta("ipsec", "kind"));
        assertEquals("0354aa4f", f.meta("ipsec", "spi"));
        // sequence numbers must grow under one SPI
        FakeFlow g = flow(17, 14500, 4500);
        g.c("0354aa4f00000002" + rep(0x6d, 100)).c("0354aa4f00000002" + rep(0x6d, 100))
            .c("0354aa5000000003" + rep(0x6d, 100)).c("0354aa4f00000009" + rep(0x6d, 100));
        assertEquals(Verdict.NEED_MORE, g.verdict());
        // ESP-looking datagrams on other ports are not IPsec
        assertEquals(Verdict.EXCLUDED, flow(17, 14500, 4501).c("0354aa4f00000001" + rep(0x6d, 100)).verdict());
    }

    @Test
    void espAndAhAsIpProtocols() {
        FakeFlow f = flow(50, 0, 0).c("2c582fba00000001" + rep(0x33, 300));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("esp", f.meta("ipsec", "kind"));
        assertEquals("2c582fba", f.meta("ipsec", "spi"));
        assertEquals(Verdict.EXCLUDED, flow(50, 0, 0).c("0000000100000001" + rep(0x33, 30)).verdict());
        FakeFlow a = flow(51, 0, 0).c("04040000" + "00001000" + "00000007" + rep(0x44, 12) + rep(0x55, 40));
        assertEquals(Verdict.DETECTED, a.verdict());
        assertEquals("ah", a.meta("ipsec", "kind"));
        assertEquals("00001000", a.meta("ipsec", "spi"));
        assertEquals(Verdict.EXCLUDED, flow(47, 0, 0).c("00000800" + rep(0x45, 30)).verdict()); // GRE
        assertEquals(Verdict.EXCLUDED, flow(6, 40000, 500).c(saInit()).verdict()); // TCP is not handled
    }

    @Test
    void configurationIsClamped() {
        assertEquals(2, detector(0).espRun());
        assertEquals(16, detector(50).espRun());
    }
}
