package org.flowmark.detector.quic.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing in plain JUnit (Jazzer is not used here): random datagrams and mutated
 * valid packets (IETF v1/v2 Initials, gQUIC Q043/Q046/Q050, REJ, version negotiation) go through inspect and
 * collect; nothing may throw. The ClientHello parser may throw only its own MalformedException.
 */
class QuicFuzzTest {

    private static final long SEED = 0x5eed_c0de_2024L;
    private final QuicDetector detector = QuicDetectorTest.newDetector(2048);

    private static List<byte[]> seeds() {
        byte[] dcid = QuicVersions.hex("05e0dc1feb30d22b");
        byte[] chlo = QuicDetectorTest.CHLO;
        byte[] ch = Vectors.CLIENT_HELLO;
        return List.of(
            Vectors.rfc9001ClientInitial(),
            Vectors.rfc9369ClientInitial(),
            Vectors.sealInitial(0xff00001dL, dcid, 0, Vectors.concat(Vectors.cryptoFrame(0x06, 100, ch, 100, 141),
                Vectors.cryptoFrame(0x06, 0, ch, 0, 100)), 300),
            Vectors.sealInitial(QuicVersions.Q050, dcid, 1, Vectors.cryptoFrame(0x08, 0, chlo, 0, chlo.length), 300),
            Vectors.concat(QuicVersions.hex("09e71ad5d7756c4d4d5130343301"), new byte[12],
                new byte[] {(byte) 0xa0, 1, 0, (byte) chlo.length}, chlo),
            Vectors.concat(QuicVersions.hex("c3513034365000112233445566770000000100"), new byte[12],
                new byte[] {(byte) 0xa0, 1, 0, (byte) chlo.length}, chlo),
            Vectors.concat(QuicVersions.hex("082542daabb035317801"), new byte[12], QuicVersions.hex("a001"),
                new byte[] {0, (byte) chlo.length}, QuicDetectorTest.tagMessage("REJ\0", "STK", "abc", "CRT\u00ff",
                    "x")),
            QuicVersions.hex("8a000000000008f067a5502a4262b50a1a2a3a00000001"));
    }

    private static byte[] mutate(SplittableRandom r, byte[] in) {
        byte[] b = in.clone();
        int kind = r.nextInt(5);
        switch (kind) {
            case 0: { // flip bits in the header area
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    int at = r.nextInt(Math.min(b.length, 64));
                    b[at] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 1: // truncate
                return Arrays.copyOf(b, 1 + r.nextInt(b.length));
            case 2: { // random bytes anywhere
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
                return b;
            }
            case 3: { // extreme values at a random spot (lengths, varints)
                int at = r.nextInt(b.length);
                b[at] = (byte) (r.nextBoolean() ? 0xff : 0x00);
                if (at + 1 < b.length) {
                    b[at + 1] = (byte) 0xff;
                }
                return b;
            }
            default: // grow with garbage
                byte[] g = Arrays.copyOf(b, b.length + r.nextInt(64));
                for (int i = b.length; i < g.length; i++) {
                    g[i] = (byte) r.nextInt(256);
                }
                return g;
        }
    }

    @Test
    void randomDatagramsNeverThrow() {
        SplittableRandom r = new SplittableRandom(SEED);
        int detected = 0;
        for (int i = 0; i < 100_000; i++) {
            byte[] b = new byte[1 + r.nextInt(r.nextBoolean() ? 64 : 1400)];
            for (int k = 0; k < b.length; k++) {
                b[k] = (byte) r.nextInt(256);
            }
            if (r.nextInt(4) == 0) { // look like a v1 long header more often
                b[0] = (byte) (0xc0 | r.nextInt(64));
                if (b.length > 5) {
                    b[1] = 0; b[2] = 0; b[3] = 0; b[4] = 1;
                }
            }
            FakeFlow f = QuicDetectorTest.quicFlow(detector, 12).send(r.nextBoolean(), b);
            if (f.verdict() == Verdict.DETECTED) {
                detected++;
                f.send(true, b);
            }
        }
        // a random long header with version 1 and a consistent Length field is rare
        assertTrue(detected < 2_000, "random bytes detected as QUIC too often: " + detected);
    }

    @Test
    void mutatedPacketsNeverThrow() {
        SplittableRandom r = new SplittableRandom(SEED + 1);
        List<byte[]> seeds = seeds();
        for (byte[] s : seeds) {
            QuicDetectorTest.quicFlow(detector, 12).c(s); // every seed is valid as given
        }
        for (int i = 0; i < 30_000; i++) {
            byte[] a = mutate(r, seeds.get(r.nextInt(seeds.size())));
            FakeFlow f = QuicDetectorTest.quicFlow(detector, 12).send(r.nextInt(4) != 0, a);
            for (int k = 0; k < 3; k++) {
                f.send(r.nextInt(4) != 0, mutate(r, seeds.get(r.nextInt(seeds.size()))));
            }
        }
    }

    @Test
    void mutatedClientHellosThrowOnlyMalformed() {
        SplittableRandom r = new SplittableRandom(SEED + 2);
        for (int i = 0; i < 50_000; i++) {
            byte[] m = mutate(r, Vectors.CLIENT_HELLO);
            try {
                ClientHello.parse(new ByteArrayPacketView(m), 0, m.length, 'q');
            } catch (ClientHello.MalformedException expected) {
                // the parser's own error
            }
        }
    }

    @Test
    void mutatedShortHeaderFlowsNeverThrow() {
        SplittableRandom r = new SplittableRandom(SEED + 3);
        QuicShortHeaderDetector sh = new QuicShortHeaderDetector();
        byte[] cid = QuicVersions.hex("0011223344556677");
        int detected = 0;
        for (int i = 0; i < 20_000; i++) {
            FakeFlow f = new FakeFlow(sh, 0, FakeFlow.UDP, 50_000, 443);
            boolean mutateAll = r.nextInt(4) == 0;
            for (int k = 0; k < 12; k++) {
                boolean c = r.nextBoolean();
                byte[] b = ShortHeaderEvidenceTest.shortPacket(r, c ? cid : new byte[0], 21 + (c ? 8 : 0)
                    + r.nextInt(300));
                f.send(c, mutateAll || r.nextInt(8) == 0 ? mutate(r, b) : b);
            }
            if (f.verdict() == Verdict.DETECTED) {
                detected++;
            }
        }
        // unmutated flows (most of the 3/4 that are not mutated throughout) are recognised; mutated ones mostly not
        assertTrue(detected > 2_000 && detected < 18_000, "short-header flows detected: " + detected);
    }
}
