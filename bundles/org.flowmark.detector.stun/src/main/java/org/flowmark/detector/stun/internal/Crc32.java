package org.flowmark.detector.stun.internal;

import org.flowmark.api.packet.PacketView;

/**
 * CRC-32 (ISO-HDLC, the one of ITU-T V.42, zlib and RFC 1952) over a {@link PacketView} window, for the STUN
 * FINGERPRINT attribute (RFC 8489 section 14.7). Table driven; allocates nothing.
 */
final class Crc32 {

    private static final int[] TABLE = new int[256];

    static {
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
            }
            TABLE[n] = c;
        }
    }

    private Crc32() {
    }

    /** CRC-32 of {@code v[from, to)} as an unsigned value. */
    static long of(PacketView v, int from, int to) {
        int c = 0xffffffff;
        for (int i = from; i < to; i++) {
            c = TABLE[(c ^ v.u8(i)) & 0xff] ^ (c >>> 8);
        }
        return (~c) & 0xffffffffL;
    }
}
