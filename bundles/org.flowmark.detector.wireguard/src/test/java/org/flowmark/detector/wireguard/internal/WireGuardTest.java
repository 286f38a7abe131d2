package org.flowmark.detector.wireguard.internal;

import static org.flowmark.testkit.Hex.le32;
import static org.flowmark.testkit.Hex.rep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.annotation.Annotation;

import org.flowmark.api.detector.Budgets;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

class WireGuardTest {

    static WireGuardDetector detector(int dataRun) {
        return new WireGuardDetector(new WireGuardDetector.Config() {
            @Override public int dataRun() { return dataRun; }
            @Override public Class<? extends Annotation> annotationType() { return WireGuardDetector.Config.class; }
        });
    }

    static FakeFlow flow() {
        return new FakeFlow(detector(WireGuardDetector.DEFAULT_DATA_RUN), 0, 17, 43462, 51820)
                .inspectBudget(Budgets.DEFAULT_PACKETS_PER_FLOW).rejectRisks();
    }

    // ---- vectors built from the whitepaper's message layouts (section 5.4)
    static String initiation(long sender) {
        return "01 000000" + le32(sender) + rep(0xa5, 32) + rep(0x5a, 48) + rep(0x3c, 28) + rep(0x11, 16) + rep(0, 16);
    }

    static String response(long sender, long receiver) {
        return "02 000000" + le32(sender) + le32(receiver) + rep(0xc3, 32) + rep(0x77, 16) + rep(0x22, 16)
            + rep(0, 16);
    }

    static String cookie(long receiver) {
        return "03 000000" + le32(receiver) + rep(0x99, 24) + rep(0x42, 32);
    }

    static String data(long receiver, long counter, int encrypted) {
        return "04 000000" + le32(receiver) + le32(counter) + le32(counter >>> 32) + rep(0xe7, encrypted);
    }

    static int type(String hex) {
        return WireGuardParser.messageType(new ByteArrayPacketView(Hex.bytes(hex)));
    }

    @Test
    void parserRecognisesExactShapes() {
        assertEquals(1, type(initiation(0xd837d030L)));
        assertEquals(2, type(response(1, 2)));
        assertEquals(3, type(cookie(7)));
        assertEquals(4, type(data(7, 0, 16))); // keepalive: 32 bytes
        assertEquals(4, type(data(7, 9, 96)));
        ByteArrayPacketView r = new ByteArrayPacketView(Hex.bytes(response(0x11223344L, 0xfffffffeL)));
        assertEquals(0x11223344L, WireGuardParser.senderIndex(r));
        assertEquals(0xfffffffeL, WireGuardParser.receiverIndex(r, 2));
        ByteArrayPacketView d = new ByteArrayPacketView(Hex.bytes(data(5, 0x0000000100000002L, 16)));
        assertEquals(0x0000000100000002L, WireGuardParser.counter(d));
        assertEquals(5, WireGuardParser.receiverIndex(d, 4));
    }

    @Test
    void parserRejectsWrongLengthsReservedBytesAndTypes() {
        assertEquals(0, type(initiation(1) + "00"));                 // 149 bytes
        assertEquals(0, type("00 000000" + rep(0xa5, 144)));             // type 0
        assertEquals(0, type("01 000100" + initiation(1).replace(" ", "").substring(8)));  // reserved byte set
        assertEquals(0, type(response(1, 2).replace(" ", "").substring(0, 182))); // 91 bytes
        assertEquals(0, type(cookie(1) + "0000"));
        assertEquals(0, type(data(7, 0, 17)));                          // not a multiple of 16
        assertEquals(0, type(data(7, 0, 0)));                           // 16 bytes: no tag
        assertEquals(0, type("05 000000" + rep(0, 60)));
        assertEquals(0, type("00"));
    }

    @Test
    void handshakeInitiationAndMatchingResponse() {
        FakeFlow f = flow();
        f.c(initiation(0xd837d030L));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.s(response(0x4e1d2c3bL, 0xd837d030L));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("WireGuard", f.result().protocol());
        assertEquals("vpn", f.result().category());
        assertEquals("handshake", f.meta("wireguard", "evidence"));
        assertNull(f.stateObject());
    }

    @Test
    void responseWithOtherReceiverOrSameDirectionIsNotEnough() {
        FakeFlow f = flow();
        f.c(initiation(100)).s(response(200, 101));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        FakeFlow g = flow();
        g.c(initiation(100)).c(response(200, 100));
        assertEquals(Verdict.NEED_MORE, g.verdict());
    }

    @Test
    void responseWithoutInitiationConfirmedByTransport() {
        FakeFlow f = flow();
        f.s(response(0x5555L, 0x7777L));
        f.c(data(0x1234, 0, 16)); // wrong index: no decision yet
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c(data(0x5555L, 1, 16));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("handshake", f.meta("wireguard", "evidence"));
    }

    @Test
    void cookieReplyToInitiation() {
        FakeFlow f = flow();
        f.c(initiation(0x30d037d8L)).s(cookie(0x30d037d8L));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("cookie", f.meta("wireguard", "evidence"));
        FakeFlow g = flow();
        g.c(initiation(0x30d037d8L)).s(cookie(0xd837d030L)); // bytes swapped: not an answer
        assertEquals(Verdict.NEED_MORE, g.verdict());
    }

    @Test
    void transportRunInBothDirections() {
        FakeFlow f = flow();
        f.c(data(0x79497615L, 0x13, 80)).s(data(0x1c1048b0L, 0x0f, 80)).c(data(0x79497615L, 0x14, 64));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c(data(0x79497615L, 0x15, 144));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("transport", f.meta("wireguard", "evidence"));
    }

    @Test
    void oneDirectionNeedsTwoMore() {
        FakeFlow f = flow();
        for (int i = 0; i < 5; i++) {
            f.c(data(9, 100 + i, 32));
        }
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c(data(9, 105, 32));
        assertEquals(Verdict.DETECTED, f.verdict());
    }

    @Test
    void countersMustGrowAndIndicesStay() {
        FakeFlow f = flow();
        // counter repeats, index changes, counter jumps far: the run never builds up
        f.c(data(9, 5, 32)).c(data(9, 5, 32)).s(data(3, 1, 32)).c(data(10, 6, 32)).c(data(10, 6 + (1L << 21), 32))
            .s(data(4, 2, 32)).c(data(10, 3, 32));
        assertEquals(Verdict.NEED_MORE, f.verdict());
    }

    @Test
    void anyOtherPayloadExcludes() {
        FakeFlow f = flow();
        f.c(data(9, 1, 32)).s("17fefd00000000000000000001"); // a DTLS-like datagram
        assertEquals(Verdict.EXCLUDED, f.verdict());
        assertNull(f.stateObject());
        FakeFlow g = flow();
        g.c("0100000000000000"); // short
        assertEquals(Verdict.EXCLUDED, g.verdict());
    }

    @Test
    void configurationIsClamped() {
        assertEquals(3, detector(0).dataRun());
        assertEquals(16, detector(99).dataRun());
    }
}
