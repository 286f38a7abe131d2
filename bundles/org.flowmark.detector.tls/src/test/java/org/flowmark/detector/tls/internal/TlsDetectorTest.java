package org.flowmark.detector.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.flowmark.api.detector.Verdict;
import org.junit.jupiter.api.Test;

class TlsDetectorTest {

    private static final List<FakeFlow.Segment> TLS12 = FakeFlow.load("tls-1.2.hex");
    private static final List<FakeFlow.Segment> TLS13 = FakeFlow.load("tls-1.3.hex");
    private static final List<FakeFlow.Segment> WEAK = FakeFlow.load("tls-weak.hex");
    private static final List<FakeFlow.Segment> SPLIT = FakeFlow.load("tls-split-ch.hex");

    @Test
    void tls12HandshakeGivesServerAndCertificateMetadata() {
        FakeFlow f = new FakeFlow(FakeFlow.detector()).replay(TLS12);
        assertEquals(List.of(Verdict.DETECTED), f.verdicts, "DETECTED on the ClientHello");
        assertEquals("TLS", f.result.protocol);
        assertEquals("www.flowmark.test", f.result.hostname);
        assertEquals("www.flowmark.test", f.meta("client_sni"));
        assertEquals("TLSv1.2", f.meta("version"));
        assertEquals("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", f.meta("cipher_suite"));
        assertEquals("t12d280700_d943125447b4_e7e480e5a997", f.meta("client_ja4"));
        assertEquals("871a754af286dfb70c1b53c6887c62e0", f.meta("client_ja3"));
        assertEquals("tls.flowmark.test", f.meta("server_cn"));
        assertEquals("O=Flowmark Lab, CN=tls.flowmark.test", f.meta("subject_dn"));
        assertEquals("O=Flowmark Lab, CN=tls.flowmark.test", f.meta("issuer_dn"));
        assertEquals(List.of("tls.flowmark.test", "*.flowmark.test"), f.meta("server_names"));
        assertTrue(((String) f.meta("cert_not_after")).startsWith("2036-"), (String) f.meta("cert_not_after"));
        assertEquals(Boolean.FALSE, f.meta("ech"));
        // self-signed; www.flowmark.test is covered by *.flowmark.test; valid at capture time
        assertEquals(List.of(TlsDetector.RISK_SELF_SIGNED), f.result.risks);
        assertFalse(f.collecting, "collect ends once the certificate is read");
        assertNull(f.stateObject(), "state dropped at the end");
    }

    @Test
    void tls13StopsAfterServerHello() {
        FakeFlow f = new FakeFlow(FakeFlow.detector()).replay(TLS13);
        assertEquals(Verdict.DETECTED, f.verdict);
        assertEquals(1, f.inspectCalls);
        assertEquals(1, f.collectCalls, "the ServerHello is all TLS 1.3 shows");
        assertEquals("TLSv1.3", f.meta("version"));
        assertEquals("TLS_AES_256_GCM_SHA384", f.meta("cipher_suite"));
        assertEquals(List.of("h2", "http/1.1"), f.meta("alpn"));
        assertEquals("h2", f.meta("alpn_server") == null ? "h2" : f.meta("alpn_server"));
        assertEquals("t13d3111h2_e8f1e7e78f70_1f22a2ca17c4", f.meta("client_ja4"));
        assertEquals("tls.flowmark.test", f.result.hostname);
        assertTrue(f.result.risks.isEmpty(), f.result.risks.toString());
        assertNull(f.meta("server_cn"), "certificate is encrypted in 1.3");
    }

    @Test
    void weakSessionRaisesVersionCipherAndNameRisks() {
        FakeFlow f = new FakeFlow(FakeFlow.detector()).replay(WEAK);
        assertEquals("TLSv1", f.meta("version"));
        assertEquals("TLS_RSA_WITH_NULL_SHA", f.meta("cipher_suite"));
        assertEquals(List.of(TlsDetector.RISK_OBSOLETE, TlsDetector.RISK_WEAK_CIPHER, TlsDetector.RISK_SELF_SIGNED,
            TlsDetector.RISK_SNI_MISMATCH), f.result.risks);
    }

    @Test
    void expiredCertificateRelativeToPacketTime() {
        long twentyYears = 20L * 365 * 86_400 * 1_000_000_000L;
        List<FakeFlow.Segment> later = new ArrayList<>();
        for (FakeFlow.Segment s : TLS12) {
            later.add(new FakeFlow.Segment(s.timeNanos + twentyYears, s.fromClient, s.seq, s.payload));
        }
        FakeFlow f = new FakeFlow(FakeFlow.detector()).replay(later);
        assertTrue(f.result.risks.contains(TlsDetector.RISK_EXPIRED), f.result.risks.toString());
    }

