package org.flowmark.detector.ssh.internal;

import java.util.Random;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing of the detector through the fake flow (Jazzer is not served by the package
 * mirror here, so this is plain JUnit): random segments and mutated valid conversations must never throw, and
 * the reassembly state must stay within the configured bound.
 */
class SshFuzzTest {

    @Test
    void randomAndMutatedInputsNeverThrow() {
        SshDetector d = SshDetectorTest.detector(1024);
        Random rnd = new Random(4253);
        byte[] valid = SshDetectorTest.concat(SshDetectorTest.ascii("SSH-2.0-OpenSSH_9.2\r\n"),
            SshDetectorTest.kexinit(SshDetectorTest.SERVER_LISTS));
        for (int i = 0; i < 30_000; i++) {
            FakeFlow f = new FakeFlow(d, 16, 6, 1, 22);
            for (int k = 0; k < 6; k++) {
                byte[] b;
                if (rnd.nextBoolean()) {
                    b = valid.clone();
                    for (int m = rnd.nextInt(6); m >= 0; m--) {
                        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    }
                    int from = rnd.nextInt(b.length);
                    b = java.util.Arrays.copyOfRange(b, from, from + 1 + rnd.nextInt(b.length - from));
                } else {
                    b = new byte[1 + rnd.nextInt(300)];
                    rnd.nextBytes(b);
                    if (rnd.nextInt(4) == 0) {
                        b[0] = 'S';
                    }
                }
                f.send(rnd.nextBoolean(), b);
                if (f.verdict() == Verdict.EXCLUDED) {
                    break;
                }
                Object st = f.stateObject();
                if (st instanceof SshFlowState) {
                    SshFlowState s = (SshFlowState) st;
                    for (SshFlowState.Side side : new SshFlowState.Side[] {s.client, s.server}) {
                        if (side.buf != null && side.buf.length > 1024) {
                            throw new AssertionError("buffer beyond bound: " + side.buf.length);
                        }
                    }
                }
            }
        }
    }
}
