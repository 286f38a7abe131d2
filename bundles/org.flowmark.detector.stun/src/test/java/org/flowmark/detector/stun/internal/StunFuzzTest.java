package org.flowmark.detector.stun.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing in plain JUnit (Jazzer is not served by the package mirror here): the parser
 * and both detectors must never throw, and random bytes must essentially never pass as STUN.
 */
class StunFuzzTest {

    @Test
    void mutatedAndRandomInputs() {
        Random rnd = new Random(5389);
        StunDetector stun = StunDetectorTest.detector(2, true, true);
        RtpDetector rtp = new RtpDetector();
        String[] seeds = {StunParserTest.RFC5769_REQUEST, StunParserTest.RFC5769_RESPONSE,
            StunDetectorTest.ZOOM_CLASSIC_REQ, StunDetectorTest.TURN_ALLOCATE, RtpDetectorTest.rtp(1, 2, 0),
            "16fefd00000000000000000010" + "01000004000000000000000400000000"};
        int randomDetected = 0;
        for (int i = 0; i < 100_000; i++) {
            boolean random = rnd.nextInt(3) == 0;
            byte[] b;
            if (random) {
                b = new byte[1 + rnd.nextInt(120)];
                rnd.nextBytes(b);
            } else {
                b = Hex.bytes(seeds[rnd.nextInt(seeds.length)]);
                for (int m = rnd.nextInt(4); m >= 0; m--) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
                b = Arrays.copyOf(b, 1 + rnd.nextInt(b.length + 4));
            }
            ByteArrayPacketView v = new ByteArrayPacketView(b);
            StunParser.message(v, 0, b.length, true);
            StunParser.media(v);
            StunParser.channelData(v, 0, b.length, rnd.nextBoolean());
            FakeFlow f = new FakeFlow(stun, 16, rnd.nextBoolean() ? 6 : 17, 1, 3478);
            f.send(rnd.nextBoolean(), b).send(rnd.nextBoolean(), b);
            if (random && f.verdict() == Verdict.DETECTED) {
                randomDetected++;
            }
            new FakeFlow(rtp, 0, 17, 1, 2).send(true, b).send(false, b).send(true, b);
        }
        assertTrue(randomDetected < 5, "random bytes detected as STUN " + randomDetected + " times");
    }
}
