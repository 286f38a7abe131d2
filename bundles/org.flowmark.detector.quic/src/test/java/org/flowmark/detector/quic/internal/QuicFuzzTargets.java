package org.flowmark.detector.quic.internal;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.FuzzFrames;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz targets (Jazzer). Without {@code JAZZER_FUZZ} each method replays the inputs under
 * {@code src/test/resources/org/flowmark/detector/quic/internal/QuicFuzzTargetsInputs/<method>/} as a regression test; with {@code JAZZER_FUZZ=1} it
 * fuzzes (see the README). Inputs are framed by {@link FuzzFrames}: byte 0 picks the flow setup, then packets.
 * The detector declares no exception: anything it throws, on any packet sequence, is a finding; the TLS
 * ClientHello parser may throw only its own {@link ClientHello.MalformedException}. Random bytes rarely get
 * through Initial decryption, so {@link #sealedInitials} seals the fuzzed plaintext (frames) into valid client
 * Initials first: that reaches CRYPTO reassembly and the ClientHello parse behind the AEAD.
 */
class QuicFuzzTargets {

    @FuzzTest(maxDuration = "90s")
    void detector(byte[] in) {
        int setup = FuzzFrames.setup(in);
        FakeFlow f = QuicDetectorTest.quicFlow(QuicDetectorTest.newDetector((setup & 1) != 0 ? 1200 : 4096), 8);
        FuzzFrames.forEach(in, 40, f::send);
    }

    /** Byte 0 bit 0: JA4 transport letter 't' rather than 'q'; the rest is one handshake message. */
    @FuzzTest(maxDuration = "90s")
    void clientHello(byte[] in) {
        if (in.length == 0) {
            return;
        }
        try {
            ClientHello.parse(new ByteArrayPacketView(in), 1, in.length - 1, (in[0] & 1) != 0 ? 't' : 'q');
        } catch (ClientHello.MalformedException expected) {
            // the declared error
        }
    }

    /** Each framed payload is the plaintext of a client Initial (version 1, or 2 when bit 0 of byte 0 is set). */
    @FuzzTest(maxDuration = "90s")
    void sealedInitials(byte[] in) {
        int setup = FuzzFrames.setup(in);
        long version = (setup & 1) != 0 ? QuicVersions.V2 : QuicVersions.V1;
        FakeFlow f = QuicDetectorTest.quicFlow(QuicDetectorTest.newDetector((setup & 2) != 0 ? 1200 : 4096), 8);
        long[] pn = {0};
        FuzzFrames.forEach(in, 6, (fromInitiator, plain) ->
            f.c(Vectors.sealInitial(version, Vectors.DCID, pn[0]++, plain, (setup & 4) != 0 ? 0 : 1162)));
    }

    /**
     * The short-header-only recogniser ({@link QuicShortHeaderDetector}) over framed datagrams; byte 0 is unused.
     * Seeds: 1-RTT flows with and without a zero-length DCID direction, and a look-alike with a constant byte 0.
     */
    @FuzzTest(maxDuration = "90s")
    void shortHeader(byte[] in) {
        FakeFlow f = new FakeFlow(new QuicShortHeaderDetector(), 0, FakeFlow.UDP, 50_000, 443);
        FuzzFrames.forEach(in, 16, f::send);
    }
}
