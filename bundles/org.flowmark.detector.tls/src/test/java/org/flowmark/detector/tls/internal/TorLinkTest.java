package org.flowmark.detector.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.junit.jupiter.api.Test;

/**
 * Tor link recognition: names and DNs as inputs, certificates parsed from DER, and whole synthetic handshakes
 * through the detector.
 */
class TorLinkTest {

    /*
     * Certificates made once with OpenSSL 3.0 (P-256 keys to keep them short; Tor uses RSA, which changes nothing
     * here): an "identity" CA  req -x509 -subj /CN=www.q2hkd7xlm4vnc.com, and a link certificate
     * x509 -req -subj /CN=www.g6ghvis3f7ibu.net signed by it without extensions. SAN: the same plus
     * subjectAltName=DNS:www.g6ghvis3f7ibu.net. ORG: subject /O=Tor/CN=www.g6ghvis3f7ibu.net.
     */
    static final String LINK =
        "308201283081cf02021234300a06082a8648ce3d0403023020311e301c06035504030c157777772e7132686b6437786c"
        + "6d34766e632e636f6d301e170d3236313132363231343330375a170d3336313132333231343330375a3020311e301c06"
        + "035504030c157777772e673667687669733366376962752e6e65743059301306072a8648ce3d020106082a8648ce3d03"
        + "010703420004975286312db5b884e49a4a4e306a0f891cc888554033ba871d9afb678a7f263513fcb29ecddc5df77561"
        + "16182264b8ab53963805de592ff4968b48df18aef37a300a06082a8648ce3d0403020348003045022072e3aa8e9101dc"
        + "08bab04e3ea74fd3644a68483e5df11c1260faa562635ca9a00221009f90d42301d4ffffaedea6b6b3858ea5a8be46c9"
        + "c3bf44d2a7f6837de6567860";
    static final String SAN =
        "308201953082013aa00302010202021235300a06082a8648ce3d0403023020311e301c06035504030c157777772e7132"
        + "686b6437786c6d34766e632e636f6d301e170d3236313132363231343330375a170d3336313132333231343330375a30"
        + "20311e301c06035504030c157777772e673667687669733366376962752e6e65743059301306072a8648ce3d02010608"
        + "2a8648ce3d03010703420004975286312db5b884e49a4a4e306a0f891cc888554033ba871d9afb678a7f263513fcb29e"
        + "cddc5df7756116182264b8ab53963805de592ff4968b48df18aef37aa364306230200603551d11041930178215777777"
        + "2e673667687669733366376962752e6e6574301d0603551d0e0416041414b4639619a7143c3684fc143550c2339a03a7"
        + "af301f0603551d23041830168014d8cf9bab359f6964aa72c63ddcfa7c19d536665e300a06082a8648ce3d0403020349"
        + "003046022100abaf40feac4571428c5b4bca630c531c780f7e4962d8c37c097b894bc05f6245022100e392b3b41e53f0"
        + "d681bcaf747ba487a9550e489e77157e292bbc30552504b793";
    static final String ORG =
        "308201353081dd02021236300a06082a8648ce3d0403023020311e301c06035504030c157777772e7132686b6437786c"
        + "6d34766e632e636f6d301e170d3236313132363231343330375a170d3336313132333231343330375a302e310c300a06"
        + "0355040a0c03546f72311e301c06035504030c157777772e673667687669733366376962752e6e65743059301306072a"
        + "8648ce3d020106082a8648ce3d03010703420004975286312db5b884e49a4a4e306a0f891cc888554033ba871d9afb67"
        + "8a7f263513fcb29ecddc5df7756116182264b8ab53963805de592ff4968b48df18aef37a300a06082a8648ce3d040302"
        + "034700304402201d9406623b0e2e2db75a3132fe7f983f14c078e5068f2e0f9166f7cddfc0a76d02200777497936a531"
        + "ce74aacd114c2fab9c78ac606d37ac0b0da6ec413b85eb7961";

    private static Certificate cert(String subject, String issuer, String... sans) {
        Certificate c = new Certificate();
        c.subjectDn = subject;
        c.issuerDn = issuer;
        c.dnsNames = List.of(sans);
        return c;
    }

    private static Certificate parse(String hex) throws TlsFormatException {
        ByteArrayPacketView v = FakeFlow.viewOf(hex);
        return Certificate.parse(v, 0, v.length());
    }

    // ------------------------------------------------------------------ names

    @Test
    void randomHostAcceptsTorShapesAtTheBoundsOfItsLengths() {
        assertTrue(TorLink.randomHost("www.abcd.com", ".com", 4, 25));
        assertTrue(TorLink.randomHost("www.q4cyamnc6mtokjurvdclt.com", ".com", 4, 25)); // 21 random chars
        assertTrue(TorLink.randomHost("www." + "a2b3c4d5e6f7".repeat(2) + "z.com", ".com", 4, 25)); // 25
        assertTrue(TorLink.randomHost("www.234567.net", ".net", 4, 25));
        assertTrue(TorLink.randomHost("www.g6ghvisevf3ibuu5.net", ".net", 8, 20));
    }

