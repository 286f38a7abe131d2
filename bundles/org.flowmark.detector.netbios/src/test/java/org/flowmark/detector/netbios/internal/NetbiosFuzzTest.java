package org.flowmark.detector.netbios.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Random;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Mutator;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing in plain JUnit (Jazzer is not available from the build's repository): the
 * detector never throws, and random UDP or TCP payloads are (almost) never taken for NetBIOS.
 */
class NetbiosFuzzTest {

    private static final int ITERATIONS = 100_000;

    @Test
    void randomPayloadsAreNotNetbios() {
        Random rnd = new Random(21);
        NetbiosDetector d = new NetbiosDetector();
        int detected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] b = new byte[1 + rnd.nextInt(600)];
            rnd.nextBytes(b);
            if ((i & 3) == 1 && b.length >= 4) {
                b[0] = 0; // a 4-octet length prefix that fits: the classic framing of many binary protocols
                b[1] = 0;
                b[2] = (byte) ((b.length - 4) >> 8);
                b[3] = (byte) (b.length - 4);
            }
            FakeFlow f = new FakeFlow(d, 0, (i & 1) == 0 ? FakeFlow.UDP : FakeFlow.TCP, 50000, 139 - (i & 1) * 2);
            f.send(true, b);
            if (f.verdict() == Verdict.DETECTED) {
                detected++;
            }
        }
        assertTrue(detected <= 1, "random payloads detected as NetBIOS: " + detected);
    }

    @Test
    void mutatedMessagesNeverThrow() {
        Random rnd = new Random(22);
        NetbiosDetector d = new NetbiosDetector();
        String[] seeds = {NetbiosParserTest.QUERY, NetbiosParserTest.RESPONSE, NetbiosParserTest.REGISTRATION,
            NetbiosParserTest.NBSTAT, NetbiosParserTest.DATAGRAM, NetbiosParserTest.SESSION_REQUEST};
        int detected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            int s = rnd.nextInt(seeds.length);
            byte[] b = Mutator.mutate(rnd, HexFormat.of().parseHex(seeds[s]));
            if (b.length == 0) {
                continue;
            }
            FakeFlow f = new FakeFlow(d, 0, s == 5 ? FakeFlow.TCP : FakeFlow.UDP, 50000, 139);
            if (f.send(true, b).verdict() == Verdict.DETECTED) {
                detected++;
            }
        }
        assertTrue(detected > 0, "mutation kept no message valid: the mutator is broken");
    }
}
