package org.flowmark.detector.ntp.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.FuzzFrames;

/**
 * Coverage-guided fuzz targets (Jazzer). Without {@code JAZZER_FUZZ} each method replays the inputs under
 * {@code src/test/resources/org/flowmark/detector/ntp/internal/NtpFuzzTargetsInputs/<method>/} as a regression test; with {@code JAZZER_FUZZ=1} it
 * fuzzes (see the README). Inputs are framed by {@link FuzzFrames}: byte 0 picks the flow setup, then packets.
 * The detector declares no exception: anything it throws, on any packet sequence, is a finding.
 */
class NtpFuzzTargets {

    @FuzzTest(maxDuration = "90s")
    void detector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        FakeFlow f = new FakeFlow(new NtpDetector(), 2, FakeFlow.UDP, (setup & 1) != 0 ? 123 : 40_000, 123);
        FuzzFrames.forEach(in, 40, f::send);
    }
}
