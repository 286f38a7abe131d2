package org.flowmark.detector.quic.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.junit.jupiter.api.Test;

class QuicCryptoTest {

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }

    @Test
    void rfc9001AppendixA1ClientKeys() throws Exception {
        QuicCrypto c = QuicCrypto.get();
        InitialKeys k = new InitialKeys();
        c.derive(QuicVersions.V1, QuicVersions.SALT_V1, Vectors.DCID, false, k);
        assertEquals("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea", hex(c.lastSecret()));
        assertEquals("1f369613dd76d5467730efcbe3b1a22d", hex(k.key.getEncoded()));
        assertEquals("fa044b2f42a3fd3b46fb255c", hex(k.iv));
        assertEquals("9f50449e04a0e810283a1e9933adedd2", hex(k.hp.getEncoded()));
        c.derive(QuicVersions.V1, QuicVersions.SALT_V1, Vectors.DCID, true, k);
        assertEquals("cf3a5331653c364c88f0f379b6067e37", hex(k.key.getEncoded()));
        assertEquals("0ac1493ca1905853b0bba03e", hex(k.iv));
        assertEquals("c206b8d9b9f0f37644430b490eeaa314", hex(k.hp.getEncoded()));
    }

    @Test
    void rfc9369AppendixA1ClientKeys() throws Exception {
        InitialKeys k = new InitialKeys();
        QuicCrypto.get().derive(QuicVersions.V2, QuicVersions.SALT_V2, Vectors.DCID, false, k);
        assertEquals("8b1a0bc121284290a29e0971b5cd045d", hex(k.key.getEncoded()));
        assertEquals("91f73e2351d8fa91660e909f", hex(k.iv));
        assertEquals("45b95e15235d6f45a6b19cbcb0294ba9", hex(k.hp.getEncoded()));
    }

    private static void decryptsToClientHello(byte[] pkt, long version) throws Exception {
        ByteArrayPacketView v = new ByteArrayPacketView(pkt);
        LongHeader h = new LongHeader();
        assertEquals(LongHeader.R_INITIAL, h.parse(v, 0));
        assertEquals(version, h.version);
        assertEquals(18, h.pnOffset);
        assertEquals(1200, h.end);
        InitialKeys k = new InitialKeys();
        QuicCrypto c = QuicCrypto.get();
        c.derive(version, QuicVersions.salt(version), v, h.dcidOff, h.dcidLen, false, k);
        int n = c.decrypt(v, 0, h.pnOffset, h.end, k);
        assertEquals(1162, n);
        assertEquals(2, c.packetNumber);
        // CRYPTO frame: type 0x06, offset 0, length 0x40f1 = 241, then the ClientHello, then PADDING
        assertEquals("060040f1", hex(Arrays.copyOfRange(c.plain, 0, 4)));
        assertArrayEquals(Vectors.CLIENT_HELLO, Arrays.copyOfRange(c.plain, 4, 4 + 241));
        for (int i = 4 + 241; i < n; i++) {
            assertEquals(0, c.plain[i], "padding at " + i);
        }
    }

    @Test
    void rfc9001AppendixA2ClientInitialDecrypts() throws Exception {
        decryptsToClientHello(Vectors.rfc9001ClientInitial(), QuicVersions.V1);
    }

    @Test
    void rfc9369AppendixA2ClientInitialDecrypts() throws Exception {
        decryptsToClientHello(Vectors.rfc9369ClientInitial(), QuicVersions.V2);
    }

    @Test
    void wrongKeysAndTamperedPacketsFailCleanly() throws Exception {
        byte[] pkt = Vectors.rfc9001ClientInitial();
        ByteArrayPacketView v = new ByteArrayPacketView(pkt);
        LongHeader h = new LongHeader();
        h.parse(v, 0);
        InitialKeys server = new InitialKeys();
        QuicCrypto c = QuicCrypto.get();
        c.derive(QuicVersions.V1, QuicVersions.SALT_V1, Vectors.DCID, true, server);
        assertEquals(-1, c.decrypt(v, 0, h.pnOffset, h.end, server));
        InitialKeys draft29 = new InitialKeys();
        c.derive(0xff00001dL, QuicVersions.SALT_D29, Vectors.DCID, false, draft29);
        assertEquals(-1, c.decrypt(v, 0, h.pnOffset, h.end, draft29));
        InitialKeys client = new InitialKeys();
        c.derive(QuicVersions.V1, QuicVersions.SALT_V1, Vectors.DCID, false, client);
        pkt[600] ^= 0x01;
        assertEquals(-1, c.decrypt(new ByteArrayPacketView(pkt), 0, h.pnOffset, h.end, client));
        assertEquals(-1, c.decrypt(new ByteArrayPacketView(pkt, 0, 30), 0, 18, 30, client));
    }

    @Test
    void versionTable() {
        assertEquals("V-1", QuicVersions.name(1));
        assertEquals("V-2", QuicVersions.name(QuicVersions.V2));
        assertEquals("Draft-29", QuicVersions.name(0xff00001dL));
        assertEquals("Q046", QuicVersions.name(QuicVersions.Q046));
        assertEquals("MVFST-22", QuicVersions.name(QuicVersions.MVFST_22));
        assertArrayEquals(QuicVersions.SALT_V1, QuicVersions.salt(0xff000022L));
        assertArrayEquals(QuicVersions.SALT_D29, QuicVersions.salt(0xff000020L));
        assertArrayEquals(QuicVersions.SALT_D23, QuicVersions.salt(0xff00001cL));
        assertEquals(QuicVersions.UNKNOWN, QuicVersions.family(0x1a2a3a4aL));
        assertEquals(QuicVersions.UNKNOWN, QuicVersions.family(0xff000015L));
    }
}
