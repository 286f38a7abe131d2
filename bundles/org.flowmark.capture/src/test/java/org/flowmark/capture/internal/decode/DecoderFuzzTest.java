package org.flowmark.capture.internal.decode;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;

import org.flowmark.capture.internal.source.RawPacket;
import org.junit.jupiter.api.Test;

/**
 * 100,000 random and mutated packets through the decoder: it must only ever return a result code, never throw,
 * and an accepted packet's payload must lie inside the captured bytes.
 */
class DecoderFuzzTest {
    static final int[] LINK_TYPES = {0, 1, 9, 12, 14, 50, 101, 104, 105, 108, 113, 228, 229, 276, 147};

    @Test
    void randomAndMutatedPacketsOnlyYieldCodes() {
        SplittableRandom rnd = new SplittableRandom(0x5EED);
        List<Object[]> seeds = DecoderTest.vectors();
        Decoder decoder = new Decoder(new FragmentTable(64, FragmentTable.DEFAULT_TIMEOUT_NANOS));
        DecodedPacket out = new DecodedPacket();
        RawPacket raw = new RawPacket();
        byte[] area = new byte[4096];
        ByteBuffer buf = ByteBuffer.wrap(area);
        raw.buf = buf;
        long[] seen = new long[Decoder.RESULT_COUNT];
        for (int i = 0; i < 100_000; i++) {
            int len;
            int off = rnd.nextInt(16);
            int lt;
            if (i % 4 == 0) { // pure noise
                len = rnd.nextInt(200);
                for (int k = 0; k < len; k++) {
                    area[off + k] = (byte) rnd.nextInt(256);
                }
                lt = LINK_TYPES[rnd.nextInt(LINK_TYPES.length)];
            } else { // a valid vector with a few bytes flipped and maybe cut or extended
                Object[] seed = seeds.get(rnd.nextInt(seeds.size()));
                byte[] p = (byte[]) seed[1];
                lt = rnd.nextInt(20) == 0 ? LINK_TYPES[rnd.nextInt(LINK_TYPES.length)] : (Integer) seed[0];
                System.arraycopy(p, 0, area, off, p.length);
                len = p.length;
                int flips = 1 + rnd.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    area[off + rnd.nextInt(len)] = (byte) rnd.nextInt(256);
                }
                if (rnd.nextBoolean()) {
                    len = rnd.nextInt(len + 1);
                }
            }
            raw.offset = off;
            raw.caplen = len;
            raw.linkType = lt;
            raw.tsNanos = i * 1_000_000L;
            int r;
            try {
                r = decoder.decode(raw, out);
            } catch (RuntimeException e) {
                throw new AssertionError("packet " + i + " (link " + lt + ", " + len + " bytes) threw", e);
            }
            if (r < 0 || r >= Decoder.RESULT_COUNT) {
                fail("packet " + i + ": code " + r);
            }
            seen[r]++;
            if (r == Decoder.OK || r == Decoder.FRAGMENT_UNMATCHED) {
                assertTrue(out.payloadOffset >= off && out.payloadLength >= 0
                        && out.payloadOffset + out.payloadLength <= off + len,
                        "packet " + i + ": payload " + out.payloadOffset + "+" + out.payloadLength + " outside " + off
                                + "+" + len);
                assertTrue(out.ipVersion == 4 || out.ipVersion == 6);
            }
        }
        long total = 0;
        for (int c = 0; c < seen.length; c++) {
            total += seen[c];
            assertTrue(decoder.counters[c] == seen[c], "counter " + Decoder.RESULT_NAMES[c]);
        }
        assertTrue(total == 100_000);
        assertTrue(seen[Decoder.OK] > 10_000, "mutations should still decode often: " + seen[Decoder.OK]);
        assertTrue(seen[Decoder.TRUNCATED] > 0 && seen[Decoder.MALFORMED] > 0 && seen[Decoder.NOT_IP] > 0);
    }
}
