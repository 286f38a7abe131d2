package org.flowmark.detector.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;

import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

class TlsDetectorTest {

    private static final List<FakeFlow.Segment> TLS12 = FakeFlow.Segment.load(TlsDetectorTest.class, "tls-1.2.hex");
    private static final List<FakeFlow.Segment> TLS13 = FakeFlow.Segment.load(TlsDetectorTest.class, "tls-1.3.hex");
    private static final List<FakeFlow.Segment> WEAK = FakeFlow.Segment.load(TlsDetectorTest.class, "tls-weak.hex");
    private static final List<FakeFlow.Segment> SPLIT =
        FakeFlow.Segment.load(TlsDetectorTest.class, "tls-split-ch.hex");

    /** The larger of the two reassembly buffers of a TLS flow state, to check the caps. */
    private static final ToIntFunction<Object> BUFFERS =
        s -> s instanceof TlsFlowState st ? Math.max(st.init.bufferSize(), st.resp.bufferSize()) : 0;

    static TlsDetector detector(int clientCap, int serverCap, boolean starttls, boolean mailNames) {
        return new TlsDetector(new TlsDetector.Config() {
            @Override public int clientBufferBytes() { return clientCap; }
            @Override public int serverBufferBytes() { return serverCap; }
            @Override public boolean starttls() { return starttls; }
            @Override public boolean secureMailNames() { return mailNames; }
            @Override public Class<? extends Annotation> annotationType() { return TlsDetector.Config.class; }
        });
    }

    static TlsDetector detector() {
        return detector(TlsDetector.DEFAULT_CLIENT_BUFFER, TlsDetector.DEFAULT_SERVER_BUFFER, true, true);
    }

    /** A TCP flow from port 50000 to {@code serverPort}, 16 packets for collect, reassembly buffers measured. */
    static FakeFlow flow(Detector detector, int serverPort) {
        return new FakeFlow(detector, 16, FakeFlow.TCP, 50_000, serverPort).stateSize(BUFFERS);
    }

    /** A TCP flow to port 443. */
    static FakeFlow flow(Detector detector) {
        return flow(detector, 443);
    }

    @Test
    void tls12HandshakeGivesServerAndCertificateMetadata() {
        FakeFlow f = flow(detector()).replay(TLS12);
        assertEquals(List.of(Verdict.DETECTED), f.verdicts(), "DETECTED on the ClientHello");
        assertEquals("TLS", f.result().protocol());
        assertEquals("www.flowmark.test", f.result().hostname());
        assertEquals("www.flowmark.test", f.meta("ssl", "client_sni"));
        assertEquals("TLSv1.2", f.meta("ssl", "version"));
        assertEquals("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", f.meta("ssl", "cipher_suite"));
        assertEquals("t12d280700_d943125447b4_e7e480e5a997", f.meta("ssl", "client_ja4"));
        assertEquals("871a754af286dfb70c1b53c6887c62e0", f.meta("ssl", "client_ja3"));
        assertEquals("tls.flowmark.test", f.meta("ssl", "server_cn"));
        assertEquals("O=Flowmark Lab, CN=tls.flowmark.test", f.meta("ssl", "subject_dn"));
        assertEquals("O=Flowmark Lab, CN=tls.flowmark.test", f.meta("ssl", "issuer_dn"));
        assertEquals(List.of("tls.flowmark.test", "*.flowmark.test"), f.meta("ssl", "server_names"));
        String notAfter = (String) f.meta("ssl", "cert_not_after");
        assertTrue(notAfter.startsWith("2036-"), notAfter);
        assertEquals(Boolean.FALSE, f.meta("ssl", "ech"));
        // self-signed; www.flowmark.test is covered by *.flowmark.test; valid at capture time
        assertEquals(List.of(TlsDetector.RISK_SELF_SIGNED), f.result().risks());
        assertFalse(f.collectWanted(), "collect ends once the certificate is read");
        assertNull(f.stateObject(), "state dropped at the end");
    }

    @Test
    void tls13StopsAfterServerHello() {
        FakeFlow f = flow(detector()).replay(TLS13);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(1, f.inspectCalls());
        assertEquals(1, f.collectCalls(), "the ServerHello is all TLS 1.3 shows");
        assertEquals("TLSv1.3", f.meta("ssl", "version"));
        assertEquals("TLS_AES_256_GCM_SHA384", f.meta("ssl", "cipher_suite"));
        assertEquals(List.of("h2", "http/1.1"), f.meta("ssl", "alpn"));
        assertEquals("h2", f.meta("ssl", "alpn_server") == null ? "h2" : f.meta("ssl", "alpn_server"));
        assertEquals("t13d3111h2_e8f1e7e78f70_1f22a2ca17c4", f.meta("ssl", "client_ja4"));
        assertEquals("tls.flowmark.test", f.result().hostname());
        assertTrue(f.result().risks().isEmpty(), f.result().risks().toString());
        assertNull(f.meta("ssl", "server_cn"), "certificate is encrypted in 1.3");
    }

