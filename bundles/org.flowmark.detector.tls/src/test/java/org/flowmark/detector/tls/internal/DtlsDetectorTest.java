package org.flowmark.detector.tls.internal;

import static org.flowmark.detector.tls.internal.DtlsVectors.DTLS10;
import static org.flowmark.detector.tls.internal.DtlsVectors.DTLS12;
import static org.flowmark.detector.tls.internal.DtlsVectors.concat;
import static org.flowmark.detector.tls.internal.DtlsVectors.fragment;
import static org.flowmark.detector.tls.internal.DtlsVectors.handshake;
import static org.flowmark.detector.tls.internal.DtlsVectors.payload;
import static org.flowmark.detector.tls.internal.DtlsVectors.record;
import static org.flowmark.detector.tls.internal.DtlsVectors.u24;
import static org.flowmark.detector.tls.internal.DtlsVectors.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

class DtlsDetectorTest {

    /** JA3 of the recorded ClientHellos as Wireshark 4 computes it ({@code dtls.handshake.ja3}): an outside oracle. */
    private static final String JA3_DTLS12 = "096df697a18c538158d6a52abc65a0db";
    private static final String JA3_DTLS10 = "8d55e975009a4f643e20784875b6ab90";

    private static FakeFlow replay(FakeFlow f, List<FakeFlow.Segment> flow, int... indexes) {
        for (int i : indexes) {
            FakeFlow.Segment s = flow.get(i);
            f.at(s.timeNanos()).deliver(s.fromClient(), s.payload(), 0);
        }
        return f;
    }

