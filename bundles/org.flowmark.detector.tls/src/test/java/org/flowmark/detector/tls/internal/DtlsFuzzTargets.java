package org.flowmark.detector.tls.internal;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.FuzzFrames;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz targets for DTLS (Jazzer). Without {@code JAZZER_FUZZ} each method replays the inputs under
 * {@code src/test/resources/org/flowmark/detector/tls/internal/DtlsFuzzTargetsInputs/<method>/} as a regression
 * test; with {@code JAZZER_FUZZ=1} it fuzzes. Nothing here may throw: the walker and the flow state report bad
 * input by their return values.
 */
class DtlsFuzzTargets {

    /**
     * Byte 0: bit 0 "from the responder", bit 1 a small reassembly bound; the rest is one datagram, walked twice by
     * the same flow state (a retransmission) and checked against the bound.
     */
    @FuzzTest(maxDuration = "90s")
    void datagram(byte[] in) {
        if (in.length < 2) {
            return;
        }
        int cap = (in[0] & 2) != 0 ? 1024 : DtlsDetector.DEFAULT_REASSEMBLY;
        DtlsFlowState st = new DtlsFlowState(cap);
        ByteArrayPacketView v = new ByteArrayPacketView(in, 1, in.length - 1);
        st.feed((in[0] & 1) == 0, v);
        st.feed((in[0] & 1) == 0, v);
        if (st.bufferedBytes() > 2 * cap) {
            throw new IllegalStateException("reassembly past its bound: " + st.bufferedBytes());
        }
    }

    /** Framed datagrams (see {@link FuzzFrames}) through the detector; byte 0 bit 0 picks the smallest bound. */
    @FuzzTest(maxDuration = "90s")
    void detector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        FakeFlow f = DtlsVectors.flow(DtlsVectors.detector((setup & 1) != 0 ? 1024 : DtlsDetector.DEFAULT_REASSEMBLY));
        FuzzFrames.forEach(in, 40, (fromInitiator, b) -> {
            if (fromInitiator) {
                f.c(b);
            } else {
                f.s(b);
            }
        });
    }
}
