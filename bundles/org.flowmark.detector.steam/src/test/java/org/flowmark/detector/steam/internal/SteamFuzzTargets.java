package org.flowmark.detector.steam.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.FuzzFrames;

/**
 * Coverage-guided fuzz targets (Jazzer). Without {@code JAZZER_FUZZ} each method replays the inputs under
 * {@code src/test/resources/org/flowmark/detector/steam/internal/SteamFuzzTargetsInputs/<method>/} as a regression
 * test; with {@code JAZZER_FUZZ=1} it fuzzes. Inputs are framed by {@link FuzzFrames}: byte 0 picks the flow setup,
 * then packets. The detector declares no exception: anything it throws, on any packet sequence, is a finding.
 */
class SteamFuzzTargets {

    @FuzzTest(maxDuration = "90s")
    void detector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        FakeFlow f = new FakeFlow(new SteamDetector(), 0, FakeFlow.UDP, (setup & 1) != 0 ? 27036 : 40_000, 27036);
        FuzzFrames.forEach(in, 40, f::send);
    }

    /** The parser alone on one raw datagram; a valid one must satisfy the length equation. */
    @FuzzTest(maxDuration = "60s")
    void parser(byte[] in) {
        ByteArrayPacketView v = new ByteArrayPacketView(in);
        if (SteamParser.msgType(v) != SteamParser.INVALID) {
            long h = v.u32le(8);
            if (16 + h + v.u32le(12 + (int) h) != in.length) {
                throw new AssertionError("accepted a datagram whose lengths do not add up");
            }
            SteamParser.clientId(v);
            SteamParser.instanceId(v);
        }
        if (in.length > 0) {
            Verdict verdict = new SteamDetector().inspect(new FakeFlow(new SteamDetector(), 0, FakeFlow.UDP, 1, 2), v);
            if (verdict == Verdict.NEED_MORE) {
                throw new AssertionError("the detector decides on the first packet");
            }
        }
    }
}
