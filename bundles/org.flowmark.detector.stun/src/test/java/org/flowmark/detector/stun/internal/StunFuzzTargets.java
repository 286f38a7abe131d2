package org.flowmark.detector.stun.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.FuzzFrames;

/**
 * Coverage-guided fuzz targets (Jazzer). Without {@code JAZZER_FUZZ} each method replays the inputs under
 * {@code src/test/resources/org/flowmark/detector/stun/internal/StunFuzzTargetsInputs/<method>/} as a regression test; with {@code JAZZER_FUZZ=1} it
 * fuzzes (see the README). Inputs are framed by {@link FuzzFrames}: byte 0 picks the flow setup, then packets.
 * The detector declares no exception: anything it throws, on any packet sequence, is a finding.
 */
class StunFuzzTargets {

    @FuzzTest(maxDuration = "90s")
    void stunDetector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        FakeFlow f = new FakeFlow(StunDetectorTest.detector(1 + (setup & 3), (setup & 4) != 0, (setup & 8) != 0), 16, (setup & 16) != 0 ? 6 : 17, 50_000, 3478);
        FuzzFrames.forEach(in, 40, f::send);
    }

    @FuzzTest(maxDuration = "90s")
    void rtpDetector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        FakeFlow f = new FakeFlow(new RtpDetector(), 8, 17, 50_000, 40_000);
        FuzzFrames.forEach(in, 40, f::send);
    }
}
