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
import org.flowmark.api.packet.PacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
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

    /*
     * Today's Tor, recorded in the lab (distribution/src/test/lab/record-tor.sh, golden tor-link-tls12.pcap): Debian
     * tor 0.4.9.11 with OpenSSL 3.0.19, a client using a bridge relay whose OpenSSL was capped at TLS 1.2. The
     * client's hello (SNI www.66ps6qdd5vlplkkileqtth.com, no ALPN, TLS 1.3 and 1.2 offered) and the bridge's whole
     * first flight (ServerHello, Certificate, ServerKeyExchange, ServerHelloDone, one record each); the link
     * certificate (RSA 2048, sha256WithRSAEncryption, no extensions) is subject CN=www.qjaaylcmjit3.net, issuer
     * CN=www.yckbgnrd.com, both UTF8String, and starts at byte 81 of the flight (573 bytes).
     */
    /** Tor 0.4.9.11 client: TCP payload of its first segment (one ClientHello record). */
    static final String TOR049_CLIENT_HELLO =
        "1603010200010001fc030351e4129b57005f275a9e8804d1e0df5f579f353947c0da1bd3ac17f346cf52d2209c4b5d1e"
        + "73ee81be80844c6934dc1830573a1aabb302dbb35a4aeddfaf6d3b040024130113031302c02bc02fcca9cca8c02cc030"
        + "c00ac009c013c014009c009d002f003500ff0100018f00000023002100001e7777772e363670733671646435766c706c"
        + "6b6b696c65717474682e636f6d000b000403000102000a000800060017001d0015002300000016000000170000000d00"
        + "2a0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602002b000504"
        + "03040303002d000201010033004700450017004104f7d3c0bba4a76f7729355e1c0d474f3cac638d3294a0e5b7f534cc"
        + "ff079d3593b4419fa859201e5fcc69bcdde60ccc98852e4df28f506bf48a5e024ea2d86be2001500bc00000000000000"
        + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        + "00000000000000000000000000000000000000000000000000000000000000000000000000";
    /** Tor 0.4.9.11 bridge capped at TLS 1.2: TCP payload of its first segment. */
    static final String TOR049_SERVER_FLIGHT =
        "160303003d0200003903037a01b837f204696de71dde12c2781260bb1b564611b0d558d99f0bf72eac57cf00c0300000"
        + "11ff01000100000b0004030001020017000016030302470b00024300024000023d30820239308201a2a0030201020208"
        + "423384cf1ed0d536300d06092a864886f70d01010b0500301b3119301706035504030c107777772e79636b62676e7264"
        + "2e636f6d301e170d3236313131323030303030305a170d3236313231323233353935395a301f311d301b06035504030c"
        + "147777772e716a6161796c636d6a6974332e6e657430820122300d06092a864886f70d01010105000382010f00308201"
        + "0a0282010100d8cba00f17a2b7a9483f9b93105173da8d1eb81d3445c61a6059a49c2348927d378e2c806005632b41bb"
        + "1d2897495b277969173f4e1bab0657f19f17be17a824136729024119e6a97ea932b1d8e250f524e58bc739373d0a6cd8"
        + "874e9ac33dfbcb1bb3bd351c1b80d5c42b13a7e1408ac9b4a1cedd9901ab391b9f6e50e66af87e3331f9efd0d4bf0797"
        + "c4009947d16a75c41ac90de65ea60782e9aa81ab60e0d4874cb03ac207ccf90a53c24e60809e8a612f86eb5ea16d46e8"
        + "f366c9c6dd94c1bf428841555329a4c8556a3d032095abd42c9a02515c2b225d866363ccc2484eba61de1d45e32198bf"
        + "33eae085b2b11fc6204f346cb741bb763ef4de61f0750203010001300d06092a864886f70d01010b050003818100570e"
        + "843013553c33cc6b78a402f26cdd770edbbe6407b87ce3b72fe41288fab4d229397669e0bf821653236ab4cb1e14b408"
        + "a0437c156f93031a77af1d17da789a43cd7e1bd734646b52dddbe0e0006dd33c8959fd39f25fcf61e4f264deaf8b48e6"
        + "d7db54ddfea0b48214dc37e97fdd7e82dd917e97e787eafa2fdd44fc2b40160303014d0c0001490300174104274705e2"
        + "e329d3458f98d109b9e4ce81bf4e738f72ad2fc9059840cb967b573e3c9166aec6008d5595febba0fab60fbf4b8cd111"
        + "a357d8182ce44d20ae540e8a08040100c6d963889577fade164c33dc394b28185abd0179c089136d485ed3817c58456c"
        + "0aa452c97ced024f6d9b74a56037dbf4ca07b88be4b884ab0762d04cef33aae6d2ef3213b2e8f0f3557f65fa3d36270c"
        + "d7c88384baf8a67a0af422d3b569ad9b3211290972b138c4acb9b89a34c9283f121943b44befc204cff301245110881d"
        + "281319bd2a0fb8a602e55c7ff0547794812d4a0284a67bae5892218cd6bf89bde56838dddcb9bbc14223cb2606bac3bd"
        + "ccaa0cab8d655131219f61edd784a51e6e1903157fae78d8a4a125c7d2937babeef994346df659875117d07099e21911"
        + "41ed21adaeac2aab794a184f30dff3dfba10b048fba6e67e38c7f671f7ff199616030300040e000000";

    private static Certificate cert(String subject, String issuer, String... sans) {
        Certificate c = new Certificate();
        c.subjectDn = subject;
        c.issuerDn = issuer;
        c.dnsNames = List.of(sans);
        return c;
    }

    private static Certificate parse(String hex) throws TlsFormatException {
        PacketView v = Hex.view(hex);
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
        FakeFlow f = TlsDetectorTest.flow(TlsDetectorTest.detector())
            .c(clientHello("www.ct7ctrgb6cr7.com", false, false))
            .s(concat(serverHello(false), certificate(LINK), serverHelloDone()));
        assertEquals(List.of(Verdict.DETECTED), f.verdicts());
        assertEquals("TLS", f.result().protocol());
        assertEquals("tor", f.result().application());
        assertEquals("vpn", f.result().category());
        assertEquals(Boolean.TRUE, f.meta("ssl", "tor_like_sni"));
        assertEquals("www.ct7ctrgb6cr7.com", f.result().hostname());
        assertEquals("CN=www.q2hkd7xlm4vnc.com", f.meta("ssl", "issuer_dn"));
        assertEquals("TLSv1.2", f.meta("ssl", "version"));
        assertFalse(f.collectWanted(), "collect ended with the certificate");
    }

    @Test
    void certificateSplitOverSegmentsAndAlpnOfferedStillTor() {
        byte[] server = concat(serverHello(false), certificate(LINK), serverHelloDone());
        int cut = server.length / 2;
        FakeFlow f = TlsDetectorTest.flow(TlsDetectorTest.detector())
            .c(clientHello("www.ct7ctrgb6cr7.com", true, false))
            .s(Arrays.copyOfRange(server, 0, cut)).s(Arrays.copyOfRange(server, cut, server.length));
        assertEquals("tor", f.result().application(), "the certificate decides, whatever the client offered");
        assertNull(f.meta("ssl", "tor_like_sni"), "ALPN offered: the client does not look like Tor");
    }

    @Test
    void ordinaryCertificatesLeaveTheApplicationAlone() {
        for (String c : new String[] {SAN, ORG}) {
            FakeFlow f = TlsDetectorTest.flow(TlsDetectorTest.detector())
                .c(clientHello("www.ct7ctrgb6cr7.com", false, false))
                .s(concat(serverHello(false), certificate(c), serverHelloDone()));
            assertEquals("TLS", f.result().protocol());
            assertNull(f.result().application());
            assertNull(f.result().category());
            assertEquals(Boolean.TRUE, f.meta("ssl", "tor_like_sni"), "the client shape is still recorded");
        }
        FakeFlow real = TlsDetectorTest.flow(TlsDetectorTest.detector())
            .c(clientHello("www.facebook.com", true, false))
            .s(concat(serverHello(false), certificate(SAN), serverHelloDone()));
        assertNull(real.result().application());
        assertNull(real.meta("ssl", "tor_like_sni"));
    }

    @Test
    void tls13TorShapedHelloIsMetadataOnly() {
        FakeFlow f = TlsDetectorTest.flow(TlsDetectorTest.detector())
            .c(clientHello("www.ct7ctrgb6cr7.com", false, true))
            .s(serverHello(true));
        assertEquals("TLSv1.3", f.meta("ssl", "version"));
        assertEquals(Boolean.TRUE, f.meta("ssl", "tor_like_sni"));
        assertNull(f.result().application(), "no certificate to see: SNI shape alone does not name Tor");
        assertNull(f.result().category());
    }

    // ------------------------------------------------------------------ today's Tor, as recorded

    @Test
    void recordedTor049LinkCertificateAndHello() throws TlsFormatException {
        PacketView flight = Hex.view(TOR049_SERVER_FLIGHT);
        assertEquals(0x0b, flight.u8(71), "a Certificate message (type 11) holds it: 4 header + 3 + 3 length bytes");
        Certificate link = Certificate.parse(flight, 81, 573);
        assertEquals("CN=www.qjaaylcmjit3.net", link.subjectDn);
        assertEquals("CN=www.yckbgnrd.com", link.issuerDn);
        assertTrue(link.dnsNames.isEmpty());
        assertTrue(TorLink.linkCertificate(link));

        PacketView ch = Hex.view(TOR049_CLIENT_HELLO);
        int len = ch.u24(6);
        ClientHello hello = ClientHello.parse(ch, 9, len, len, false);
        assertEquals("www.66ps6qdd5vlplkkileqtth.com", hello.sni);
        assertTrue(hello.alpn.isEmpty());
        assertTrue(TorLink.torLikeClientHello(hello));
    }

    @Test
    void recordedTor049HandshakeThroughTheDetector() {
        FakeFlow f = TlsDetectorTest.flow(TlsDetectorTest.detector())
            .c(Hex.bytes(TOR049_CLIENT_HELLO))
            .s(Hex.bytes(TOR049_SERVER_FLIGHT));
        assertEquals(List.of(Verdict.DETECTED), f.verdicts());
        assertEquals("TLS", f.result().protocol());
        assertEquals("tor", f.result().application());
        assertEquals("vpn", f.result().category());
        assertEquals("TLSv1.2", f.meta("ssl", "version"));
        assertEquals(Boolean.TRUE, f.meta("ssl", "tor_like_sni"));
        assertEquals("CN=www.qjaaylcmjit3.net", f.meta("ssl", "subject_dn"));
        assertEquals("CN=www.yckbgnrd.com", f.meta("ssl", "issuer_dn"));
        assertEquals("www.66ps6qdd5vlplkkileqtth.com", f.result().hostname());
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
        byte[] der = Hex.bytes(derHex);
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
