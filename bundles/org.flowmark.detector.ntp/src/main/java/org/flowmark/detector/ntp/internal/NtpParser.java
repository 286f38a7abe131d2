/*
 * NTP packet validation.
 *
 * References: RFC 5905 "Network Time Protocol Version 4" (section 7.3 packet header, 7.5 extension fields and MAC),
 * RFC 7822 (NTPv4 extension field lengths), RFC 1305 "NTP Version 3" (header, appendix B control messages),
 * RFC 4330 "SNTP v4", RFC 9327 "Control Messages Protocol for Use with NTPv4" (mode 6), and the mode 7
 * "private" request/response layout of the reference implementation (ntp_request.h).
 */
package org.flowmark.detector.ntp.internal;

import org.flowmark.api.packet.PacketView;

/**
 * Pure, allocation-free checks of one UDP payload as an NTP message. {@link #mode} returns the association mode
 * (1..7) of a valid message, or {@link #INVALID}.
 *
 * <p><b>Modes 1..5</b> (symmetric active/passive, client, server, broadcast): a 48-byte header; VN 1..4; stratum at
 * most 16; poll exponent in [-7, 17]; precision in [-32, 32] (real clocks give -32..0; chrony puts 32 in its client
 * requests, which carry no clock data); root delay and root dispersion below 256 s (their
 * first byte zero: the maximum dispersion of RFC 5905 is 16 s); a server or broadcast message carries a non-zero
 * transmit timestamp. What follows the header must be nothing, a MAC (4-byte key id with a 16-byte MD5 or 20-byte
 * SHA-1 digest, or a 4-byte crypto-NAK), or a chain of v4 extension fields (type, length: a multiple of 4 and at
 * least 16, RFC 7822) ending at the payload's end or before such a MAC.
 *
 * <p><b>Mode 6</b> (control): 12-byte header, opcode 0..31, {@code count} at most 468 data octets, and the payload
 * length equal to header + count padded to 4 octets, optionally followed by a 20- or 24-octet MAC; a request (R bit
 * clear) has no error bit and no more bit.
 *
 * <p><b>Mode 7</b> (private): 8-byte header; implementation 0, 2 or 3; request code below 64; the MBZ nibble zero;
 * error code 0..4 or 7 (0 and no more bit in a request);
 * item size at most 500 and {@code 8 + nitems * itemsize} within the payload, which is at most 8 + 500 data octets
 * plus an optional authenticator (key id and 16- or 20-octet digest, with padding).
 */
final class NtpParser {

    static final int INVALID = -1;
    static final int HEADER = 48;
    static final int MODE_SYMMETRIC_ACTIVE = 1;
    static final int MODE_SYMMETRIC_PASSIVE = 2;
    static final int MODE_CLIENT = 3;
    static final int MODE_SERVER = 4;
    static final int MODE_BROADCAST = 5;
    static final int MODE_CONTROL = 6;
    static final int MODE_PRIVATE = 7;

    private static final int CONTROL_HEADER = 12;
    private static final int CONTROL_MAX_DATA = 468;
    private static final int PRIVATE_HEADER = 8;
    private static final int PRIVATE_MAX_DATA = 500;

    private NtpParser() {
    }

    /** Version number (bits 3..5 of the first octet); the caller checks {@link #mode} first. */
    static int version(PacketView p) {
        return (p.u8(0) >> 3) & 7;
    }

    /** Stratum of a mode 1..5 message. */
    static int stratum(PacketView p) {
        return p.u8(1);
    }

    /** The association mode of a valid NTP message, or {@link #INVALID}. */
    static int mode(PacketView p) {
        int len = p.length();
        if (len < PRIVATE_HEADER) {
            return INVALID;
        }
        int b0 = p.u8(0);
        int mode = b0 & 7;
        int vn = (b0 >> 3) & 7;
        if (vn < 1 || vn > 4 || mode == 0) {
            return INVALID;
        }
        switch (mode) {
            case MODE_CONTROL:
                return control(p, len) ? mode : INVALID;
            case MODE_PRIVATE:
                return privateMode(p, len) ? mode : INVALID;
            default:
                return header(p, len, mode) ? mode : INVALID;
        }
    }

