package org.flowmark.detector.ssdp.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.FuzzFrames;

/**
 * Coverage-guided fuzz targets (Jazzer). Without {@code JAZZER_FUZZ} each method replays the inputs under
 * {@code src/test/resources/org/flowmark/detector/ssdp/internal/SsdpFuzzTargetsInputs/<method>/} as a regression test; with {@code JAZZER_FUZZ=1} it
 * fuzzes (see the README). Inputs are framed by {@link FuzzFrames}: byte 0 picks the flow setup, then packets.
 * The detector declares no exception: anything it throws, on any packet sequence, is a finding.
 */
class SsdpFuzzTargets {

    @FuzzTest(maxDuration = "90s")
    void detector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        FakeFlow f = new FakeFlow(new SsdpDetector(), 4, FakeFlow.UDP, 50_000, 1900);
        FuzzFrames.forEach(in, 40, f::send);
    }
}
