package org.flowmark.detector.openvpn.internal;

import static org.flowmark.testkit.Hex.be16;
import static org.flowmark.testkit.Hex.be32;
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

/** Vectors built from the control-channel layout of OpenVPN's protocol overview. */
class OpenVpnTest {

    static final String CS = "3348577031d96db3"; // client session id
    static final String SS = "d31c3a6964602fa0"; // server session id
    static final long TIME = 0x5e3e7b98L;

    static OpenVpnDetector detector(int run) {
        return new OpenVpnDetector(new OpenVpnDetector.Config() {
            @Override public int controlRun() { return run; }
            @Override public Class<? extends Annotation> annotationType() { return OpenVpnDetector.Config.class; }
        });
    }

    static FakeFlow udp() {
        return new FakeFlow(detector(OpenVpnDetector.DEFAULT_CONTROL_RUN), 0, 17, 41507, 1194)
                .inspectBudget(Budgets.DEFAULT_PACKETS_PER_FLOW).rejectRisks();
    }

    static FakeFlow tcp() {
        return new FakeFlow(detector(OpenVpnDetector.DEFAULT_CONTROL_RUN), 0, 6, 52973, 443)
                .inspectBudget(Budgets.DEFAULT_PACKETS_PER_FLOW).rejectRisks();
    }

    /** tls-auth block: HMAC of h bytes (none when h is 0), replay packet id, net time. */
    static String auth(int h, long pid) {
        return h == 0 ? "" : rep(0xab, h) + be32(pid) + be32(TIME);
    }

    static String clientReset(int h, long pid) {
        return "38" + CS + auth(h, pid) + "00" + "00000000";
    }

    static String serverReset(int h, long pid) {
        return "40" + SS + auth(h, pid) + "01" + "00000000" + CS + "00000000";
    }

    static String ack(String op, String own, String peer, int h, long pid, long acked) {
        return op + own + auth(h, pid) + "01" + be32(acked) + peer;
    }

    static String control(String own, int h, long pid, long msgId, int tlsBytes) {
        return "20" + own + auth(h, pid) + "00" + be32(msgId) + rep(0x16, tlsBytes);
    }

    /** tls-crypt: opcode, session, replay packet id, net time, 32-byte tag, n encrypted bytes. */
    static String crypt(String op, String own, long pid, int n) {
        return op + own + be32(pid) + be32(TIME) + rep(0x5c, 32) + rep(0xe1, n);
    }

    static int layouts(String hex) {
        byte[] b = Hex.bytes(hex);
        return OpenVpnParser.layouts(new ByteArrayPacketView(b), 0, b.length,
            OpenVpnParser.opcode(b[0] & 0xff));
    }

    @Test
    void parserLayouts() {
        assertEquals(1 << OpenVpnParser.PLAIN, layouts(clientReset(0, 0)));
        int sha1 = layouts(clientReset(20, 1));
        assertEquals(1 << 2, sha1 & ~(1 << OpenVpnParser.TLS_CRYPT)); // tls-auth with 20 bytes (and tls-crypt)
        assertEquals(1 << 6, layouts(clientReset(64, 1)) & ~(1 << OpenVpnParser.TLS_CRYPT));
        assertEquals(1 << OpenVpnParser.PLAIN, layouts(ack("28", CS, SS, 0, 0, 0)));
        assertEquals(0, layouts(ack("28", CS, SS, 0, 0, 0) + "00")); // P_ACK must end after its ACK block
        assertEquals(0, layouts("38" + CS + "09" + rep(0, 50))); // 9 ACKs > RELIABLE_ACK_SIZE
        assertEquals(0, layouts("38" + CS + "00" + "00000001")); // a hard reset's message id is 0
        assertEquals(1 << OpenVpnParser.TLS_CRYPT, layouts(crypt("50", CS, 1, 300))); // v3: tls-crypt-v2 only
        byte[] s = Hex.bytes(serverReset(20, 1));
        assertEquals(Long.parseUnsignedLong(CS, 16),
            OpenVpnParser.echoedSession(new ByteArrayPacketView(s), 0, s.length, 2));
        assertEquals(0, OpenVpnParser.echoedSession(new ByteArrayPacketView(Hex.bytes(clientReset(0, 0))), 0, 14, 0));
        assertEquals(OpenVpnParser.P_DATA_V2, OpenVpnParser.opcode(0x48));
        assertEquals(3, OpenVpnParser.keyId(0x4b));
    }

    @Test
    void plainHandshakeDetectedByEcho() {
        FakeFlow f = udp();
        f.c(clientReset(0, 0));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.s(serverReset(0, 0));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("OpenVPN", f.result().protocol());
        assertEquals("echo", f.meta("openvpn", "evidence"));
        assertEquals("tls", f.meta("openvpn", "mode"));
        assertEquals("udp", f.meta("openvpn", "transport"));
        assertNull(f.meta("openvpn", "hmac_bytes"));
        assertNull(f.stateObject());
    }

    @Test
    void tlsAuthEveryHmacSize() {
        for (int h : new int[] {16, 20, 28, 32, 48, 64}) {
            FakeFlow f = udp();
            f.c(clientReset(h, 1)).s(serverReset(h, 1));
            assertEquals(Verdict.DETECTED, f.verdict(), "hmac " + h);
            assertEquals("tls-auth", f.meta("openvpn", "mode"));
            assertEquals(h, f.meta("openvpn", "hmac_bytes"));
        }
    }

