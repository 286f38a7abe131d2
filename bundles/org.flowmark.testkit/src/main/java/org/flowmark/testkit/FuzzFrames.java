package org.flowmark.testkit;

import java.util.Arrays;

/**
 * The framing of a fuzz input into packets, shared by the detector bundles' fuzz targets so that seed files stay
 * readable: byte 0 picks the flow setup, then each packet is {@code [d len_hi7] [len_lo] payload}, where a clear
 * top bit {@code d} of the first byte means "from the initiator", a set one "from the responder", and a length past
 * the end is cut to what is left.
 */
public final class FuzzFrames {

    /** Packets of at most this many bytes (a jumbo-free Ethernet payload). */
    public static final int MAX_PACKET = 1600;

    private FuzzFrames() {
    }

    /** The flow-setup selector: byte 0, or 0 for an empty input. */
    public static int setup(byte[] in) {
        return in.length == 0 ? 0 : in[0] & 0xff;
    }

    /** Feeds each framed packet, at most {@code maxPackets}, to {@code sink(fromInitiator, bytes)}. */
    public static void forEach(byte[] in, int maxPackets, Sink sink) {
        int i = 1;
        for (int n = 0; n < maxPackets && i + 2 <= in.length; n++) {
            boolean fromInitiator = (in[i] & 0x80) == 0;
            int len = Math.min(((in[i] & 0x7f) << 8) | (in[i + 1] & 0xff), MAX_PACKET);
            i += 2;
            int end = Math.min(in.length, i + len);
            sink.packet(fromInitiator, Arrays.copyOfRange(in, i, end));
            i = end;
        }
    }

    /** Receives each framed packet (a fresh array per packet). */
    public interface Sink {
        void packet(boolean fromInitiator, byte[] payload);
    }
}