    @Test
    void clientHelloSplitOverThreeSegmentsWithRetransmission() {
        // the ClientHello came as 524 + 524 + 183 bytes; resend the first segment after the second
        assertEquals(524, SPLIT.get(0).payload.length);
        List<FakeFlow.Segment> segs = new ArrayList<>(SPLIT);
        segs.add(2, SPLIT.get(0));
        FakeFlow f = new FakeFlow(FakeFlow.detector()).replay(segs);
        assertEquals(List.of(Verdict.NEED_MORE, Verdict.NEED_MORE, Verdict.NEED_MORE, Verdict.DETECTED), f.verdicts);
        assertEquals("split.flowmark.test", f.result.hostname);
        assertEquals("t12d2808f0_d943125447b4_e7e480e5a997", f.meta("client_ja4"));
        assertEquals("tls.flowmark.test", f.meta("server_cn"), "certificate split over segments too");
        assertTrue(f.maxStateBytes <= TlsDetector.DEFAULT_SERVER_BUFFER);
    }

    @Test
    void gapInClientHelloKeepsWhatCameBeforeIt() {
        List<FakeFlow.Segment> segs = new ArrayList<>(SPLIT);
        segs.remove(1); // second ClientHello segment lost
        FakeFlow f = new FakeFlow(FakeFlow.detector()).replay(segs);
        assertEquals(List.of(Verdict.NEED_MORE, Verdict.DETECTED), f.verdicts);
        assertEquals("split.flowmark.test", f.result.hostname, "server_name comes early in the hello");
        assertNull(f.meta("client_ja4"), "no fingerprint from part of a hello");
        assertFalse(f.result.risks.contains(TlsDetector.RISK_MISSING_SNI));
    }

    @Test
    void clientBufferCapBoundsReassembly() {
        FakeFlow f = new FakeFlow(FakeFlow.detector(512, 1024, true, true)).replay(SPLIT);
        assertEquals(Verdict.DETECTED, f.verdict);
        assertTrue(f.maxStateBytes <= 1024, "buffer " + f.maxStateBytes);
        assertNull(f.meta("client_ja4"));
        assertEquals("split.flowmark.test", f.result.hostname);
    }

    @Test
    void serverHelloAloneIsEnoughWhenTheClientWasMissed() {
        List<FakeFlow.Segment> serverOnly = new ArrayList<>();
        for (FakeFlow.Segment s : TLS12) {
            if (!s.fromClient) {
                serverOnly.add(new FakeFlow.Segment(s.timeNanos, true, s.seq, s.payload)); // the server initiates here
            }
        }
        FakeFlow f = new FakeFlow(FakeFlow.detector()).replay(serverOnly);
        assertEquals(Verdict.DETECTED, f.verdicts.get(0));
        assertEquals("TLSv1.2", f.meta("version"));
        assertEquals("tls.flowmark.test", f.meta("server_cn"));
        assertNull(f.result.hostname);
    }

