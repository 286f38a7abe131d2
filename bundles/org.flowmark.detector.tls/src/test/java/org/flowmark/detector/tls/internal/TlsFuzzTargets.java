package org.flowmark.detector.tls.internal;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.FuzzFrames;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz targets (Jazzer). Without {@code JAZZER_FUZZ} each method replays the inputs under
 * {@code src/test/resources/org/flowmark/detector/tls/internal/TlsFuzzTargetsInputs/<method>/} as a regression
 * test; with {@code JAZZER_FUZZ=1} it fuzzes (see the README). The hello and certificate parsers may throw only
 * {@link TlsFormatException}; the detector declares no exception at all.
 */
class TlsFuzzTargets {

    /**
     * Byte 0: bit 0 DTLS layout, bits 2..7 extra bytes the handshake header claims beyond those present (a
     * truncated ClientHello); the rest is one handshake body (after its 4-byte header), fed to every parser.
     */
    @FuzzTest(maxDuration = "90s")
    void parsers(byte[] in) {
        if (in.length == 0) {
            return;
        }
        boolean dtls = (in[0] & 1) != 0;
        int missing = (in[0] & 0xff) >>> 2;
        ByteArrayPacketView v = new ByteArrayPacketView(in);
        int len = in.length - 1;
        try {
            ClientHello.parse(v, 1, len + missing, len, dtls);
        } catch (TlsFormatException expected) {
            // the declared error
        }
        try {
            ServerHello.parse(v, 1, len, dtls);
        } catch (TlsFormatException expected) {
            // the declared error
        }
        try {
            Certificate.parse(v, 1, len);
        } catch (TlsFormatException expected) {
            // the declared error
        }
    }

    /** Framed packets (see {@link FuzzFrames}) through the detector with reassembly caps chosen by byte 0. */
    @FuzzTest(maxDuration = "90s")
    void detector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        FakeFlow f = TlsDetectorTest.flow((setup & 1) != 0 ? TlsDetectorTest.detector(512, 1024, true, true)
            : TlsDetectorTest.detector(4096, 16384, (setup & 2) != 0, (setup & 4) != 0));
        FuzzFrames.forEach(in, 40, (fromInitiator, b) -> {
            if (fromInitiator) {
                f.c(b);
            } else {
                f.s(b);
            }
        });
    }
}
