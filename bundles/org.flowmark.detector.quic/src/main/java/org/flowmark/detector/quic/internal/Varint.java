/*
 * QUIC variable-length integers (RFC 9000 section 16): the two high bits of the first byte give the size
 * (1, 2, 4 or 8 bytes), the rest is the value, big-endian.
 */
package org.flowmark.detector.quic.internal;

import org.flowmark.api.packet.PacketView;

/** Reads QUIC varints from a {@link PacketView}; callers check {@code size(first byte)} against their bound. */
final class Varint {

    private Varint() {
    }

    /** Encoded size in bytes given the first byte. */
    static int size(int firstByte) {
        return 1 << (firstByte >>> 6);
    }

    /** The value at {@code off}; the caller has checked that {@code size(u8(off))} bytes are there. */
    static long read(PacketView v, int off) {
        int b = v.u8(off);
        switch (b >>> 6) {
            case 0: return b;
            case 1: return v.u16(off) & 0x3fff;
            case 2: return v.u32(off) & 0x3fffffffL;
            default: return v.i64(off) & 0x3fffffffffffffffL;
        }
    }

    /**
     * Reads a varint at {@code off} bounded by {@code end}: returns the value, or -1 when it does not fit. The size
     * is {@code size(v.u8(off))}.
     */
    static long readBounded(PacketView v, int off, int end) {
        if (off >= end) {
            return -1;
        }
        int s = size(v.u8(off));
        if (off + s > end) {
            return -1;
        }
        return read(v, off);
    }
}
