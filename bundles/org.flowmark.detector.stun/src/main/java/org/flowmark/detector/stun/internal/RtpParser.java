/*
 * RTP / RTCP header checks. References: RFC 3550 sections 5.1 (RTP fixed header, CSRC list, padding), 5.3.1
 * (header extension), 6.4 (RTCP common header); RFC 5761 section 4 (payload types 64..95 are not RTP when RTP and
 * RTCP share a port).
 */
package org.flowmark.detector.stun.internal;

import org.flowmark.api.packet.PacketView;

/** Pure checks of RTP and RTCP headers over a {@link PacketView}. */
final class RtpParser {

    private RtpParser() {
    }

    /** True when {@code p} starts with a plausible RTP header (version 2, fields that fit, no RTCP-range PT). */
    static boolean rtpHeader(PacketView p) {
        return rtpHeader(p, 0, p.length());
    }

    /** RTP header check of {@code p[off, end)}. */
    static boolean rtpHeader(PacketView p, int off, int end) {
        int len = end - off;
        if (len < 12) {
            return false;
        }
        int b0 = p.u8(off);
        if ((b0 & 0xC0) != 0x80) {
            return false;
        }
        int pt = p.u8(off + 1) & 0x7f;
        if (pt >= 64 && pt <= 95) {
            return false;
        }
        int hdr = 12 + 4 * (b0 & 0x0f);
        if (hdr > len) {
            return false;
        }
        if ((b0 & 0x10) != 0) {
            if (hdr + 4 > len) {
                return false;
            }
            hdr += 4 + 4 * p.u16(off + hdr + 2);
            if (hdr > len) {
                return false;
            }
        }
        if ((b0 & 0x20) != 0) {
            int pad = p.u8(end - 1);
            if (pad == 0 || hdr + pad > len) {
                return false;
            }
        }
        return true;
    }

    /** True when {@code p[off, end)} starts with an RTCP header: version 2, type 192..223, a length that fits. */
    static boolean rtcpHeader(PacketView p, int off, int end) {
        if (end - off < 8) {
            return false;
        }
        if ((p.u8(off) & 0xC0) != 0x80) {
            return false;
        }
        int pt = p.u8(off + 1);
        if (pt < 192 || pt > 223) {
            return false;
        }
        return off + (p.u16(off + 2) + 1) * 4 <= end;
    }
}
