package org.flowmark.detector.tls.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing (Jazzer's Java artifact is not served here, so plain JUnit): the parsers may
 * throw only {@link TlsFormatException}, the detector nothing at all, and reassembly stays within its caps.
 */
class TlsFuzzTest {

    private static final long SEED = 0x7f1a5eedL;
    private static final List<List<FakeFlow.Segment>> FLOWS = List.of(load("tls-1.2.hex"), load("tls-1.3.hex"),
        load("tls-weak.hex"), load("tls-split-ch.hex"));

    private static List<FakeFlow.Segment> load(String resource) {
        return FakeFlow.Segment.load(TlsFuzzTest.class, resource);
    }

    private static byte[] mutate(byte[] in, SplittableRandom r) {
        byte[] b = in.clone();
        int kind = r.nextInt(6);
        if (kind == 0 && b.length > 1) {
            return java.util.Arrays.copyOf(b, r.nextInt(1, b.length)); // truncate
        }
        int edits = 1 + r.nextInt(kind == 1 ? 32 : 4);
        for (int i = 0; i < edits; i++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(4)) {
                case 0: b[at] = (byte) r.nextInt(256); break;
                case 1: b[at] ^= (byte) (1 << r.nextInt(8)); break;
                case 2: b[at] = (byte) (r.nextBoolean() ? 0 : 0xff); break;
                default: b[at] = (byte) (b[at] + r.nextInt(-2, 3)); break;
            }
        }
        return b;
    }

    @Test
    void parsersThrowOnlyTheirOwnException() {
        SplittableRandom r = new SplittableRandom(SEED);
        List<byte[]> seeds = new ArrayList<>();
        for (List<FakeFlow.Segment> f : FLOWS) {
            for (FakeFlow.Segment s : f) {
                seeds.add(s.payload());
            }
        }
        for (int i = 0; i < 100_000; i++) {
            byte[] b;
            if (i % 4 == 0) {
                b = new byte[r.nextInt(1, 600)];
                for (int k = 0; k < b.length; k++) {
                    b[k] = (byte) r.nextInt(256);
                }
            } else {
                b = mutate(seeds.get(r.nextInt(seeds.size())), r);
            }
            ByteArrayPacketView v = new ByteArrayPacketView(b);
            int off = Math.min(b.length, i % 3 == 0 ? 9 : r.nextInt(Math.max(1, b.length)));
            int len = b.length - off;
            try {
                ClientHello.parse(v, off, len, r.nextInt(len + 1), (i & 1) == 0);
            } catch (TlsFormatException expected) {
                // fine
            }
            try {
                ServerHello.parse(v, off, len, (i & 2) == 0);
            } catch (TlsFormatException expected) {
                // fine
            }
            try {
                Certificate.parse(v, off, len);
            } catch (TlsFormatException expected) {
                // fine
            }
        }
    }

    @Test
    void detectorNeverThrowsAndStaysBounded() {
        SplittableRandom r = new SplittableRandom(SEED + 1);
        int detected = 0;
        for (int i = 0; i < 20_000; i++) {
            List<FakeFlow.Segment> flow = FLOWS.get(r.nextInt(FLOWS.size()));
            FakeFlow f = TlsDetectorTest.flow(TlsDetectorTest.detector(512, 1024, true, true));
            for (FakeFlow.Segment s : flow) {
                byte[] p = r.nextInt(3) == 0 ? mutate(s.payload(), r) : s.payload();
                long seq = r.nextInt(10) == 0 ? s.seq() + r.nextInt(-600, 600) : s.seq();
                f.at(s.timeNanos()).deliver(r.nextInt(20) == 0 != s.fromClient(), p, seq);
            }
            assertTrue(f.maxStateBytes() <= 1024, "buffer " + f.maxStateBytes());
            detected += f.verdict() == Verdict.DETECTED ? 1 : 0;
        }
        assertTrue(detected > 1000, "mutations of real handshakes are still mostly TLS: " + detected);
    }
}