    @Test
    void randomHostRejectsEverythingElse() {
        String[] notTor = {
            null, "", "www..com", "www.abc.com", // random part too short
            "www." + "a".repeat(26) + ".com",     // too long
            "www.abcd0.com", "www.abcd1.com", "www.abcd8.com", "www.abcd9.com", // not base32 digits
            "www.ABCDEF.com", "www.abcDef.com",    // Tor writes lowercase
            "www.abc-def.com", "www.abc_def.com", "www.ab.cd.com", "www.abcd.com.", "www.abcd.co",
            "ww.abcdef.com", "wwwx.abcdef.com", "xwww.abcdef.com", "www.abcdef.org", "www.abcdef.net",
            "www.abcdef.comx", "mail.abcdef.com", "abcdef.com", "www.abcdef .com", "www.abcdéf.com",
        };
        for (String h : notTor) {
            assertFalse(TorLink.randomHost(h, ".com", 4, 25), String.valueOf(h));
        }
        assertFalse(TorLink.randomHost("www.abcdefg.net", ".net", 8, 20), "7 chars: below the certificate range");
        assertFalse(TorLink.randomHost("www." + "b".repeat(21) + ".net", ".net", 8, 20), "21 chars: above it");
    }

    @Test
    void theSniShapeAloneAlsoFitsRealSites() {
        // why SNI-only evidence never names the application: letters-only names are base32 too
        for (String real : new String[] {"www.facebook.com", "www.web2print.com", "www.google.com", "www.amazon.com",
                "www.wikipedia.com", "www.live.com", "www.bing.com"}) {
            assertTrue(TorLink.randomHost(real, ".com", TorLink.SNI_MIN, TorLink.SNI_MAX), real);
        }
    }

    // ------------------------------------------------------------------ certificates

    @Test
    void linkCertificateNeedsBothSingleCnNamesAndNoSan() {
        assertTrue(TorLink.linkCertificate(cert("CN=www.g6ghvisevf3ibuu5.net", "CN=www.xkgk7fdx362yyyxib.com")));
        assertTrue(TorLink.linkCertificate(cert("CN=www.abcdefgh.net", "CN=www.abcdefgh.com")), "8 chars");
        assertTrue(TorLink.linkCertificate(cert("CN=www.abcdefghijklmnopqrst.net", "CN=www.234567ab.com")), "20");

        Certificate[] notTor = {
            cert("CN=www.g6ghvisevf3ibuu5.net", "CN=www.g6ghvisevf3ibuu5.net"),       // self-issued
            cert("CN=www.g6ghvisevf3ibuu5.com", "CN=www.xkgk7fdx362yyyxib.com"),      // subject .com
            cert("CN=www.g6ghvisevf3ibuu5.net", "CN=www.xkgk7fdx362yyyxib.net"),      // old v2-only issuer .net
            cert("CN=www.g6ghvisevf3ibuu5.com", "CN=www.xkgk7fdx362yyyxib.net"),      // swapped
            cert("O=Tor, CN=www.g6ghvisevf3ibuu5.net", "CN=www.xkgk7fdx362yyyxib.com"), // second attribute
            cert("CN=www.g6ghvisevf3ibuu5.net, O=Tor", "CN=www.xkgk7fdx362yyyxib.com"),
            cert("CN=www.g6ghvisevf3ibuu5.net", "C=US, CN=www.xkgk7fdx362yyyxib.com"),
            cert("CN=www.g6ghvisevf3ibuu5.net", "CN=www.xkgk7fdx362yyyxib.com, OU=x"),
            cert("CN=www.g6ghvisevf3ibuu5.net", "CN=www.xkgk7fdx362yyyxib.com", "www.g6ghvisevf3ibuu5.net"), // SAN
            cert("CN=www.abcdefg.net", "CN=www.xkgk7fdx362yyyxib.com"),               // 7 chars
            cert("CN=www.abcdefghijklmnopqrstu.net", "CN=www.xkgk7fdx362yyyxib.com"), // 21 chars
            cert("CN=www.g6ghvisevf3ibuu5.net", "CN=www.xkgk7fdx362yyyx1b.com"),      // '1' is not base32
            cert("CN=www.G6GHVISEVF3IBUU5.net", "CN=www.xkgk7fdx362yyyxib.com"),      // uppercase
            cert("CN=www.facebook.com", "C=US, O=DigiCert Inc, OU=www.digicert.com, CN=DigiCert SHA2 High "
                + "Assurance Server CA", "*.facebook.com", "facebook.com"),
            cert("CN=www.web2printer.net", "CN=www.web2printer.net"),                 // a self-made site cert
            cert("CN=www.web2printer.net", "CN=Web2Printer Root CA"),
            cert("", ""),
            cert("CN=", "CN="),
        };
        for (Certificate c : notTor) {
            assertFalse(TorLink.linkCertificate(c), c.subjectDn + " / " + c.issuerDn + " " + c.dnsNames);
        }
        assertFalse(TorLink.linkCertificate(null));
    }

