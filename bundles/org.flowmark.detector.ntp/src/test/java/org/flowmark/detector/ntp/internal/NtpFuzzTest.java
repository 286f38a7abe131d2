package org.flowmark.detector.ntp.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Random;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Mutator;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing in plain JUnit (Jazzer is not available from the build's repository): the
 * detector never throws, and random payloads are (almost) never taken for NTP.
 */
class NtpFuzzTest {

    private static final int ITERATIONS = 100_000;
    private static final int[] LENGTHS = {8, 12, 20, 48, 52, 68, 72, 96};

    @Test
    void randomPayloadsAreNotNtp() {
        Random rnd = new Random(0x5EED_0123L);
        NtpDetector d = new NtpDetector();
        int detected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            int len = (i & 1) == 0 ? LENGTHS[rnd.nextInt(LENGTHS.length)] : 1 + rnd.nextInt(600);
            byte[] b = new byte[len];
            rnd.nextBytes(b);
            FakeFlow f = new FakeFlow(d, 2, FakeFlow.UDP, 40000, 123).send(true, b);
            if (f.verdict() == Verdict.DETECTED) {
                detected++;
            }
        }
        assertTrue(detected <= 1, "random payloads detected as NTP: " + detected + " in " + ITERATIONS);
    }

    @Test
    void mutatedMessagesNeverThrow() {
        Random rnd = new Random(42);
        NtpDetector d = new NtpDetector();
        String[] seeds = {NtpParserTest.CLIENT_V4, NtpParserTest.SERVER_V4, NtpParserTest.CLIENT_V3_MAC,
            NtpParserTest.CONTROL_REQ, NtpParserTest.CONTROL_RESP, NtpParserTest.PRIVATE_REQ,
            NtpParserTest.CLIENT_V4 + "01040010" + "00".repeat(12)};
        int detected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] b = HexFormat.of().parseHex(seeds[rnd.nextInt(seeds.length)]);
            b = Mutator.mutate(rnd, b);
            if (b.length == 0) {
                continue;
            }
            FakeFlow f = new FakeFlow(d, 2, FakeFlow.UDP, 40000, 123).send(true, b);
            if (f.verdict() == Verdict.DETECTED) {
                detected++;
                f.send(false, Mutator.mutate(rnd, b)); // collect() on garbage must not throw either
            }
        }
        assertTrue(detected > 0, "mutation kept no message valid: the mutator is broken");
    }
}
