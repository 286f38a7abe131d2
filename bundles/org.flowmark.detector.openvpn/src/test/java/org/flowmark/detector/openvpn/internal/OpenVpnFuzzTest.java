package org.flowmark.detector.openvpn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing in plain JUnit (Jazzer is not served by the build's registry): UDP and
 * TCP flows of random and mutated packets never make the detector throw, and random bytes are never OpenVPN.
 */
class OpenVpnFuzzTest {

    @Test
    void neverThrows() {
        String[] seedHex = {
            OpenVpnTest.clientReset(0, 0), OpenVpnTest.serverReset(0, 0), OpenVpnTest.clientReset(20, 1),
            OpenVpnTest.serverReset(20, 1), OpenVpnTest.ack("28", OpenVpnTest.CS, OpenVpnTest.SS, 20, 2, 0),
            OpenVpnTest.control(OpenVpnTest.CS, 20, 3, 1, 30), OpenVpnTest.crypt("50", OpenVpnTest.CS, 1, 200),
        };
        byte[][] seeds = new byte[seedHex.length][];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = Hex.bytes(seedHex[i]);
        }
        Random rnd = new Random(0xc0ffee);
        int randomDetected = 0;
        for (int iter = 0; iter < 20_000; iter++) {
            boolean tcp = rnd.nextBoolean();
            FakeFlow f = tcp ? OpenVpnTest.tcp() : OpenVpnTest.udp();
            boolean mutated = (iter & 1) == 0;
            for (int k = 0; k < 6 && f.verdict() == Verdict.NEED_MORE; k++) {
                byte[] b;
                if (mutated) {
                    byte[] s = seeds[rnd.nextInt(seeds.length)];
                    b = Arrays.copyOf(s, Math.max(1, s.length + rnd.nextInt(17) - 8));
                    for (int m = rnd.nextInt(3); m >= 0; m--) {
                        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    }
                    if (tcp) {
                        byte[] t = new byte[b.length + 2];
                        int declared = rnd.nextInt(4) == 0 ? rnd.nextInt(65536) : b.length;
                        t[0] = (byte) (declared >>> 8);
                        t[1] = (byte) declared;
                        System.arraycopy(b, 0, t, 2, b.length);
                        b = t;
                    }
                } else {
                    b = new byte[1 + rnd.nextInt(300)];
                    rnd.nextBytes(b);
                }
                f.send(rnd.nextInt(3) != 0, b);
            }
            if (!mutated && f.verdict() == Verdict.DETECTED) {
                randomDetected++;
            }
        }
        assertEquals(0, randomDetected);
    }
}