    @Test
    void echoMustNameTheClientSession() {
        FakeFlow f = udp();
        f.c(clientReset(20, 1)).s(serverReset(20, 1).replace(CS, "0102030405060708"));
        assertEquals(Verdict.NEED_MORE, f.verdict());
    }

    @Test
    void tlsCryptV2OneSidedSessionRun() {
        FakeFlow f = udp();
        f.c(crypt("50", CS, 0x0a010001L, 300)).c(crypt("58", CS, 0x0a010002L, 600));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c(crypt("20", CS, 0x0a010003L, 1100));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("session", f.meta("openvpn", "evidence"));
        assertEquals("tls-crypt-v2", f.meta("openvpn", "mode"));
    }

    @Test
    void serverOnlyCaptureWithDataPackets() {
        FakeFlow f = udp();
        f.c(serverReset(0, 0)).c("48000021" + rep(0x77, 60)).c(control(SS, 0, 0, 1, 100));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c(control(SS, 0, 0, 2, 1000));
        assertEquals(Verdict.DETECTED, f.verdict());
    }

    @Test
    void replayIdsAndTimeMustStayConsistent() {
        FakeFlow f = udp();
        // the net time changes: no tls-auth layout survives; the plain layout does not fit the reset
        f.c(clientReset(64, 1)).c(control(CS, 64, 2, 1, 50).replace(be32(TIME), be32(TIME + 1)));
        assertEquals(Verdict.EXCLUDED, f.verdict());
        FakeFlow g = udp();
        g.c(clientReset(32, 5)).c(control(CS, 32, 5, 1, 50)); // replay id did not grow
        assertEquals(Verdict.EXCLUDED, g.verdict());
    }

    @Test
    void rejects() {
        assertEquals(Verdict.EXCLUDED, udp().c("48000021" + rep(0x77, 60)).verdict()); // data first: static key
        assertEquals(Verdict.EXCLUDED, udp().c("39" + CS + "00" + "00000000").verdict()); // key id 1 on a reset
        assertEquals(Verdict.EXCLUDED, udp().c(clientReset(0, 0)).c(control(SS, 0, 0, 1, 10)).verdict());
        assertEquals(Verdict.EXCLUDED, udp().c(clientReset(0, 0)).s("38" + SS + "00" + "00000000").verdict());
        assertEquals(Verdict.EXCLUDED, udp().c("38" + rep(0, 8) + "00" + "00000000").verdict()); // session id 0
        assertEquals(Verdict.EXCLUDED, udp().c("474554202f20485454502f312e310d0a").verdict()); // "GET / HTTP/1.1"
        assertEquals(Verdict.EXCLUDED, udp().c(clientReset(0, 0)).s("f8" + rep(1, 30)).verdict());
    }

    @Test
    void tcpRecordsAcrossSegments() {
        FakeFlow f = tcp();
        String c1 = clientReset(20, 1);
        f.c(be16(c1.length() / 2) + c1);
        String s1 = serverReset(20, 1);
        String framed = be16(s1.length() / 2) + s1;
        f.s(framed.substring(0, 20)); // the server's record is cut: nothing decided yet
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.s(framed.substring(20));
        assertEquals(Verdict.NEED_MORE, f.verdict()); // the cut record was skipped, not parsed
        // the client's ACK and first control packet in one segment: the ACK echoes the server's session
        String a = ack("28", CS, SS, 20, 2, 0);
        String c = control(CS, 20, 3, 1, 40);
        f.c(be16(a.length() / 2) + a + be16(c.length() / 2) + c);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("tcp", f.meta("openvpn", "transport"));
        assertEquals(20, f.meta("openvpn", "hmac_bytes"));
    }

    @Test
    void tcpRetransmissionIsSkippedAndGapStopsParsing() {
        FakeFlow f = tcp();
        String c1 = clientReset(0, 0);
        byte[] rec = Hex.bytes(be16(c1.length() / 2) + c1);
        long seq = f.nextSeq(true);
        f.send(true, rec);
        f.deliver(true, rec, seq); // retransmission
        assertEquals(Verdict.NEED_MORE, f.verdict());
        String c2 = control(CS, 0, 0, 1, 30);
        f.deliver(true, Hex.bytes(be16(c2.length() / 2) + c2), f.nextSeq(true) + 100); // after a gap
        f.deliver(true, Hex.bytes("ffff"), f.nextSeq(true) + 200); // garbage after the gap is not parsed
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.s(be16(serverReset(0, 0).length() / 2) + serverReset(0, 0));
        assertEquals(Verdict.DETECTED, f.verdict());
    }

    @Test
    void tcpZeroLengthRecordExcludes() {
        FakeFlow f = tcp();
        String c1 = clientReset(0, 0);
        f.c(be16(c1.length() / 2) + c1 + "0000");
        assertEquals(Verdict.EXCLUDED, f.verdict());
    }

    @Test
    void configurationIsClamped() {
        assertEquals(3, detector(1).controlRun());
        assertEquals(16, detector(100).controlRun());
    }
}
