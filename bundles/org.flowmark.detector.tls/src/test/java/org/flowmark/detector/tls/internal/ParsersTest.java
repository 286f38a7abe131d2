package org.flowmark.detector.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

class ParsersTest {

    private static final byte[] CH13 = FakeFlow.Segment.load(ParsersTest.class, "tls-1.3.hex").get(0).payload();
    private static final byte[] SERVER12 = FakeFlow.Segment.load(ParsersTest.class, "tls-1.2.hex").get(1).payload();

    @Test
    void clientHelloFromOpenSsl() throws TlsFormatException {
        ByteArrayPacketView v = new ByteArrayPacketView(CH13);
        int mlen = v.u24(6);
        ClientHello h = ClientHello.parse(v, 9, mlen, mlen, false);
        assertEquals(0x0303, h.legacyVersion);
        assertEquals(0x0304, h.maxSupportedVersion);
        assertEquals(31, h.cipherCount);
        assertEquals("tls.flowmark.test", h.sni);
        assertEquals(List.of("h2", "http/1.1"), h.alpn);
        assertTrue(h.groupCount > 0 && h.sigAlgCount > 0);
        assertFalse(h.truncated || h.malformed || h.ech);
        // cut short: parsed as far as it goes
        ClientHello part = ClientHello.parse(v, 9, mlen, 160, false); // cipher suites end at 131
        assertTrue(part.truncated);
        assertEquals(31, part.cipherCount);
    }

    @Test
    void clientHelloInconsistenciesAreRejectedOrFlagged() {
        ByteArrayPacketView v = new ByteArrayPacketView(CH13);
        int mlen = v.u24(6);
        byte[] b = Arrays.copyOf(CH13, CH13.length);
        b[9] = 7; // version 0x0703
        assertThrows(TlsFormatException.class, () -> ClientHello.parse(new ByteArrayPacketView(b), 9, mlen, mlen, false));
        byte[] odd = Arrays.copyOf(CH13, CH13.length);
        int cs = 9 + 34 + 1 + (odd[9 + 34] & 0xff);
        odd[cs + 1] |= 1; // odd cipher_suites length
        assertThrows(TlsFormatException.class, () -> ClientHello.parse(new ByteArrayPacketView(odd), 9, mlen, mlen, false));
        assertThrows(TlsFormatException.class, () -> ClientHello.parse(v, 9, mlen + 1, mlen + 1, false),
            "declared length past the view");
        // extensions that do not end the message: kept as malformed, not a fingerprint source
        ByteArrayPacketView shorter = new ByteArrayPacketView(CH13, 0, CH13.length - 1);
        try {
            ClientHello h = ClientHello.parse(shorter, 9, mlen - 1, mlen - 1, false);
            assertTrue(h.malformed);
        } catch (TlsFormatException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void greaseIsRecognised() {
        assertTrue(ClientHello.grease(0x0a0a));
        assertTrue(ClientHello.grease(0xfafa));
        assertFalse(ClientHello.grease(0x0a1a));
        assertFalse(ClientHello.grease(0x1301));
    }

    @Test
    void serverHelloAndCertificateFromOpenSsl() throws TlsFormatException {
        ByteArrayPacketView v = new ByteArrayPacketView(SERVER12);
        assertEquals(2, v.u8(5));
        ServerHello sh = ServerHello.parse(v, 9, v.u24(6), false);
        assertEquals(0x0303, sh.version());
        assertEquals(0xc030, sh.cipher);
        assertFalse(sh.helloRetryRequest);
        // OpenSSL sends the Certificate message in the next record of the same segment
        int rec = 9 + v.u24(6);
        assertEquals(22, v.u8(rec));
        int cert = rec + 5;
        assertEquals(11, v.u8(cert));
        int first = cert + 4 + 3;
        Certificate c = Certificate.parse(v, first + 3, v.u24(first));
        assertEquals("tls.flowmark.test", c.commonName);
        assertEquals("O=Flowmark Lab, CN=tls.flowmark.test", c.subjectDn);
        assertTrue(c.selfIssued());
        assertEquals(List.of("tls.flowmark.test", "*.flowmark.test"), c.dnsNames);
        assertEquals(3650L * 86_400, c.notAfter - c.notBefore);
        // every truncation of the DER is an error, never an exception of another kind
        for (int n = 0; n < v.u24(first); n += 7) {
            int len = n;
            assertThrows(TlsFormatException.class, () -> Certificate.parse(v, first + 3, len));
        }
    }

    @Test
    void helloRetryRequestIsRecognised() throws TlsFormatException {
        byte[] b = Hex.bytes("0303 cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c 00 1301 00"
            + "0006 002b00020304");
        ServerHello sh = ServerHello.parse(new ByteArrayPacketView(b), 0, b.length, false);
        assertTrue(sh.helloRetryRequest);
        assertEquals(0x0304, sh.version());
    }

    @Test
    void cipherSuiteNamesAndWeakness() {
        assertEquals("TLS_AES_128_GCM_SHA256", CipherSuites.name(0x1301));
        assertEquals("0x1337", CipherSuites.name(0x1337));
        assertTrue(CipherSuites.weak(0x000a), "3DES");
        assertTrue(CipherSuites.weak(0x0005), "RC4");
        assertTrue(CipherSuites.weak(0x0002), "NULL");
        assertTrue(CipherSuites.weak(0x0034), "anon");
        assertTrue(CipherSuites.weak(0x0003), "EXPORT");
        assertFalse(CipherSuites.weak(0x002f), "AES-CBC-SHA is not flagged");
        assertFalse(CipherSuites.weak(0xc02f));
        assertFalse(CipherSuites.weak(0x00ff));
        assertNotNull(TlsDetector.versionName(0x0304));
    }

    @Test
    void oidRendering() {
        ByteArrayPacketView v = new ByteArrayPacketView(Hex.bytes("2a864886f70d010901"));
        assertEquals("1.2.840.113549.1.9.1", Certificate.oid(v, 0, v.length()));
    }
}