    @Test
    void dtls12WithCookieExchangeAndFragmentedCertificate() {
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector()).replay(DTLS12);
        assertEquals(List.of(Verdict.DETECTED), f.verdicts(), "DETECTED on the first ClientHello");
        assertEquals("DTLS", f.result().protocol());
        assertEquals("dtls.example", f.result().hostname());
        assertEquals("dtls.example", f.meta("ssl", "client_sni"));
        assertEquals(List.of("coap"), f.meta("ssl", "alpn"));
        assertEquals("coap", f.meta("ssl", "alpn_server"));
        assertEquals("DTLSv1.2", f.meta("ssl", "version"));
        assertEquals("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", f.meta("ssl", "cipher_suite"));
        assertEquals("dd2d2808cp_d943125447b4_e7e480e5a997", f.meta("ssl", "client_ja4"));
        assertEquals(JA3_DTLS12, f.meta("ssl", "client_ja3"));
        assertEquals(Boolean.TRUE, f.meta("ssl", "hello_verify"));
        assertEquals("dtls.example", f.meta("ssl", "server_cn"));
        assertEquals("O=Flowmark Lab, CN=dtls.example", f.meta("ssl", "issuer_dn"));
        assertEquals(List.of("dtls.example", "*.dtls.example"), f.meta("ssl", "server_names"));
        assertEquals(List.of(TlsDetector.RISK_SELF_SIGNED), f.result().risks());
        assertEquals(5, f.collectCalls(), "collect ends with the datagram that completes the certificate");
        assertFalse(f.collectWanted());
        assertNull(f.stateObject());
    }

    @Test
    void secondClientHelloCarriesTheCookie() {
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector());
        replay(f, DTLS12, 0, 1, 2);
        DtlsFlowState st = (DtlsFlowState) f.stateObject();
        assertEquals(2, st.clientHellos);
        assertEquals(20, st.cookieLength, "the HelloVerifyRequest's 20-byte cookie, echoed");
        assertEquals(0xfeff, st.helloVerifyVersion);
        assertEquals(JA3_DTLS12, f.meta("ssl", "client_ja3"), "the fingerprint ignores the cookie");
    }

    @Test
    void certificateFragmentsOutOfOrder() {
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector());
        replay(f, DTLS12, 2, 5, 4, 3);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("dtls.example", f.meta("ssl", "server_cn"));
        assertEquals("DTLSv1.2", f.meta("ssl", "version"));
        assertFalse(f.collectWanted());
    }

    @Test
    void certificateBeyondTheBoundIsGivenUpCleanly() {
        DtlsFlowState st = new DtlsFlowState(512);
        for (int i = 0; i <= 5; i++) {
            FakeFlow.Segment s = DTLS12.get(i);
            assertTrue(st.feed(s.fromClient(), new org.flowmark.api.packet.ByteArrayPacketView(s.payload())) > 0);
        }
        assertTrue(st.certificateGaveUp, "the 874-byte certificate does not fit 512 bytes");
        assertNull(st.certificate);
        assertTrue(st.serverDone);
        assertTrue(st.bufferedBytes() <= 512, "buffer " + st.bufferedBytes());

        // through the detector: a Certificate message claiming 60000 bytes whose first certificate needs 40000
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector());
        replay(f, DTLS12, 0);
        int msgLen = 60_000;
        byte[] head = concat(u24(msgLen - 3), u24(40_000), new byte[300]);
        for (int off = 0, seq = 2; off < 20_000; off += 306, seq++) {
            byte[] part = off == 0 ? head : new byte[306];
            f.s(record(22, 0xfefd, 0, seq, fragment(11, 2, msgLen, off, part)));
            DtlsFlowState s = (DtlsFlowState) f.stateObject();
            if (s == null) {
                break;
            }
            assertTrue(s.bufferedBytes() <= DtlsDetector.DEFAULT_REASSEMBLY, "buffer " + s.bufferedBytes());
        }
        assertFalse(f.collectWanted(), "gave up");
        assertNull(f.meta("ssl", "server_cn"));
    }

    @Test
    void dtls10WeakCipherIsFlagged() {
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector()).replay(DTLS10);
        assertEquals(List.of(Verdict.DETECTED), f.verdicts());
        assertEquals("old.dtls.example", f.result().hostname());
        assertEquals("DTLSv1.0", f.meta("ssl", "version"));
        assertEquals("TLS_RSA_WITH_NULL_SHA", f.meta("ssl", "cipher_suite"));
        assertEquals(JA3_DTLS10, f.meta("ssl", "client_ja3"));
        assertTrue(((String) f.meta("ssl", "client_ja4")).startsWith("dd1d0204"), (String) f.meta("ssl", "client_ja4"));
        assertEquals(List.of(TlsDetector.RISK_OBSOLETE, TlsDetector.RISK_WEAK_CIPHER, TlsDetector.RISK_SELF_SIGNED),
            f.result().risks(), "old.dtls.example is covered by *.dtls.example: no mismatch");
        assertEquals("dtls.example", f.meta("ssl", "server_cn"));
    }

    @Test
    void serverSideOnly() {
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector());
        replay(f, DTLS12, 1, 3, 4, 5);
        assertEquals(List.of(Verdict.DETECTED), f.verdicts(), "a HelloVerifyRequest is a hello");
        assertEquals("DTLSv1.2", f.meta("ssl", "version"));
        assertEquals("dtls.example", f.meta("ssl", "server_cn"));
        assertNull(f.result().hostname());

        FakeFlow g = DtlsVectors.flow(DtlsVectors.detector());
        replay(g, DTLS12, 3, 4, 5);
        assertEquals(List.of(Verdict.DETECTED), g.verdicts(), "ServerHello alone");
        assertEquals("dtls.example", g.meta("ssl", "server_cn"));
    }

    @Test
    void fragmentedClientHelloIsReassembled() {
        byte[] whole = payload(DTLS12, 2);
        int msgLen = 232;
        byte[] body = Arrays.copyOfRange(whole, 25, 25 + msgLen);
        byte[] first = record(22, 0xfeff, 0, 1, fragment(1, 1, msgLen, 0, Arrays.copyOf(body, 100)));
        byte[] second = record(22, 0xfeff, 0, 2, fragment(1, 1, msgLen, 100, Arrays.copyOfRange(body, 100, msgLen)));
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector()).c(second).c(first);
        assertEquals(List.of(Verdict.NEED_MORE, Verdict.DETECTED), f.verdicts(), "out of order");
        assertEquals(JA3_DTLS12, f.meta("ssl", "client_ja3"));
        assertEquals("dtls.example", f.result().hostname());
    }

    @Test
    void dtls13ClientAndServerHello() {
        byte[] ch = DtlsVectors.clientHello13("coap.example");
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector()).c(record(22, 0xfefd, 0, 0, handshake(1, 0, ch)));
        assertEquals(Verdict.DETECTED, f.verdict());
        // JA4 by the FoxIO specification, hashes computed outside Java:
        // sha256("1301,1302,1303"), sha256("000a,000d,002b,0033_0403,0804")
        assertEquals("dd3d030500_55b375c5d22e_e12c865f31a5", f.meta("ssl", "client_ja4"));
        assertEquals("coap.example", f.result().hostname());
        byte[] sh = record(22, 0xfefd, 0, 0, handshake(2, 0, DtlsVectors.serverHello(0xfefd, 0x1302, 0xfefc)));
        f.s(concat(sh, DtlsVectors.unified(0, 300)));
        assertEquals("DTLSv1.3", f.meta("ssl", "version"));
        assertEquals("TLS_AES_256_GCM_SHA384", f.meta("ssl", "cipher_suite"));
        assertFalse(f.collectWanted(), "DTLS 1.3 encrypts the certificate");
        assertTrue(f.result().risks().isEmpty(), f.result().risks().toString());
    }

    @Test
    void unifiedHeaderIsEvidenceOnly() {
        FakeFlow lone = DtlsVectors.flow(DtlsVectors.detector()).c(DtlsVectors.unified(0, 100));
        assertEquals(List.of(Verdict.EXCLUDED), lone.verdicts(), "a first byte 001xxxxx is never enough");
        // ClientHello seen, ServerHello missed: the encrypted 1.3 flight still tells the version
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector())
            .c(record(22, 0xfefd, 0, 0, handshake(1, 0, DtlsVectors.clientHello13("a.example"))))
            .s(DtlsVectors.unified(1, 500));
        assertEquals("DTLSv1.3", f.meta("ssl", "version"));
        assertFalse(f.collectWanted());
    }

    @Test
    void strictRejects() {
        byte[] ch = payload(DTLS12, 0);
        // a malformed extension block: TLS would keep the flow with a risk, DTLS is stricter
        byte[] badExt = ch.clone();
        int p = 25 + 34;
        p += 1 + badExt[p];                                                   // session id
        p += 1 + badExt[p];                                                   // cookie
        p += 2 + (((badExt[p] & 0xff) << 8) | (badExt[p + 1] & 0xff));       // cipher suites
        p += 1 + badExt[p];                                                   // compression methods
        badExt[p + 1]++;                                                      // extensions length
        assertExcluded(badExt, "an extension length that breaks the ClientHello");
        byte[] seq = ch.clone();
        seq[6] = 1; // record sequence number 2^40 on a hello
        assertExcluded(seq, "hello record sequence number");
        byte[] epoch = ch.clone();
        epoch[4] = 1;
        assertExcluded(epoch, "a hello in epoch 1 is encrypted garbage");
        byte[] ver = ch.clone();
        ver[25] = (byte) 0xfe;
        ver[26] = (byte) 0xfc; // client_version DTLS 1.3 is not a legacy_version
        assertExcluded(ver, "client_version");
        byte[] shVer = payload(DTLS12, 3);
        shVer[2] = (byte) 0xff; // record says 1.0, ServerHello says 1.2
        assertExcluded(shVer, "ServerHello version disagrees with its record");
        byte[] hvr = payload(DTLS12, 1);
        hvr[27]--; // cookie length one short of the message
        assertExcluded(hvr, "HelloVerifyRequest cookie length");
        assertExcluded(record(22, 0xfefd, 0, 0, handshake(3, 0, u8(0xfe, 0xfd, 0))), "empty cookie");
        assertExcluded(record(20, 0xfefd, 0, 0, u8(1)), "ChangeCipherSpec alone");
        assertExcluded(record(21, 0xfefd, 0, 0, u8(2, 40)), "alert alone");
        // STUN Binding request (RFC 5389): first byte 0, never DTLS
        assertExcluded(Hex.bytes("000100002112a442b7e7a701bc34d686fa87dfae"), "STUN");
        // a TLS record over UDP
        byte[] tls = ch.clone();
        tls[1] = 3;
        tls[2] = 3;
        assertExcluded(tls, "TLS");
        assertExcluded(Hex.bytes("16fefd"), "three bytes");
    }

    @Test
    void handshakeFragmentsWithoutHelloGiveUpAfterTheBudget() {
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector());
        for (int i = 0; i < 20 && f.verdict() == Verdict.NEED_MORE; i++) {
            f.c(record(22, 0xfefd, 0, i, fragment(16, 2, 4000, 100 * i, new byte[100])));
        }
        assertEquals(Verdict.EXCLUDED, f.verdict());
        assertEquals(DtlsDetector.MAX_PENDING, f.inspectCalls());
        assertNull(f.stateObject());
    }

    @Test
    void helloRetryRequestWaitsForTheRealServerHello() {
        byte[] hrrRandom = Hex.bytes("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");
        byte[] hrr = DtlsVectors.serverHello(0xfefd, 0x1301, 0xfefc);
        System.arraycopy(hrrRandom, 0, hrr, 2, 32);
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector())
            .c(record(22, 0xfefd, 0, 0, handshake(1, 0, DtlsVectors.clientHello13("a.example"))))
            .s(record(22, 0xfefd, 0, 0, handshake(2, 0, hrr)));
        assertNull(f.meta("ssl", "version"), "a HelloRetryRequest negotiates nothing yet");
        assertTrue(f.collectWanted());
        f.c(record(22, 0xfefd, 0, 1, handshake(1, 1, DtlsVectors.clientHello13("a.example"))))
            .s(record(22, 0xfefd, 0, 1, handshake(2, 1, DtlsVectors.serverHello(0xfefd, 0x1301, 0xfefc))));
        assertEquals("DTLSv1.3", f.meta("ssl", "version"));
        assertEquals("TLS_AES_128_GCM_SHA256", f.meta("ssl", "cipher_suite"));
        assertNotNull(f.meta("ssl", "client_ja4"));
    }

    private static void assertExcluded(byte[] datagram, String why) {
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector()).c(datagram);
        assertEquals(List.of(Verdict.EXCLUDED), f.verdicts(), why);
        assertNull(f.stateObject(), why);
        assertNull(f.result().protocol(), why);
    }

    @Test
    void useSrtpMarksDtlsSrtpWhoseSelfSignedCertificatesAreNoRisk() throws Exception {
        byte[] plain = DtlsVectors.clientHello13("a.example");
        byte[] name = "a.example".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] exts = DtlsVectors.concat(
            DtlsVectors.ext(0x0000, DtlsVectors.concat(DtlsVectors.u16(name.length + 3), DtlsVectors.u8(0),
                DtlsVectors.u16(name.length), name)),
            DtlsVectors.ext(0x000e, DtlsVectors.concat(DtlsVectors.u16(2, 0x0001), DtlsVectors.u8(0))));
        byte[] srtp = DtlsVectors.concat(DtlsVectors.u16(0xfefd), DtlsVectors.random(), DtlsVectors.u8(0),
            DtlsVectors.u8(0), DtlsVectors.u16(2, 0xc02b), DtlsVectors.u8(1, 0), DtlsVectors.u16(exts.length), exts);
        ClientHello a = ClientHello.parse(new org.flowmark.api.packet.ByteArrayPacketView(plain), 0, plain.length,
            plain.length, true);
        ClientHello b = ClientHello.parse(new org.flowmark.api.packet.ByteArrayPacketView(srtp), 0, srtp.length,
            srtp.length, true);
        assertEquals(false, DtlsDetector.srtp(a));
        assertEquals(true, DtlsDetector.srtp(b), "use_srtp (RFC 5764) offered");
        assertEquals(false, DtlsDetector.srtp(null));
    }
}
