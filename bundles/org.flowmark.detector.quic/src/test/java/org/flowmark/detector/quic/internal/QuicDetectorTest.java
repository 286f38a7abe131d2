package org.flowmark.detector.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

class QuicDetectorTest {

    /** A detector with this CRYPTO reassembly budget. */
    static QuicDetector newDetector(int maxCryptoBytes) {
        return new QuicDetector(new QuicDetector.Config() {
            @Override
            public int maxCryptoBytes() {
                return maxCryptoBytes;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return QuicDetector.Config.class;
            }
        });
    }

    /** A UDP flow from port 50000 to 443. */
    static FakeFlow quicFlow(Detector detector, int extraPackets) {
        return new FakeFlow(detector, extraPackets, FakeFlow.UDP, 50_000, 443);
    }

    private final QuicDetector detector = newDetector(QuicDetector.DEFAULT_CRYPTO_BYTES);

    @Test
    void rfc9001ClientInitialIsDetectedWithSni() {
        FakeFlow f = quicFlow(detector, 12).c(Vectors.rfc9001ClientInitial());
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("QUIC", f.result().protocol());
        assertEquals("example.com", f.result().hostname());
        assertEquals("V-1", f.meta("quic", "version"));
        assertEquals("example.com", f.meta("quic", "sni"));
        assertEquals("alpn", f.meta("quic", "alpn"));
        assertEquals("q13d0211an_62ed6f6ca7ad_4d634acda6c0", f.meta("quic", "ja4"));
        assertEquals("example.com", f.result().group("ssl").get("client_sni"));
        assertEquals(f.meta("quic", "ja4"), f.result().group("ssl").get("client_ja4"));
        assertNull(f.stateObject(), "state is dropped once the ClientHello is parsed");
        f.s(new byte[] {0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertEquals(1, f.collectCalls());
        assertFalse(f.collectWanted(), "nothing more to collect");
    }

    @Test
    void rfc9369V2ClientInitialIsDetectedWithSni() {
        FakeFlow f = quicFlow(detector, 12).c(Vectors.rfc9369ClientInitial());
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("V-2", f.meta("quic", "version"));
        assertEquals("example.com", f.result().hostname());
    }

    @Test
    void cryptoFramesAreReassembledAcrossPacketsAndOutOfOrder() {
        byte[] ch = Vectors.CLIENT_HELLO;
        byte[] dcid = QuicVersions.hex("0011223344556677");
        // packet 1: the tail first, then the head (out of order inside the packet), PING and PADDING
        byte[] p1 = Vectors.sealInitial(QuicVersions.V1, dcid, 0, Vectors.concat(
            Vectors.cryptoFrame(0x06, 160, ch, 160, 81), new byte[] {0x01},
            Vectors.cryptoFrame(0x06, 0, ch, 0, 60)), 1162);
        // packet 2: an ACK frame, an overlapping retransmission of the head, then the middle
        byte[] p2 = Vectors.sealInitial(QuicVersions.V1, dcid, 1, Vectors.concat(
            new byte[] {0x02, 0x00, 0x00, 0x00, 0x00},
            Vectors.cryptoFrame(0x06, 40, ch, 40, 60),
            Vectors.cryptoFrame(0x06, 100, ch, 100, 60)), 1162);
        FakeFlow f = quicFlow(detector, 12).c(p1);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertNull(f.result().hostname(), "the ClientHello is not complete after packet 1");
        assertTrue(f.stateObject() instanceof QuicFlowState);
        assertEquals(2, ((QuicFlowState) f.stateObject()).ranges());
        f.s(Vectors.sealInitial(QuicVersions.V1, dcid, 0, new byte[] {0x01}, 100)); // not a client packet
        assertNull(f.result().hostname());
        assertTrue(f.collectWanted());
        f.c(p2);
        assertEquals("example.com", f.result().hostname());
        assertEquals("q13d0211an_62ed6f6ca7ad_4d634acda6c0", f.meta("quic", "ja4"));
        assertFalse(f.collectWanted(), "collection ends with the ClientHello");
        assertNull(f.stateObject());
    }

    @Test
    void cryptoBeyondTheBufferEndsCollectionCleanly() {
        byte[] ch = Vectors.CLIENT_HELLO;
        byte[] dcid = QuicVersions.hex("0102030405060708");
        QuicDetector small = newDetector(1024);
        byte[] big = Arrays.copyOf(ch, 200);
        big[1] = 0; big[2] = 0x10; big[3] = 0x00; // claims a 4096-byte ClientHello: more than the buffer
        FakeFlow f = quicFlow(small, 12).c(Vectors.sealInitial(QuicVersions.V1, dcid, 0,
            Vectors.cryptoFrame(0x06, 0, big, 0, 200), 1162));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(Boolean.TRUE, f.meta("quic", "client_hello_truncated"));
        assertNull(f.stateObject());
        assertTrue((f.slotValue() & QuicDetector.F_DONE) != 0, "nothing left to collect");
    }

    @Test
    void undecryptableInitialIsQuicWithoutSniThenRecovers() {
        byte[] bad = Vectors.rfc9001ClientInitial();
        bad[700] ^= 0x55;
        FakeFlow f = quicFlow(detector, 12).c(bad);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(Boolean.TRUE, f.meta("quic", "decryption_failed"));
        assertNull(f.result().hostname());
        f.c(Vectors.rfc9001ClientInitial());
        assertEquals("example.com", f.result().hostname());
        assertEquals(Boolean.FALSE, f.meta("quic", "decryption_failed"));
    }

    @Test
    void serverInitialFirstIsQuicWithoutSni() {
        byte[] pkt = Vectors.rfc9001ClientInitial();
        FakeFlow f = quicFlow(detector, 12).s(pkt);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertNull(f.result().hostname());
        assertNull(f.stateObject());
    }

    @Test
    void notQuicIsExcludedAtOnce() {
        byte[] unknownVersion = Vectors.rfc9001ClientInitial();
        unknownVersion[4] = 0x07;
        assertEquals(Verdict.EXCLUDED, quicFlow(detector, 12).c(unknownVersion).verdict());
        byte[] noFixedBit = Vectors.rfc9001ClientInitial();
        noFixedBit[0] &= (byte) ~0x40;
        assertEquals(Verdict.EXCLUDED, quicFlow(detector, 12).c(noFixedBit).verdict());
        byte[] longDcid = Vectors.rfc9001ClientInitial();
        longDcid[5] = 21;
        assertEquals(Verdict.EXCLUDED, quicFlow(detector, 12).c(longDcid).verdict());
        byte[] lengthTooBig = Vectors.rfc9001ClientInitial();
        lengthTooBig[16] = 0x4f; // Length 0xf9e > datagram
        assertEquals(Verdict.EXCLUDED, quicFlow(detector, 12).c(lengthTooBig).verdict());
        byte[] dnsQuery = QuicVersions.hex("abcd01000001000000000000076578616d706c6503636f6d0000010001");
        assertEquals(Verdict.EXCLUDED, quicFlow(detector, 12).c(dnsQuery).verdict());
        byte[] stun = QuicVersions.hex("000100002112a442b7e7a701bc34d686fa87dfae");
        assertEquals(Verdict.EXCLUDED, quicFlow(detector, 12).c(stun).verdict());
        byte[] shortHeader = QuicVersions.hex("4f01dfc0fe62c640773cdecefe01c64578ae81466044b212482bbdcd95bdf1");
        assertEquals(Verdict.EXCLUDED, quicFlow(detector, 12).c(shortHeader).verdict());
        byte[] clientVersionNegotiation = QuicVersions.hex("80000000000400112233000000000001");
        assertEquals(Verdict.EXCLUDED, quicFlow(detector, 12).c(clientVersionNegotiation).verdict());
    }

    @Test
    void versionNegotiationFromServer() {
        byte[] vn = QuicVersions.hex("8a000000000008f067a5502a4262b5" + "0a1a2a3a" + "00000001");
        FakeFlow f = quicFlow(detector, 12).s(vn);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(Boolean.TRUE, f.meta("quic", "version_negotiation"));
        assertEquals(Verdict.EXCLUDED, quicFlow(detector, 12).s(
            QuicVersions.hex("8a000000000008f067a5502a4262b5" + "0a1a2a3a")).verdict(), "no known version listed");
    }

    // ------------------------------------------------------------------ gQUIC

    /** A gQUIC tag message: tags and values in order (tags must be given sorted, as on the wire). */
    static byte[] tagMessage(String msg, Object... kv) {
        ByteArrayOutputStream idx = new ByteArrayOutputStream();
        ByteArrayOutputStream vals = new ByteArrayOutputStream();
        for (int i = 0; i < kv.length; i += 2) {
            byte[] tag = kv[i] instanceof byte[] ? (byte[]) kv[i] : ((String) kv[i]).getBytes(StandardCharsets.ISO_8859_1);
            byte[] val = kv[i + 1] instanceof byte[] ? (byte[]) kv[i + 1]
                : ((String) kv[i + 1]).getBytes(StandardCharsets.ISO_8859_1);
            vals.writeBytes(val);
            idx.writeBytes(Arrays.copyOf(tag, 4));
            int end = vals.size();
            idx.writeBytes(new byte[] {(byte) end, (byte) (end >> 8), (byte) (end >> 16), (byte) (end >> 24)});
        }
        int n = kv.length / 2;
        return Vectors.concat(msg.getBytes(StandardCharsets.ISO_8859_1), new byte[] {(byte) n, (byte) (n >> 8), 0, 0},
            idx.toByteArray(), vals.toByteArray());
    }

    static final byte[] CHLO = tagMessage("CHLO", "PAD", "\0\0\0\0\0\0", "SNI", "www.example.org",
        "UAID", "Chrome/120.0 Linux x86_64", "VER", "Q043");

    @Test
    void gquicQ043PublicHeaderWithClearTextChlo() {
        byte[] hdr = QuicVersions.hex("09" + "e71ad5d7756c4d4d" + "51303433" + "01");
        byte[] hash = new byte[12];
        byte[] frame = {(byte) 0xa0, 0x01, (byte) (CHLO.length >> 8), (byte) CHLO.length};
        FakeFlow f = quicFlow(detector, 12).c(Vectors.concat(hdr, hash, frame, CHLO, new byte[900]));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("Q043", f.meta("quic", "version"));
        assertEquals("www.example.org", f.result().hostname());
        assertEquals("Chrome/120.0 Linux x86_64", f.meta("quic", "user_agent"));
        assertEquals("Q043", f.meta("quic", "gquic_versions"));
    }

    @Test
    void gquicServerRejectionWithoutVersionFlag() {
        byte[] rej = tagMessage("REJ\0", "STK", "0123456789", "SNO", "abcdef", "CRT\u00ff", "certificates");
        byte[] hdr = QuicVersions.hex("08" + "2542daabb0353178" + "01");
        byte[] frames = QuicVersions.hex("40010300000600" + "a001" + String.format("%04x", rej.length));
        FakeFlow f = quicFlow(detector, 12).s(Vectors.concat(hdr, new byte[12], frames, rej));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("gQUIC", f.meta("quic", "version"));
        assertNull(f.result().hostname());
        byte[] broken = rej.clone();
        broken[8] = 'x'; // lowercase tag: not a gQUIC message
        assertEquals(Verdict.EXCLUDED, quicFlow(detector, 12).s(Vectors.concat(hdr, new byte[12], frames,
            broken)).verdict());
    }

    @Test
    void gquicQ046LongHeaderWithClearTextChlo() {
        byte[] hdr = QuicVersions.hex("c3" + "51303436" + "50" + "eacfe6e706df272d" + "00000001");
        byte[] frame = {(byte) 0xa0, 0x01, (byte) (CHLO.length >> 8), (byte) CHLO.length};
        FakeFlow f = quicFlow(detector, 12).c(Vectors.concat(hdr, new byte[12], frame, CHLO, new byte[800]));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("Q046", f.meta("quic", "version"));
        assertEquals("www.example.org", f.result().hostname());
        byte[] badCids = QuicVersions.hex("c3" + "51303436" + "55" + "eacfe6e706df272d" + "00000001");
        assertEquals(Verdict.EXCLUDED, quicFlow(detector, 12).c(Vectors.concat(badCids, new byte[40])).verdict());
    }

    @Test
    void gquicQ050EncryptedChloInCryptoFrame() {
        byte[] dcid = QuicVersions.hex("05e0dc1feb30d22b");
        byte[] pkt = Vectors.sealInitial(QuicVersions.Q050, dcid, 1,
            Vectors.cryptoFrame(0x08, 0, CHLO, 0, CHLO.length), 1200);
        FakeFlow f = quicFlow(detector, 12).c(pkt);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("Q050", f.meta("quic", "version"));
        assertEquals("www.example.org", f.result().hostname());
        assertEquals("Chrome/120.0 Linux x86_64", f.meta("quic", "user_agent"));
    }

    @Test
    void gquicT051TlsClientHelloInCryptoFrame() {
        byte[] dcid = QuicVersions.hex("05e0dc1feb30d22b");
        byte[] ch = Vectors.CLIENT_HELLO;
        byte[] pkt = Vectors.sealInitial(QuicVersions.T051, dcid, 1, Vectors.cryptoFrame(0x08, 0, ch, 0, ch.length), 1200);
        FakeFlow f = quicFlow(detector, 12).c(pkt);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("T051", f.meta("quic", "version"));
        assertEquals("example.com", f.result().hostname());
    }
}
