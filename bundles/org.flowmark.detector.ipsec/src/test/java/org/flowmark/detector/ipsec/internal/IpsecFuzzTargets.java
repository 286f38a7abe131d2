package org.flowmark.detector.ipsec.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.FuzzFrames;

/**
 * Coverage-guided fuzz targets (Jazzer). Without {@code JAZZER_FUZZ} each method replays the inputs under
 * {@code src/test/resources/org/flowmark/detector/ipsec/internal/IpsecFuzzTargetsInputs/<method>/} as a regression test; with {@code JAZZER_FUZZ=1} it
 * fuzzes (see the README). Inputs are framed by {@link FuzzFrames}: byte 0 picks the flow setup, then packets.
 * The detector declares no exception: anything it throws, on any packet sequence, is a finding.
 */
class IpsecFuzzTargets {
    private static final int[][] SHAPES = {{17, 10500, 500}, {17, 14500, 4500}, {17, 40000, 40001}, {50, 0, 0}, {51, 0, 0}};

    @FuzzTest(maxDuration = "90s")
    void detector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        FakeFlow f = IpsecTest.flow(SHAPES[setup % SHAPES.length][0], SHAPES[setup % SHAPES.length][1], SHAPES[setup % SHAPES.length][2]);
        FuzzFrames.forEach(in, 40, f::send);
    }
}
