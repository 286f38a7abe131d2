package org.flowmark.capture.internal.decode;

import java.nio.ByteBuffer;

import org.flowmark.capture.internal.source.RawPacket;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz target (Jazzer) for the decoder. Without {@code JAZZER_FUZZ} it replays the inputs under
 * {@code src/test/resources/org/flowmark/capture/internal/decode/DecoderFuzzTargetsInputs/decode/}; with
 * {@code JAZZER_FUZZ=1} it fuzzes (see the README). The decoder declares no exception: it answers every packet
 * with a result code, and the payload it reports lies inside the captured bytes.
 */
class DecoderFuzzTargets {

    /**
     * Byte 0 picks the link type (and, in its top bits, where the packet starts in the buffer); the framed
     * packets (see {@link FuzzFrames}) go through one decoder in turn, so fragments meet in its table.
     */
    @FuzzTest(maxDuration = "90s")
    void decode(byte[] in) {
        int setup = FuzzFrames.setup(in);
        int linkType = DecoderFuzzTest.LINK_TYPES[(setup & 0x0f) % DecoderFuzzTest.LINK_TYPES.length];
        int off = setup >>> 4;
        Decoder decoder = new Decoder(new FragmentTable(8, FragmentTable.DEFAULT_TIMEOUT_NANOS));
        DecodedPacket out = new DecodedPacket();
        RawPacket raw = new RawPacket();
        byte[] area = new byte[off + FuzzFrames.MAX_PACKET];
        raw.buf = ByteBuffer.wrap(area);
        long[] ts = {0};
        FuzzFrames.forEach(in, 16, (fromInitiator, p) -> {
            System.arraycopy(p, 0, area, off, p.length);
            raw.offset = off;
            raw.caplen = p.length;
            raw.wirelen = p.length;
            raw.linkType = linkType;
            raw.tsNanos = ts[0] += fromInitiator ? 1_000_000L : 40_000_000_000L; // some fragments time out
            int r = decoder.decode(raw, out);
            if (r < 0 || r >= Decoder.RESULT_COUNT) {
                throw new AssertionError("result code " + r);
            }
            if (r == Decoder.OK || r == Decoder.FRAGMENT_UNMATCHED) {
                // a reassembled datagram lives in the fragment table's own buffer
                int lo = out.buf == raw.buf ? off : 0;
                int hi = out.buf == raw.buf ? off + p.length : out.buf.capacity();
                if (out.payloadOffset < lo || out.payloadLength < 0 || out.payloadOffset + out.payloadLength > hi) {
                    throw new AssertionError("payload " + out.payloadOffset + "+" + out.payloadLength + " outside "
                        + lo + ".." + hi);
                }
                if (out.ipVersion != 4 && out.ipVersion != 6) {
                    throw new AssertionError("IP version " + out.ipVersion);
                }
            }
        });
    }
}
