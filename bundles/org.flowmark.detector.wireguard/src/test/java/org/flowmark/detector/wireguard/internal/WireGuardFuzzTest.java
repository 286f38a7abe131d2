package org.flowmark.detector.wireguard.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing (Jazzer is not served by the build's registry): the detector must never
 * throw, whatever the bytes and their order, and random bytes must practically never be WireGuard.
 */
class WireGuardFuzzTest {

    private static final String[] SEEDS = {
        WireGuardTest.initiation(0x01020304L), WireGuardTest.response(5, 0x01020304L), WireGuardTest.cookie(7),
        WireGuardTest.data(9, 3, 48),
    };

    @Test
    void neverThrows() {
        Random rnd = new Random(0x5eed);
        byte[][] seeds = new byte[SEEDS.length][];
        for (int i = 0; i < SEEDS.length; i++) {
            seeds[i] = Hex.bytes(SEEDS[i]);
        }
        int detectedRandom = 0;
        for (int iter = 0; iter < 20_000; iter++) {
            FakeFlow f = WireGuardTest.flow();
            boolean mutated = (iter & 1) == 0;
            for (int k = 0; k < 6 && f.verdict() == Verdict.NEED_MORE; k++) {
                byte[] b;
                if (mutated) {
                    byte[] s = seeds[rnd.nextInt(seeds.length)];
                    b = java.util.Arrays.copyOf(s, Math.max(1, s.length + rnd.nextInt(33) - 16));
                    for (int m = rnd.nextInt(4); m >= 0; m--) {
                        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    }
                } else {
                    b = new byte[1 + rnd.nextInt(200)];
                    rnd.nextBytes(b);
                }
                f.send(rnd.nextBoolean(), b);
            }
            if (!mutated && f.verdict() == Verdict.DETECTED) {
                detectedRandom++;
            }
        }
        assertTrue(detectedRandom == 0, "random bytes detected as WireGuard: " + detectedRandom);
    }
}
