package org.flowmark.detector.ssdp.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Mutator;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing in plain JUnit (Jazzer is not available from the build's repository): the
 * detector never throws, and random payloads are never taken for SSDP.
 */
class SsdpFuzzTest {

    private static final int ITERATIONS = 100_000;

    @Test
    void randomPayloadsAreNotSsdp() {
        Random rnd = new Random(11);
        SsdpDetector d = new SsdpDetector();
        String[] starts = {"M-SEARCH * HTTP/1.1\r\n", "NOTIFY * HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", ""};
        int detected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] head = starts[i & 3].getBytes(StandardCharsets.US_ASCII);
            byte[] b = new byte[head.length + 1 + rnd.nextInt(600)];
            rnd.nextBytes(b);
            System.arraycopy(head, 0, b, 0, head.length); // even with a right start line, random headers fail
            if (new FakeFlow(d, 4, FakeFlow.UDP, 50000, 1900).send(true, b).verdict() == Verdict.DETECTED) {
                detected++;
            }
        }
        assertTrue(detected <= 1, "random payloads detected as SSDP: " + detected);
    }

    @Test
    void mutatedMessagesNeverThrow() {
        Random rnd = new Random(12);
        SsdpDetector d = new SsdpDetector();
        String[] seeds = {SsdpParserTest.M_SEARCH, SsdpParserTest.NOTIFY, SsdpParserTest.RESPONSE};
        int detected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] b = Mutator.mutate(rnd, seeds[rnd.nextInt(seeds.length)].getBytes(StandardCharsets.US_ASCII));
            if (b.length == 0) {
                continue;
            }
            FakeFlow f = new FakeFlow(d, 4, FakeFlow.UDP, 50000, 1900).send(true, b);
            if (f.verdict() == Verdict.DETECTED) {
                detected++;
                f.send(false, Mutator.mutate(rnd, b));
            }
        }
        assertTrue(detected > 0, "mutation kept no message valid: the mutator is broken");
    }
}
