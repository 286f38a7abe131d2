package org.flowmark.detector.wireguard.internal;

import org.flowmark.api.detector.Budgets;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.FuzzFrames;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz targets (Jazzer). Without {@code JAZZER_FUZZ} they replay the inputs under
 * {@code src/test/resources/.../WireGuardFuzzTargetsInputs/<method>/} as regression tests; with it they fuzz.
 * Neither the parser nor the detector declares an exception: anything thrown is a finding.
 */
class WireGuardFuzzTargets {

    @FuzzTest(maxDuration = "60s")
    void parser(byte[] in) {
        ByteArrayPacketView p = new ByteArrayPacketView(in);
        int type = WireGuardParser.messageType(p);
        if (type == WireGuardParser.NONE) {
            return;
        }
        if (type == WireGuardParser.INITIATION || type == WireGuardParser.RESPONSE) {
            WireGuardParser.senderIndex(p);
        }
        if (type != WireGuardParser.INITIATION) {
            WireGuardParser.receiverIndex(p, type);
        }
        if (type == WireGuardParser.TRANSPORT) {
            WireGuardParser.counter(p);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void detector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        FakeFlow f = new FakeFlow(WireGuardTest.detector(1 + (setup & 7)), 0, 17, 43462, (setup & 0x80) != 0 ? 51820 : 4500)
                .inspectBudget(Budgets.DEFAULT_PACKETS_PER_FLOW).rejectRisks();
        FuzzFrames.forEach(in, 40, f::send);
    }
}