    @Test
    void weakSessionRaisesVersionCipherAndNameRisks() {
        FakeFlow f = flow(detector()).replay(WEAK);
        assertEquals("TLSv1", f.meta("ssl", "version"));
        assertEquals("TLS_RSA_WITH_NULL_SHA", f.meta("ssl", "cipher_suite"));
        assertEquals(List.of(TlsDetector.RISK_OBSOLETE, TlsDetector.RISK_WEAK_CIPHER, TlsDetector.RISK_SELF_SIGNED,
            TlsDetector.RISK_SNI_MISMATCH), f.result().risks());
    }

    @Test
    void expiredCertificateRelativeToPacketTime() {
        long twentyYears = 20L * 365 * 86_400 * 1_000_000_000L;
        List<FakeFlow.Segment> later = new ArrayList<>();
        for (FakeFlow.Segment s : TLS12) {
            later.add(new FakeFlow.Segment(s.timeNanos() + twentyYears, s.fromClient(), s.seq(), s.payload()));
        }
        FakeFlow f = flow(detector()).replay(later);
        assertTrue(f.result().risks().contains(TlsDetector.RISK_EXPIRED), f.result().risks().toString());
    }

    @Test
    void clientHelloSplitOverThreeSegmentsWithRetransmission() {
        // the ClientHello came as 524 + 524 + 183 bytes; resend the first segment after the second
        assertEquals(524, SPLIT.get(0).payload().length);
        List<FakeFlow.Segment> segs = new ArrayList<>(SPLIT);
        segs.add(2, SPLIT.get(0));
        FakeFlow f = flow(detector()).replay(segs);
        assertEquals(List.of(Verdict.NEED_MORE, Verdict.NEED_MORE, Verdict.NEED_MORE, Verdict.DETECTED), f.verdicts());
        assertEquals("split.flowmark.test", f.result().hostname());
        assertEquals("t12d2808f0_d943125447b4_e7e480e5a997", f.meta("ssl", "client_ja4"));
        assertEquals("tls.flowmark.test", f.meta("ssl", "server_cn"), "certificate split over segments too");
        int buffered = f.maxStateBytes();
        assertTrue(buffered > 0 && buffered <= TlsDetector.DEFAULT_SERVER_BUFFER, "buffer " + buffered);
    }

    @Test
    void gapInClientHelloKeepsWhatCameBeforeIt() {
        List<FakeFlow.Segment> segs = new ArrayList<>(SPLIT);
        segs.remove(1); // second ClientHello segment lost
        FakeFlow f = flow(detector()).replay(segs);
        assertEquals(List.of(Verdict.NEED_MORE, Verdict.DETECTED), f.verdicts());
        assertEquals("split.flowmark.test", f.result().hostname(), "server_name comes early in the hello");
        assertNull(f.meta("ssl", "client_ja4"), "no fingerprint from part of a hello");
        assertFalse(f.result().risks().contains(TlsDetector.RISK_MISSING_SNI));
    }

    @Test
    void clientBufferCapBoundsReassembly() {
        FakeFlow f = flow(detector(512, 1024, true, true)).replay(SPLIT);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertTrue(f.maxStateBytes() <= 1024, "buffer " + f.maxStateBytes());
        assertNull(f.meta("ssl", "client_ja4"));
        assertEquals("split.flowmark.test", f.result().hostname());
    }

    @Test
    void serverHelloAloneIsEnoughWhenTheClientWasMissed() {
        List<FakeFlow.Segment> serverOnly = new ArrayList<>();
        for (FakeFlow.Segment s : TLS12) {
            if (!s.fromClient()) {
                // the server initiates here
                serverOnly.add(new FakeFlow.Segment(s.timeNanos(), true, s.seq(), s.payload()));
            }
        }
        FakeFlow f = flow(detector()).replay(serverOnly);
        assertEquals(Verdict.DETECTED, f.verdicts().get(0));
        assertEquals("TLSv1.2", f.meta("ssl", "version"));
        assertEquals("tls.flowmark.test", f.meta("ssl", "server_cn"));
        assertNull(f.result().hostname());
    }