    private static boolean header(PacketView p, int len, int mode) {
        if (len < HEADER) {
            return false;
        }
        if (p.u8(1) > 16) {
            return false; // stratum 17..255 reserved
        }
        int poll = (byte) p.u8(2);
        int precision = (byte) p.u8(3);
        if (poll < -7 || poll > 17 || precision < -32 || precision > 32) {
            return false;
        }
        if (p.u8(4) != 0 || p.u8(8) != 0) {
            return false; // root delay / dispersion of 256 s or more (or negative)
        }
        if ((mode == MODE_SERVER || mode == MODE_BROADCAST) && p.i64(40) == 0) {
            return false; // a server always stamps its transmit time
        }
        return trailer(p, HEADER, len, (p.u8(0) >> 3) & 7);
    }

    /** What follows the 48-octet header: nothing, a MAC, or extension fields (v4) and maybe a MAC. */
    private static boolean trailer(PacketView p, int pos, int len, int vn) {
        int rest = len - pos;
        if (rest == 0 || isMacLength(rest)) {
            return true;
        }
        if (vn != 4 || (rest & 3) != 0) {
            return false;
        }
        // v4 extension fields: 16-bit type, 16-bit length (whole field, multiple of 4, >= 16), value
        while (pos < len) {
            rest = len - pos;
            if (isMacLength(rest) && pos > HEADER) {
                return true;
            }
            if (rest < 16) {
                return false;
            }
            int type = p.u16(pos);
            int flen = p.u16(pos + 2);
            if (type == 0 || flen < 16 || (flen & 3) != 0 || flen > rest) {
                return false;
            }
            pos += flen;
        }
        return true;
    }

    private static boolean isMacLength(int n) {
        return n == 4 || n == 20 || n == 24;
    }

    private static boolean control(PacketView p, int len) {
        if (len < CONTROL_HEADER) {
            return false;
        }
        int b1 = p.u8(1);
        boolean response = (b1 & 0x80) != 0;
        if (!response && (b1 & 0x60) != 0) {
            return false; // a request has neither the error nor the more bit
        }
        int count = p.u16(10);
        if (count > CONTROL_MAX_DATA) {
            return false;
        }
        int body = CONTROL_HEADER + ((count + 3) & ~3);
        int rest = len - body;
        if (rest < 0) {
            return false;
        }
        // data padded to 4 octets, then an optional MAC (key id + MD5 or SHA-1), itself 8-aligned in ntpd
        if (rest == 0 || rest == 20 || rest == 24) {
            return true;
        }
        int pad = (8 - (body & 7)) & 7;
        return pad != 0 && (rest == pad + 20 || rest == pad + 24);
    }

    private static boolean privateMode(PacketView p, int len) {
        int impl = p.u8(2);
        if (impl != 0 && impl != 2 && impl != 3) {
            return false;
        }
        if (p.u8(3) >= 64) {
            return false; // request codes of the reference implementation stop well below 64
        }
        if ((p.u8(6) & 0xf0) != 0) {
            return false; // MBZ nibble
        }
        int err = p.u8(4) >> 4;
        if (err == 5 || err == 6 || err > 7) {
            return false; // defined error codes: 0..4 and 7
        }
        if ((p.u8(0) & 0x80) == 0 && ((p.u8(0) & 0x40) != 0 || err != 0)) {
            return false; // a request has neither the more bit nor an error code
        }
        int nitems = p.u16(4) & 0x0fff;
        int itemSize = p.u16(6) & 0x0fff;
        if (itemSize > PRIVATE_MAX_DATA || nitems * itemSize > PRIVATE_MAX_DATA) {
            return false;
        }
        int data = PRIVATE_HEADER + nitems * itemSize;
        // requests are padded to a fixed 40- (or 48-)octet data area and may carry an authenticator
        int max = PRIVATE_HEADER + PRIVATE_MAX_DATA + 4 + 4 + 20;
        return len >= data && len <= max;
    }
}