    @Test
    void certificatesParsedFromDer() throws TlsFormatException {
        Certificate link = parse(LINK);
        assertEquals("CN=www.g6ghvis3f7ibu.net", link.subjectDn);
        assertEquals("CN=www.q2hkd7xlm4vnc.com", link.issuerDn);
        assertTrue(TorLink.linkCertificate(link));
        Certificate san = parse(SAN);
        assertEquals(List.of("www.g6ghvis3f7ibu.net"), san.dnsNames);
        assertFalse(TorLink.linkCertificate(san), "a subjectAltName: not Tor's link certificate");
        Certificate org = parse(ORG);
        assertEquals("O=Tor, CN=www.g6ghvis3f7ibu.net", org.subjectDn);
        assertFalse(TorLink.linkCertificate(org), "subject with a second attribute");
    }

    // ------------------------------------------------------------------ client hello

    @Test
    void torLikeClientHelloNeedsSniShapeAndNoAlpn() throws TlsFormatException {
        assertTrue(TorLink.torLikeClientHello(hello("www.ct7ctrgb6cr7.com", false, false)));
        assertFalse(TorLink.torLikeClientHello(hello("www.ct7ctrgb6cr7.com", true, false)), "ALPN offered");
        assertFalse(TorLink.torLikeClientHello(hello("www.ct7ctrgb6cr7.org", false, false)));
        assertFalse(TorLink.torLikeClientHello(hello("www.ct0ctrgb6cr7.com", false, false)));
        assertFalse(TorLink.torLikeClientHello(hello(null, false, false)), "no SNI");
        assertFalse(TorLink.torLikeClientHello(null));
        ClientHello cut = hello("www.ct7ctrgb6cr7.com", false, false);
        cut.truncated = true;
        assertFalse(TorLink.torLikeClientHello(cut), "part of a hello");
    }

    private static ClientHello hello(String sni, boolean alpn, boolean tls13) throws TlsFormatException {
        byte[] rec = clientHello(sni, alpn, tls13);
        ByteArrayPacketView v = new ByteArrayPacketView(rec);
        int len = v.u24(6);
        return ClientHello.parse(v, 9, len, len, false);
    }

    // ------------------------------------------------------------------ through the detector

    @Test
    void tls12TorHandshakeIsApplicationTor() {
        FakeFlow f = new FakeFlow(FakeFlow.detector())
            .c(clientHello("www.ct7ctrgb6cr7.com", false, false))
            .s(concat(serverHello(false), certificate(LINK), serverHelloDone()));
        assertEquals(List.of(Verdict.DETECTED), f.verdicts);
        assertEquals("TLS", f.result.protocol);
        assertEquals("tor", f.result.application);
        assertEquals("vpn", f.result.category);
        assertEquals(Boolean.TRUE, f.meta("tor_like_sni"));
        assertEquals("www.ct7ctrgb6cr7.com", f.result.hostname);
        assertEquals("CN=www.q2hkd7xlm4vnc.com", f.meta("issuer_dn"));
        assertEquals("TLSv1.2", f.meta("version"));
        assertFalse(f.collecting, "collect ended with the certificate");
    }

    @Test
    void certificateSplitOverSegmentsAndAlpnOfferedStillTor() {
        byte[] server = concat(serverHello(false), certificate(LINK), serverHelloDone());
        int cut = server.length / 2;
        FakeFlow f = new FakeFlow(FakeFlow.detector())
            .c(clientHello("www.ct7ctrgb6cr7.com", true, false))
            .s(Arrays.copyOfRange(server, 0, cut)).s(Arrays.copyOfRange(server, cut, server.length));
        assertEquals("tor", f.result.application, "the certificate decides, whatever the client offered");
        assertNull(f.meta("tor_like_sni"), "ALPN offered: the client does not look like Tor");
    }

