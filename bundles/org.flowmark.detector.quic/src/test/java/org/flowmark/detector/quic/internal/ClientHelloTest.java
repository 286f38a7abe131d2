package org.flowmark.detector.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.junit.jupiter.api.Test;

class ClientHelloTest {

    @Test
    void rfc9001ClientHello() throws Exception {
        ClientHello ch = ClientHello.parse(new ByteArrayPacketView(Vectors.CLIENT_HELLO), 0, 241, 'q');
        assertEquals("example.com", ch.sni);
        assertEquals(List.of("alpn"), ch.alpn);
        assertEquals(List.of("0x0304"), ch.supportedVersions);
        assertNull(ch.userAgent);
        // 2 ciphers, 11 extensions, ALPN "alpn"; hashes computed independently from the listed values:
        // sha256("1301,1302"), sha256("000a,000d,001c,002b,002d,0033,0039,ff01_0403,0503,0603,0203,0804,0805,0806")
        assertEquals("q13d0211an_62ed6f6ca7ad_4d634acda6c0", ch.ja4);
    }

    @Test
    void ja4AlpnRules() {
        assertEquals("h2", ClientHello.alpnCode("h2"));
        assertEquals("h9", ClientHello.alpnCode("h3-29"));
        assertEquals("00", ClientHello.alpnCode(null));
        assertEquals("ab", ClientHello.alpnCode("\u00ab\u00cb")); // not alphanumeric: hex "abcb", first and last
    }

    @Test
    void truncatedOrInconsistentHelloIsRejected() {
        byte[] ch = Vectors.CLIENT_HELLO;
        assertThrows(ClientHello.MalformedException.class,
            () -> ClientHello.parse(new ByteArrayPacketView(ch), 0, 100, 'q'));
        byte[] bad = Arrays.copyOf(ch, ch.length);
        bad[4 + 2 + 32 + 1 + 1] = (byte) 0xff; // cipher suites length now overruns the message
        assertThrows(ClientHello.MalformedException.class,
            () -> ClientHello.parse(new ByteArrayPacketView(bad), 0, bad.length, 'q'));
        byte[] notCh = Arrays.copyOf(ch, ch.length);
        notCh[0] = 2;
        assertThrows(ClientHello.MalformedException.class,
            () -> ClientHello.parse(new ByteArrayPacketView(notCh), 0, notCh.length, 'q'));
    }

    @Test
    void greaseIsRecognised() {
        assertEquals(true, ClientHello.isGrease(0x0a0a));
        assertEquals(true, ClientHello.isGrease(0xfafa));
        assertEquals(false, ClientHello.isGrease(0x0a1a));
        assertEquals(false, ClientHello.isGrease(0x1301));
    }
}
