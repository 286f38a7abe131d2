package org.flowmark.detector.dhcp.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Random;

import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Mutator;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing in plain JUnit (Jazzer is not available from the build's repository): the
 * detectors never throw, and random payloads are (almost) never taken for DHCP or DHCPv6.
 */
class DhcpFuzzTest {

    private static final int ITERATIONS = 100_000;

    private static int randomDetections(Detector d, long seed, boolean withCookie) {
        Random rnd = new Random(seed);
        int detected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] b = new byte[1 + rnd.nextInt(600)];
            rnd.nextBytes(b);
            if (withCookie && b.length > 244) {
                // the hard case for DHCPv4: a right op and cookie, random everything else
                b[0] = (byte) (1 + rnd.nextInt(2));
                b[236] = 0x63;
                b[237] = (byte) 0x82;
                b[238] = 0x53;
                b[239] = 0x63;
            }
            if (new FakeFlow(d, 4, FakeFlow.UDP, 68, 67).send(true, b).verdict() == Verdict.DETECTED) {
                detected++;
            }
        }
        return detected;
    }

    @Test
    void randomPayloadsAreNotDhcp() {
        int v4 = randomDetections(new DhcpDetector(), 1, false);
        int v6 = randomDetections(new Dhcpv6Detector(), 2, false);
        assertTrue(v4 <= 1, "random payloads detected as DHCP: " + v4);
        assertTrue(v6 <= 1, "random payloads detected as DHCPv6: " + v6);
    }

    @Test
    void randomPayloadsWithTheCookieAreRarelyDhcp() {
        // with op and cookie forced, the fixed-field and option-walk checks alone must still reject nearly all
        int v4 = randomDetections(new DhcpDetector(), 3, true);
        assertTrue(v4 <= 1, "random payloads with the magic cookie detected as DHCP: " + v4);
    }

    @Test
    void mutatedMessagesNeverThrow() {
        Random rnd = new Random(7);
        String[] seeds = {DhcpParserTest.DISCOVER, DhcpParserTest.OFFER, DhcpParserTest.BOOTP_REQUEST,
            Dhcpv6ParserTest.SOLICIT, Dhcpv6ParserTest.ADVERTISE, Dhcpv6ParserTest.RELAY_FORW,
            Dhcpv6ParserTest.INFO_REQUEST};
        Detector[] detectors = {new DhcpDetector(), new Dhcpv6Detector()};
        int detected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] b = Mutator.mutate(rnd, HexFormat.of().parseHex(seeds[rnd.nextInt(seeds.length)]));
            if (b.length == 0) {
                continue;
            }
            FakeFlow f = new FakeFlow(detectors[i & 1], 4, FakeFlow.UDP, 68, 67).send(true, b);
            if (f.verdict() == Verdict.DETECTED) {
                detected++;
                f.send(false, Mutator.mutate(rnd, b));
            }
        }
        assertTrue(detected > 0, "mutation kept no message valid: the mutator is broken");
    }
}
