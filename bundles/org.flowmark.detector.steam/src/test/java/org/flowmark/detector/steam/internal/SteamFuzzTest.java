package org.flowmark.detector.steam.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.flowmark.testkit.Mutator;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing in plain JUnit (the Jazzer targets are in {@link SteamFuzzTargets}): the
 * detector never throws, random payloads are never taken for Steam, and whatever is detected has the magic and
 * lengths that add up.
 */
class SteamFuzzTest {

    private static final int ITERATIONS = 100_000;

    @Test
    void randomPayloadsAreNotSteam() {
        Random rnd = new Random(0x57EA_0001L);
        SteamDetector d = new SteamDetector();
        byte[] magic = Hex.bytes(SteamParserTest.MAGIC);
        int detected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] b = new byte[1 + rnd.nextInt(600)];
            rnd.nextBytes(b);
            if ((i & 1) == 0 && b.length >= 8) {
                System.arraycopy(magic, 0, b, 0, 8); // only the lengths and the protobuf framing can reject it
            }
            FakeFlow f = new FakeFlow(d, 0, FakeFlow.UDP, 27036, 27036).send(true, b);
            if (f.verdict() == Verdict.DETECTED) {
                detected++;
            }
        }
        assertEquals(0, detected, "random payloads detected as Steam");
    }

    @Test
    void mutatedDatagramsNeverThrow() {
        Random rnd = new Random(42);
        SteamDetector d = new SteamDetector();
        String[] seeds = {SteamParserTest.DISCOVERY,
            SteamParserTest.datagram(SteamParserTest.HDR_STATUS, SteamParserTest.BODY_STATUS),
            SteamParserTest.datagram(SteamParserTest.HDR_FIXED, ""),
            SteamParserTest.datagram("", "")};
        int detected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] b = Mutator.mutate(rnd, Hex.bytes(seeds[rnd.nextInt(seeds.length)]));
            if (b.length == 0) {
                continue;
            }
            FakeFlow f = new FakeFlow(d, 0, FakeFlow.UDP, 27036, 27036).send(true, b);
            if (f.verdict() == Verdict.DETECTED) {
                detected++;
                ByteArrayPacketView v = new ByteArrayPacketView(b);
                long h = v.u32le(8);
                assertTrue(v.u32(0) == SteamParser.MAGIC_HI && v.u32(4) == SteamParser.MAGIC_LO, "magic");
                assertEquals(b.length, 16 + h + v.u32le(12 + (int) h), "lengths add up");
            }
        }
        assertTrue(detected > 0, "mutation kept no datagram valid: the mutator is broken");
        assertTrue(detected < ITERATIONS / 2, "most mutations must break the framing: " + detected);
    }
}