    @Test
    void plainTextAndBinaryAreExcludedAtOnce() {
        FakeFlow http = new FakeFlow(FakeFlow.detector()).c("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(Verdict.EXCLUDED, http.verdict);
        assertNull(http.stateObject());
        FakeFlow ssh = new FakeFlow(FakeFlow.detector()).c("SSH-2.0-OpenSSH_9.2\r\n");
        assertEquals(Verdict.EXCLUDED, ssh.verdict);
        // a handshake record with a hello type but an impossible record length
        FakeFlow bad = new FakeFlow(FakeFlow.detector()).c(FakeFlow.hex("16030100010100"));
        assertEquals(Verdict.EXCLUDED, bad.verdict);
        // consistent headers but a hello whose session id says 200 bytes
        byte[] ch = Arrays.copyOf(TLS12.get(0).payload, TLS12.get(0).payload.length);
        ch[5 + 4 + 34] = (byte) 200;
        assertEquals(Verdict.EXCLUDED, new FakeFlow(FakeFlow.detector()).c(ch).verdict);
        assertEquals(0, new FakeFlow(FakeFlow.detector()).inspectCalls);
    }

    @Test
    void midConnectionRecordsAreTls() {
        // application data 0x17 0303 len 5, exactly one record per segment
        FakeFlow f = new FakeFlow(FakeFlow.detector()).c(FakeFlow.hex("170303000501020304 05"));
        assertEquals(Verdict.DETECTED, f.verdict);
        assertEquals(Boolean.TRUE, f.meta("midstream"));
        // a record that spans two segments: NEED_MORE until it ends where a segment ends
        FakeFlow g = new FakeFlow(FakeFlow.detector()).s(FakeFlow.hex("1703030008 0102")).s(FakeFlow.hex("030405060708"));
        assertEquals(List.of(Verdict.NEED_MORE, Verdict.DETECTED), g.verdicts);
        // the next header is not where the length says: not TLS
        FakeFlow h = new FakeFlow(FakeFlow.detector()).s(FakeFlow.hex("1703030002 0102 ffff"));
        assertEquals(Verdict.EXCLUDED, h.verdict);
    }

    @Test
    void smtpStartTlsThenHandshake() {
        byte[] ch = TLS12.get(0).payload;
        FakeFlow f = new FakeFlow(FakeFlow.detector())
            .s("220 mail.flowmark.test ESMTP\r\n").c("EHLO client\r\n")
            .s("250-mail.flowmark.test\r\n250 STARTTLS\r\n").c("STARTTLS\r\n").s("220 2.0.0 Ready to start TLS\r\n")
            .c(ch);
        assertEquals(Verdict.DETECTED, f.verdict);
        assertEquals("SMTPS", f.result.protocol);
        assertEquals("smtp", f.meta("starttls"));
        assertEquals("www.flowmark.test", f.result.hostname);
        FakeFlow plain = new FakeFlow(FakeFlow.detector(4096, 16384, true, false))
            .s("* OK IMAP4rev1 ready\r\n").c("a1 STARTTLS\r\n").s("a1 OK Begin TLS negotiation now\r\n").c(ch);
        assertEquals("TLS", plain.result.protocol);
        assertEquals("imap", plain.meta("starttls"));
        // TLS before the server agreed, or STARTTLS switched off: excluded
        assertEquals(Verdict.EXCLUDED, new FakeFlow(FakeFlow.detector()).s("220 hi\r\n").c(ch).verdict);
        assertEquals(Verdict.EXCLUDED, new FakeFlow(FakeFlow.detector(4096, 16384, false, true)).s("220 hi\r\n").verdict);
        // binary after a banner
        assertEquals(Verdict.EXCLUDED, new FakeFlow(FakeFlow.detector()).s("220 hi\r\n").c(FakeFlow.hex("00ff10")).verdict);
    }

    @Test
    void implicitTlsMailPortIsNamedLikeNdpi() {
        FakeFlow f = new FakeFlow(FakeFlow.detector());
        f.serverPort = 993;
        f.replay(TLS13);
        assertEquals("IMAPS", f.result.protocol);
        FakeFlow mid = new FakeFlow(FakeFlow.detector());
        mid.serverPort = 995;
        mid.c(FakeFlow.hex("170303000501020304 05"));
        assertEquals("POPS", mid.result.protocol, "roles unknown mid-connection: either port");
    }

    @Test
    void hostMatchingFollowsRfc6125() {
        assertTrue(TlsDetector.hostMatches("*.example.com", "www.example.com"));
        assertTrue(TlsDetector.hostMatches("WWW.example.com", "www.example.com"));
        assertFalse(TlsDetector.hostMatches("*.example.com", "example.com"));
        assertFalse(TlsDetector.hostMatches("*.example.com", "a.b.example.com"));
        assertFalse(TlsDetector.hostMatches("*.com", "example.com"));
        assertFalse(TlsDetector.hostMatches("w*.example.com", "www.example.com"));
        assertFalse(TlsDetector.hostMatches("*.example.com", ".example.com"));
    }

    @Test
    void plausibleStartIsTheCheapFilter() {
        assertTrue(TlsDetector.plausibleStart(FakeFlow.viewOf("16")));
        assertTrue(TlsDetector.plausibleStart(FakeFlow.viewOf("1603010200010001fc0303")));
        assertFalse(TlsDetector.plausibleStart(FakeFlow.viewOf("1603050200010001fc0303")), "minor 5");
        assertFalse(TlsDetector.plausibleStart(FakeFlow.viewOf("1603010200030001fc0303")), "handshake type 3");
        assertFalse(TlsDetector.plausibleStart(FakeFlow.viewOf("1603010200010000100303")), "hello of 16 bytes");
        assertFalse(TlsDetector.plausibleStart(FakeFlow.viewOf("160301ffff010001fc0303")), "record of 65535");
        assertNotNull(FakeFlow.viewOf("00"));
    }
}
