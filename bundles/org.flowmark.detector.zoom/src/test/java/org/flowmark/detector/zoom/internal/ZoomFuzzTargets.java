package org.flowmark.detector.zoom.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.FuzzFrames;

/**
 * Coverage-guided fuzz targets (Jazzer). Without {@code JAZZER_FUZZ} each method replays the inputs under
 * {@code src/test/resources/org/flowmark/detector/zoom/internal/ZoomFuzzTargetsInputs/<method>/} as a regression test; with {@code JAZZER_FUZZ=1} it
 * fuzzes (see the README). Inputs are framed by {@link FuzzFrames}: byte 0 picks the flow setup, then packets.
 * The detector declares no exception: anything it throws, on any packet sequence, is a finding.
 */
class ZoomFuzzTargets {

    @FuzzTest(maxDuration = "90s")
    void detector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        FakeFlow f = new FakeFlow(new ZoomDetector(), 8, (setup & 2) != 0 ? 6 : 17, 50_000, (setup & 1) != 0 ? 8801 : 3000);
        FuzzFrames.forEach(in, 40, f::send);
    }
}
