package org.flowmark.detector.tls.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing of the DTLS walker, flow state and detector in plain JUnit (the coverage-guided
 * variant is {@link DtlsFuzzTargets}): nothing throws, the reassembly stays within its bound, mutated real
 * handshakes are still mostly DTLS and random bytes never are.
 */
class DtlsFuzzTest {

    private static final long SEED = 0xd715f022L;
    private static final List<List<FakeFlow.Segment>> FLOWS = List.of(DtlsVectors.DTLS12, DtlsVectors.DTLS10);

    private static byte[] mutate(byte[] in, SplittableRandom r) {
        byte[] b = in.clone();
        int kind = r.nextInt(6);
        if (kind == 0 && b.length > 1) {
            return Arrays.copyOf(b, r.nextInt(1, b.length));
        }
        if (kind == 1) { // splice: a record header's length or a fragment field set to an edge value
            int at = r.nextInt(Math.max(1, b.length - 3));
            int v = r.nextInt(4) == 0 ? 0xffff : r.nextInt(b.length + 20);
            b[at] = (byte) (v >> 8);
            b[at + 1] = (byte) v;
            return b;
        }
        int edits = 1 + r.nextInt(kind == 2 ? 24 : 3);
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
    void walkerAndStateNeverThrow() {
        SplittableRandom r = new SplittableRandom(SEED);
        List<FakeFlow.Segment> seeds = new ArrayList<>();
        FLOWS.forEach(seeds::addAll);
        for (int i = 0; i < 100_000; i++) {
            byte[] b;
            if (i % 4 == 0) {
                b = new byte[r.nextInt(1, 600)];
                for (int k = 0; k < b.length; k++) {
                    b[k] = (byte) r.nextInt(256);
                }
                if (r.nextBoolean()) { // a plausible first header over random content
                    b[0] = (byte) (20 + r.nextInt(7));
                    if (b.length > 2) {
                        b[1] = (byte) 0xfe;
                        b[2] = (byte) (r.nextBoolean() ? 0xfd : 0xff);
                    }
                }
            } else {
                b = mutate(seeds.get(r.nextInt(seeds.size())).payload(), r);
            }
            DtlsFlowState st = new DtlsFlowState(1024);
            ByteArrayPacketView v = new ByteArrayPacketView(b);
            DtlsRecords.plausibleStart(v);
            st.feed(r.nextBoolean(), v);
            st.feed(r.nextBoolean(), v);
            assertTrue(st.bufferedBytes() <= 2048, "buffer " + st.bufferedBytes());
        }
    }

    @Test
    void detectorNeverThrowsAndStaysBounded() {
        SplittableRandom r = new SplittableRandom(SEED + 1);
        int detected = 0;
        for (int i = 0; i < 20_000; i++) {
            List<FakeFlow.Segment> flow = FLOWS.get(r.nextInt(FLOWS.size()));
            FakeFlow f = DtlsVectors.flow(DtlsVectors.detector(1024));
            for (FakeFlow.Segment s : flow) {
                byte[] p = r.nextInt(3) == 0 ? mutate(s.payload(), r) : s.payload();
                f.at(s.timeNanos()).deliver(r.nextInt(20) == 0 != s.fromClient(), p, 0);
                Object st = f.stateObject();
                if (st instanceof DtlsFlowState) {
                    assertTrue(((DtlsFlowState) st).bufferedBytes() <= 2048);
                }
            }
            detected += f.verdict() == Verdict.DETECTED ? 1 : 0;
        }
        assertTrue(detected > 10_000, "mutations of real handshakes are still mostly DTLS: " + detected);
    }

    @Test
    void randomDatagramsAreNeverDtls() {
        SplittableRandom r = new SplittableRandom(SEED + 2);
        for (int i = 0; i < 50_000; i++) {
            FakeFlow f = DtlsVectors.flow(DtlsVectors.detector());
            for (int k = 0; k < 4 && f.verdict() == Verdict.NEED_MORE; k++) {
                byte[] b = new byte[r.nextInt(13, 400)];
                for (int j = 0; j < b.length; j++) {
                    b[j] = (byte) r.nextInt(256);
                }
                // give every datagram a valid-looking record header with a length that chains to its end
                b[0] = 22;
                b[1] = (byte) 0xfe;
                b[2] = (byte) 0xfd;
                b[3] = 0;
                b[4] = 0;
                b[11] = (byte) ((b.length - 13) >> 8);
                b[12] = (byte) (b.length - 13);
                f.deliver(r.nextBoolean(), b, 0);
            }
            assertTrue(f.verdict() != Verdict.DETECTED, "random content detected as DTLS");
        }
    }
}
