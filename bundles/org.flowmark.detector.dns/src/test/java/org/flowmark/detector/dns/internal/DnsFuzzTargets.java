package org.flowmark.detector.dns.internal;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.FuzzFrames;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz targets (Jazzer). Without {@code JAZZER_FUZZ} each method replays the inputs under
 * {@code src/test/resources/org/flowmark/detector/dns/internal/DnsFuzzTargetsInputs/<method>/} as a regression test; with {@code JAZZER_FUZZ=1} it
 * fuzzes (see the README). Inputs are framed by {@link FuzzFrames}: byte 0 picks the flow setup, then packets.
 * The detector declares no exception: anything it throws, on any packet sequence, is a finding.
 */
class DnsFuzzTargets {
    private static final int[] PORTS = {53, 5353, 5355, 853};

    @FuzzTest(maxDuration = "90s")
    void detector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        int proto = (setup & 1) != 0 ? FakeFlow.TCP : FakeFlow.UDP;
        FakeFlow f = DnsDetectorTest.flow(DnsDetectorTest.detector(4096), proto, 40_000, PORTS[(setup >>> 1) % PORTS.length]);
        FuzzFrames.forEach(in, 40, f::send);
    }

    /** One message through the parser in each of its kinds; it answers with a code, never an exception. */
    @FuzzTest(maxDuration = "90s")
    void parser(byte[] in) {
        ByteArrayPacketView v = new ByteArrayPacketView(in);
        for (int kind = 0; kind < 3; kind++) {
            int r = DnsParser.parse(v, 0, in.length, in.length, kind, new DnsMessage());
            if (r != DnsParser.OK && r != DnsParser.TRUNC && r != DnsParser.BAD) {
                throw new AssertionError("result " + r);
            }
        }
    }
}
