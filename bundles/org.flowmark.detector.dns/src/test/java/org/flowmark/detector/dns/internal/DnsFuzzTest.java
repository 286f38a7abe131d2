package org.flowmark.detector.dns.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing (Jazzer is not served by the build's repository): the parser and the
 * detector take any bytes without throwing, and the parser's answer is one of its three results.
 */
class DnsFuzzTest {

    private static final byte[][] SEEDS = {
        DnsParserTest.hex(DnsParserTest.QUERY_HEX),
        DnsParserTest.cnameResponse(),
        Wire.header(0, 0x8400, 0, 1, 0, 0).name("printer.local").rr(1, 0x8001, 120, 4).bytes(192, 168, 1, 9).bytes(),
    };

    @Test
    void mutatedAndRandomInputsNeverThrow() {
        Random rnd = new Random(20240611L);
        DnsDetector d = DnsDetectorTest.detector(1024);
        d.hints(new DnsDetectorTest.Hints());
        int parsed = 0;
        for (int i = 0; i < 100_000; i++) {
            byte[] b;
            if (i % 4 == 0) {
                b = new byte[1 + rnd.nextInt(300)];
                rnd.nextBytes(b);
            } else {
                byte[] s = SEEDS[rnd.nextInt(SEEDS.length)];
                b = Arrays.copyOf(s, Math.max(1, s.length + rnd.nextInt(9) - 4));
                int flips = 1 + rnd.nextInt(4);
                for (int k = 0; k < flips; k++) {
                    int at = rnd.nextInt(b.length);
                    b[at] = rnd.nextBoolean() ? (byte) rnd.nextInt(256) : (byte) (b[at] ^ (1 << rnd.nextInt(8)));
                }
            }
            ByteArrayPacketView v = new ByteArrayPacketView(b);
            for (int kind = 0; kind < 3; kind++) {
                int r = DnsParser.parse(v, 0, b.length, b.length, kind, new DnsMessage());
                assertTrue(r == DnsParser.OK || r == DnsParser.TRUNC || r == DnsParser.BAD);
                if (r == DnsParser.OK) {
                    parsed++;
                }
            }
            boolean tcp = (i & 1) == 0;
            FakeFlow f = tcp ? DnsDetectorTest.tcp(d) : DnsDetectorTest.udp(d);
            if (tcp) {
                f.c(Wire.header(0, 0, 0, 0, 0, 0).bytes()).s(b).s(b);
            } else {
                f.c(b).s(b);
            }
        }
        assertTrue(parsed > 1000, "mutations kept some valid messages: " + parsed);
    }
}
