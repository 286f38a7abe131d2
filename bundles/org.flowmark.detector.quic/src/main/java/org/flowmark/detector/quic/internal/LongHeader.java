/*
 * QUIC long header (RFC 9000 section 17.2, invariants RFC 8999 section 5.1; Initial 17.2.2, 0-RTT 17.2.3,
 * Handshake 17.2.4, Retry 17.2.5, Version Negotiation 17.2.1), and the gQUIC Q046 variant (connection ID lengths
 * as two nibbles in one byte, each 0 or length - 3, clear-text payload).
 */
package org.flowmark.detector.quic.internal;

import org.flowmark.api.packet.PacketView;

/**
 * A reusable, mutable parse of one long header (one instance per thread, never shared). {@link #parse} fills the
 * fields and returns one of the {@code R_*} results; it never throws on any input.
 */
final class LongHeader {

    static final int R_INVALID = 0;
    static final int R_INITIAL = 1;
    /** A 0-RTT or Handshake packet: a length-delimited protected packet. */
    static final int R_OTHER = 2;
    static final int R_RETRY = 3;
    static final int R_VERSION_NEGOTIATION = 4;
    /** A gQUIC Q046 packet (clear text after the packet number). */
    static final int R_Q046 = 5;

    /** Bound of RFC 9000 for version 1 connection IDs. */
    static final int MAX_CID = 20;
    /** Smallest protected payload: 4 bytes assumed packet number + 16-byte sample (RFC 9001 section 5.4.2). */
    static final int MIN_PROTECTED = 20;

    int start;
    int b0;
    long version;
    int family;
    int dcidOff;
    int dcidLen;
    int scidOff;
    int scidLen;
    int tokenLen;
    /** Absolute offset of the (protected) packet number. */
    int pnOffset;
    /** Absolute end of this packet (start of the next coalesced packet). */
    int end;

    /** Parses the long header at {@code p[start, ...)}. */
    int parse(PacketView p, int start) {
        this.start = start;
        int len = p.length();
        if (len - start < 7) {
            return R_INVALID;
        }
        b0 = p.u8(start);
        if ((b0 & 0x80) == 0) {
            return R_INVALID;
        }
        version = p.u32(start + 1);
        if (version == 0) {
            return versionNegotiation(p, start, len);
        }
        family = QuicVersions.family(version);
        if (family == QuicVersions.UNKNOWN) {
            return R_INVALID;
        }
        if ((b0 & 0x40) == 0) {
            return R_INVALID; // fixed bit (RFC 9000 17.2); gQUIC sets it too
        }
        if (family == QuicVersions.GQUIC_Q046) {
            return q046(p, start, len);
        }
        int off = start + 5;
        dcidLen = p.u8(off);
        if (dcidLen > MAX_CID) {
            return R_INVALID;
        }
        dcidOff = off + 1;
        off = dcidOff + dcidLen;
        if (off >= len) {
            return R_INVALID;
        }
        scidLen = p.u8(off);
        if (scidLen > MAX_CID) {
            return R_INVALID;
        }
        scidOff = off + 1;
        off = scidOff + scidLen;
        if (off > len) {
            return R_INVALID;
        }
        if (QuicVersions.isRetryType(version, b0)) {
            // token + 16-byte integrity tag (v1); the drafts before 25 had an ODCID field instead
            end = len;
            return len - off >= 16 ? R_RETRY : R_INVALID;
        }
        boolean initial = QuicVersions.isInitialType(version, b0);
        tokenLen = 0;
        if (initial) {
            long t = Varint.readBounded(p, off, len);
            if (t < 0 || t > len) {
                return R_INVALID;
            }
            off += Varint.size(p.u8(off));
            tokenLen = (int) t;
            off += tokenLen;
        }
        long l = Varint.readBounded(p, off, len);
        if (l < MIN_PROTECTED) {
            return R_INVALID;
        }
        off += Varint.size(p.u8(off));
        if (l > len - off) {
            return R_INVALID; // the Length field must fit in the datagram
        }
        pnOffset = off;
        end = off + (int) l;
        return initial ? R_INITIAL : R_OTHER;
    }

    private int q046(PacketView p, int start, int len) {
        int cil = p.u8(start + 5);
        int d = cil >>> 4;
        int s = cil & 0x0f;
        dcidLen = d == 0 ? 0 : d + 3;
        scidLen = s == 0 ? 0 : s + 3;
        // gQUIC connection IDs are 8 bytes, one of the two is absent
        if (!((dcidLen == 8 && scidLen == 0) || (dcidLen == 0 && scidLen == 8))) {
            return R_INVALID;
        }
        dcidOff = start + 6;
        scidOff = dcidOff + dcidLen;
        pnOffset = scidOff + scidLen;
        int pnLen = (b0 & 3) + 1;
        end = len;
        return pnOffset + pnLen < len ? R_Q046 : R_INVALID;
    }

    /** RFC 9000 17.2.1: CID lengths up to 255, then a non-empty list of 32-bit versions. */
    private int versionNegotiation(PacketView p, int start, int len) {
        int off = start + 5;
        dcidLen = p.u8(off);
        dcidOff = off + 1;
        off = dcidOff + dcidLen;
        if (off >= len) {
            return R_INVALID;
        }
        scidLen = p.u8(off);
        scidOff = off + 1;
        off = scidOff + scidLen;
        int rest = len - off;
        if (rest < 4 || (rest & 3) != 0 || dcidLen > MAX_CID || scidLen > MAX_CID) {
            return R_INVALID;
        }
        boolean known = false;
        for (int i = off; i < len; i += 4) {
            long v = p.u32(i);
            if (QuicVersions.family(v) != QuicVersions.UNKNOWN) {
                known = true;
            }
        }
        pnOffset = off;
        end = len;
        return known ? R_VERSION_NEGOTIATION : R_INVALID;
    }
}