    @Test
    void plainTextAndBinaryAreExcludedAtOnce() {
        FakeFlow http = flow(detector()).cText("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(Verdict.EXCLUDED, http.verdict());
        assertNull(http.stateObject());
        FakeFlow ssh = flow(detector()).cText("SSH-2.0-OpenSSH_9.2\r\n");
        assertEquals(Verdict.EXCLUDED, ssh.verdict());
        // a handshake record with a hello type but an impossible record length
        FakeFlow bad = flow(detector()).c(Hex.bytes("16030100010100"));
        assertEquals(Verdict.EXCLUDED, bad.verdict());
        // consistent headers but a hello whose session id says 200 bytes
        byte[] ch = Arrays.copyOf(TLS12.get(0).payload(), TLS12.get(0).payload().length);
        ch[5 + 4 + 34] = (byte) 200;
        assertEquals(Verdict.EXCLUDED, flow(detector()).c(ch).verdict());
        assertEquals(0, flow(detector()).inspectCalls());
    }

    @Test
    void midConnectionRecordsAreTls() {
        // application data 0x17 0303 len 5, exactly one record per segment
        FakeFlow f = flow(detector()).c(Hex.bytes("170303000501020304 05"));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(Boolean.TRUE, f.meta("ssl", "midstream"));
        // a record that spans two segments: NEED_MORE until it ends where a segment ends
        FakeFlow g = flow(detector()).s(Hex.bytes("1703030008 0102")).s(Hex.bytes("030405060708"));
        assertEquals(List.of(Verdict.NEED_MORE, Verdict.DETECTED), g.verdicts());
        // the next header is not where the length says: not TLS
        FakeFlow h = flow(detector()).s(Hex.bytes("1703030002 0102 ffff"));
        assertEquals(Verdict.EXCLUDED, h.verdict());
    }

    @Test
    void smtpStartTlsThenHandshake() {
        byte[] ch = TLS12.get(0).payload();
        FakeFlow f = flow(detector())
            .sText("220 mail.flowmark.test ESMTP\r\n").cText("EHLO client\r\n")
            .sText("250-mail.flowmark.test\r\n250 STARTTLS\r\n").cText("STARTTLS\r\n")
            .sText("220 2.0.0 Ready to start TLS\r\n")
            .c(ch);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("SMTPS", f.result().protocol());
        assertEquals("smtp", f.meta("ssl", "starttls"));
        assertEquals("www.flowmark.test", f.result().hostname());
        FakeFlow plain = flow(detector(4096, 16384, true, false))
            .sText("* OK IMAP4rev1 ready\r\n").cText("a1 STARTTLS\r\n")
            .sText("a1 OK Begin TLS negotiation now\r\n").c(ch);
        assertEquals("TLS", plain.result().protocol());
        assertEquals("imap", plain.meta("ssl", "starttls"));
        // TLS before the server agreed, or STARTTLS switched off: excluded
        assertEquals(Verdict.EXCLUDED, flow(detector()).sText("220 hi\r\n").c(ch).verdict());
        assertEquals(Verdict.EXCLUDED, flow(detector(4096, 16384, false, true)).sText("220 hi\r\n").verdict());
        // binary after a banner
        assertEquals(Verdict.EXCLUDED, flow(detector()).sText("220 hi\r\n").c(Hex.bytes("00ff10")).verdict());
    }

    @Test
    void implicitTlsMailPortIsNamedLikeNdpi() {
        FakeFlow f = flow(detector(), 993).replay(TLS13);
        assertEquals("IMAPS", f.result().protocol());
        FakeFlow mid = flow(detector(), 995).c(Hex.bytes("170303000501020304 05"));
        assertEquals("POPS", mid.result().protocol(), "roles unknown mid-connection: either port");
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
        assertTrue(TlsDetector.plausibleStart(Hex.view("16")));
        assertTrue(TlsDetector.plausibleStart(Hex.view("1603010200010001fc0303")));
        assertFalse(TlsDetector.plausibleStart(Hex.view("1603050200010001fc0303")), "minor 5");
        assertFalse(TlsDetector.plausibleStart(Hex.view("1603010200030001fc0303")), "handshake type 3");
        assertFalse(TlsDetector.plausibleStart(Hex.view("1603010200010000100303")), "hello of 16 bytes");
        assertFalse(TlsDetector.plausibleStart(Hex.view("160301ffff010001fc0303")), "record of 65535");
        assertNotNull(Hex.view("00"));
    }
}
