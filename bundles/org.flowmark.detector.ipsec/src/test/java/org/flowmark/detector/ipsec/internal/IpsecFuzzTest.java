package org.flowmark.detector.ipsec.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing in plain JUnit (Jazzer is not served by the build's registry): the
 * detector never throws on UDP, ESP and AH flows, and random bytes on non-IPsec ports are never IKE.
 */
class IpsecFuzzTest {

    @Test
    void neverThrows() {
        byte[][] seeds = {
            Hex.bytes(IpsecTest.saInit()), Hex.bytes(IpsecTest.ikeAuth(80)), Hex.bytes(IpsecTest.mainMode()),
            Hex.bytes("00000000" + IpsecTest.saInit()), Hex.bytes("0354aa4f00000001" + Hex.rep(0x6d, 40)),
        };
        int[][] shapes = {{17, 10500, 500}, {17, 14500, 4500}, {17, 40000, 40001}, {50, 0, 0}, {51, 0, 0}};
        Random rnd = new Random(0x1ce);
        int randomDetected = 0;
        for (int iter = 0; iter < 20_000; iter++) {
            int[] shape = shapes[rnd.nextInt(shapes.length)];
            FakeFlow f = IpsecTest.flow(shape[0], shape[1], shape[2]);
            boolean mutated = (iter & 1) == 0;
            for (int k = 0; k < 5 && f.verdict() == Verdict.NEED_MORE; k++) {
                byte[] b;
                if (mutated) {
                    byte[] s = seeds[rnd.nextInt(seeds.length)];
                    b = Arrays.copyOf(s, Math.max(1, s.length + rnd.nextInt(17) - 8));
                    for (int m = rnd.nextInt(3); m >= 0; m--) {
                        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    }
                } else {
                    b = new byte[1 + rnd.nextInt(300)];
                    rnd.nextBytes(b);
                }
                f.send(rnd.nextBoolean(), b);
            }
            if (!mutated && shape[0] == 17 && shape[1] == 40000 && f.verdict() == Verdict.DETECTED) {
                randomDetected++;
            }
        }
        assertEquals(0, randomDetected);
    }
}