    @Test
    void ordinaryCertificatesLeaveTheApplicationAlone() {
        for (String c : new String[] {SAN, ORG}) {
            FakeFlow f = new FakeFlow(FakeFlow.detector())
                .c(clientHello("www.ct7ctrgb6cr7.com", false, false))
                .s(concat(serverHello(false), certificate(c), serverHelloDone()));
            assertEquals("TLS", f.result.protocol);
            assertNull(f.result.application);
            assertNull(f.result.category);
            assertEquals(Boolean.TRUE, f.meta("tor_like_sni"), "the client shape is still recorded");
        }
        FakeFlow real = new FakeFlow(FakeFlow.detector())
            .c(clientHello("www.facebook.com", true, false))
            .s(concat(serverHello(false), certificate(SAN), serverHelloDone()));
        assertNull(real.result.application);
        assertNull(real.meta("tor_like_sni"));
    }

    @Test
    void tls13TorShapedHelloIsMetadataOnly() {
        FakeFlow f = new FakeFlow(FakeFlow.detector())
            .c(clientHello("www.ct7ctrgb6cr7.com", false, true))
            .s(serverHello(true));
        assertEquals("TLSv1.3", f.meta("version"));
        assertEquals(Boolean.TRUE, f.meta("tor_like_sni"));
        assertNull(f.result.application, "no certificate to see: SNI shape alone does not name Tor");
        assertNull(f.result.category);
    }

    // ------------------------------------------------------------------ handshake builders (RFC 5246 / 8446 layout)

    static byte[] clientHello(String sni, boolean alpn, boolean tls13) {
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        if (sni != null) {
            byte[] n = sni.getBytes(StandardCharsets.US_ASCII);
            u16(ext, 0x0000);
            u16(ext, n.length + 5);
            u16(ext, n.length + 3);
            ext.write(0);
            u16(ext, n.length);
            ext.writeBytes(n);
        }
        u16(ext, 0x000a); // supported_groups: x25519, secp256r1
        u16(ext, 6);
        u16(ext, 4);
        u16(ext, 0x001d);
        u16(ext, 0x0017);
        u16(ext, 0x000d); // signature_algorithms: rsa_pss_rsae_sha256, ecdsa_secp256r1_sha256
        u16(ext, 6);
        u16(ext, 4);
        u16(ext, 0x0804);
        u16(ext, 0x0403);
        if (alpn) {
            u16(ext, 0x0010);
            u16(ext, 14);
            u16(ext, 12);
            ext.write(2);
            ext.writeBytes("h2".getBytes(StandardCharsets.US_ASCII));
            ext.write(8);
            ext.writeBytes("http/1.1".getBytes(StandardCharsets.US_ASCII));
        }
        if (tls13) {
            u16(ext, 0x002b); // supported_versions: 1.3, 1.2
            u16(ext, 5);
            ext.write(4);
            u16(ext, 0x0304);
            u16(ext, 0x0303);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        u16(body, 0x0303);
        body.writeBytes(random(0x11));
        body.write(0); // no session id
        u16(body, 6);
        u16(body, 0xc02f);
        u16(body, 0xc030);
        u16(body, 0x1301);
        body.write(1);
        body.write(0);
        u16(body, ext.size());
        body.writeBytes(ext.toByteArray());
        return record(handshake(1, body.toByteArray()));
    }

    static byte[] serverHello(boolean tls13) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        u16(body, 0x0303);
        body.writeBytes(random(0x22));
        body.write(0);
        u16(body, tls13 ? 0x1301 : 0xc02f);
        body.write(0);
        if (tls13) {
            u16(body, 6);
            u16(body, 0x002b);
            u16(body, 2);
            u16(body, 0x0304);
        } else {
            u16(body, 5);
            u16(body, 0xff01); // renegotiation_info, empty
            u16(body, 1);
            body.write(0);
        }
        return record(handshake(2, body.toByteArray()));
    }

    /** A Certificate message with one certificate (Tor's v3 link handshake sends just the link certificate). */
    static byte[] certificate(String derHex) {
        byte[] der = FakeFlow.hex(derHex);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        u24(body, der.length + 3);
        u24(body, der.length);
        body.writeBytes(der);
        return record(handshake(11, body.toByteArray()));
    }

    static byte[] serverHelloDone() {
        return record(handshake(14, new byte[0]));
    }

    private static byte[] handshake(int type, byte[] body) {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.write(type);
        u24(m, body.length);
        m.writeBytes(body);
        return m.toByteArray();
    }

    private static byte[] record(byte[] fragment) {
        ByteArrayOutputStream r = new ByteArrayOutputStream();
        r.write(0x16);
        u16(r, 0x0303);
        u16(r, fragment.length);
        r.writeBytes(fragment);
        return r.toByteArray();
    }

    private static byte[] random(int seed) {
        byte[] b = new byte[32];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static void u16(ByteArrayOutputStream o, int v) {
        o.write(v >> 8);
        o.write(v);
    }

    private static void u24(ByteArrayOutputStream o, int v) {
        o.write(v >> 16);
        o.write(v >> 8);
        o.write(v);
    }
}
