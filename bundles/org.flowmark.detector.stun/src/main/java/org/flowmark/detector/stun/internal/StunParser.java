/*
 * STUN/TURN message parsing.
 *
 * References: RFC 8489 (STUN, obsoletes RFC 5389): header with the two top bits zero, 16-bit length that counts
 * the attributes and is a multiple of 4, magic cookie 0x2112A442, 96-bit transaction id, TLV attributes padded to
 * 4 bytes, FINGERPRINT (CRC-32 xor 0x5354554E, always last); RFC 3489 (classic STUN, 128-bit transaction id, no
 * cookie); RFC 8656 (TURN: methods 3-9, ChannelData messages with channel numbers 0x4000-0x4FFF, framing over
 * TCP); RFC 5766 (TURN, channel numbers up to 0x7FFF); RFC 4571 (2-byte length framing of RTP/STUN over TCP, used
 * by Microsoft clients); RFC 7983 (demultiplexing STUN, ZRTP, DTLS, TURN channels and RTP/RTCP by first byte);
 * [MS-TURN] and [MS-ICE2] (Microsoft attributes MS-VERSION 0x8008, MS-SEQUENCE-NUMBER 0x8050,
 * MS-SERVICE-QUALITY 0x8055, MS-IMPLEMENTATION-VERSION 0x8070, MS-MULTIPLEXED-TURN-SESSION-ID 0x8095).
 */
package org.flowmark.detector.stun.internal;

import org.flowmark.api.packet.PacketView;

/**
 * Pure functions over a {@link PacketView}: STUN message validation, attribute look-up, XOR-MAPPED-ADDRESS
 * decoding, FINGERPRINT checking, ChannelData framing and RFC 7983 demultiplexing. Nothing here allocates except
 * the methods that build metadata strings (called once per flow and key).
 */
final class StunParser {

    static final long MAGIC_COOKIE = 0x2112A442L;
    static final long FINGERPRINT_XOR = 0x5354554EL;
    static final int HEADER = 20;

    static final int ATTR_MAPPED_ADDRESS = 0x0001;
    static final int ATTR_USERNAME = 0x0006;
    static final int ATTR_MESSAGE_INTEGRITY = 0x0008;
    static final int ATTR_REALM = 0x0014;
    static final int ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C;
    static final int ATTR_XOR_MAPPED_ADDRESS = 0x0020;
    static final int ATTR_SOFTWARE = 0x8022;
    static final int ATTR_FINGERPRINT = 0x8028;
    /** [MS-TURN] MAGIC-COOKIE attribute and its value. */
    static final int ATTR_MS_MAGIC_COOKIE = 0x000F;
    static final long MS_MAGIC_COOKIE = 0x72C64BC6L;

    // ---- result bits of message(): the message length in bits 0..15, flags above
    static final long R_LEN_MASK = 0xffffL;
    /** The message carries the RFC 5389/8489 magic cookie. */
    static final long R_MODERN = 1L << 16;
    /** A FINGERPRINT attribute was present and correct. */
    static final long R_FINGERPRINT = 1L << 17;
    /** A Microsoft [MS-TURN]/[MS-ICE2] attribute was present. */
    static final long R_MICROSOFT = 1L << 18;
    /** An attribute 0x0101..0x0103 of classic STUN, seen in Zoom's NAT discovery. */
    static final long R_ZOOM_ATTR = 1L << 19;
    /** A WhatsApp attribute (0x4000..0x4007) or method (message type 0x0800..0x0805). */
    static final long R_WHATSAPP = 1L << 20;
    /** The message is a request (class 0). */
    static final long R_REQUEST = 1L << 21;
    /** An [MS-TURN] message (MAGIC-COOKIE attribute first, unpadded attributes). */
    static final long R_MSTURN = 1L << 22;
    /** Bits 24..31: attribute count (capped at 255). */
    static final int R_ATTRS_SHIFT = 24;
    /** Not a STUN message. */
    static final long INVALID = -1L;

    private StunParser() {
    }

    /** STUN method of a message type (RFC 8489 section 5). */
    static int method(int type) {
        return (type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2);
    }

    /** STUN class of a message type: 0 request, 1 indication, 2 success response, 3 error response. */
    static int messageClass(int type) {
        return ((type >> 4) & 1) | ((type >> 7) & 2);
    }

    /**
     * Validates one STUN message starting at {@code off} that must fit in {@code [off, end)}. Returns
     * {@link #INVALID} or the message length (header included) with the R_ flags. A classic RFC 3489 message (no
     * magic cookie) is accepted only when {@code allowClassic}: Binding and Shared Secret types, with every
     * attribute inside the message.
     */
    static long message(PacketView v, int off, int end, boolean allowClassic) {
        if (end - off < HEADER) {
            return INVALID;
        }
        int type = v.u16(off);
        if ((type & 0xC000) != 0) {
            return INVALID;
        }
        int bodyLen = v.u16(off + 2);
        if (bodyLen > end - off - HEADER) {
            return INVALID;
        }
        if (bodyLen >= 8 && v.u32(off + 4) != MAGIC_COOKIE && v.u16(off + HEADER) == ATTR_MS_MAGIC_COOKIE
            && v.u16(off + HEADER + 2) == 4 && v.u32(off + HEADER + 4) == MS_MAGIC_COOKIE) {
            // [MS-TURN] (TURN draft 08 lineage): the magic cookie travels as the first attribute and attribute
            // values are not padded, so the length need not be a multiple of 4
            int m = type & 0x3EEF;
            return m >= 0x0001 && m <= 0x0009 || type == 0x0115 || type == 0x0106 || type == 0x0116
                ? (HEADER + bodyLen) | R_MICROSOFT | R_MSTURN | (messageClass(type) == 0 ? R_REQUEST : 0)
                : INVALID;
        }
        if ((bodyLen & 3) != 0) {
            return INVALID;
        }
        boolean modern = v.u32(off + 4) == MAGIC_COOKIE;
        long flags = 0;
        if (modern) {
            flags |= R_MODERN;
            int m = method(type);
            if (type >= 0x0800 && type <= 0x0805) {
                flags |= R_WHATSAPP;
            } else if (m < 0x001 || m > 0x00c) {
                return INVALID; // methods of RFC 8489 / RFC 8656 / RFC 6062 only
            }
        } else {
            if (!allowClassic) {
                return INVALID;
            }
            // RFC 3489: Binding (0x0001/0x0101/0x0111), Shared Secret (0x0002/0x0102/0x0112)
            int low = type & 0x00ff;
            int high = type & 0xff00;
            if ((low != 0x01 && low != 0x02 && low != 0x11 && low != 0x12) || (high != 0 && high != 0x0100)) {
                return INVALID;
            }
            if ((type & 0x10) != 0 && (type & 0x0100) == 0) {
                return INVALID;
            }
        }
        if (messageClass(type) == 0) {
            flags |= R_REQUEST;
        }
        int msgEnd = off + HEADER + bodyLen;
        int pos = off + HEADER;
        int count = 0;
        while (pos < msgEnd) {
            if (msgEnd - pos < 4) {
                return INVALID;
            }
            int at = v.u16(pos);
            int alen = v.u16(pos + 2);
            int next = pos + 4 + ((alen + 3) & ~3);
            if (next > msgEnd) {
                return INVALID;
            }
            switch (at) {
                case ATTR_FINGERPRINT:
                    if (!modern || alen != 4 || next != msgEnd) {
                        return INVALID; // FINGERPRINT is 4 bytes and always the last attribute
                    }
                    if ((Crc32.of(v, off, pos) ^ FINGERPRINT_XOR) != v.u32(pos + 4)) {
                        return INVALID;
                    }
                    flags |= R_FINGERPRINT;
                    break;
                case ATTR_MESSAGE_INTEGRITY:
                    if (alen != 20) {
                        return INVALID;
                    }
                    break;
                case ATTR_MESSAGE_INTEGRITY_SHA256:
                    if (alen < 16 || alen > 32 || (alen & 3) != 0) {
                        return INVALID;
                    }
                    break;
                case ATTR_MAPPED_ADDRESS:
                case ATTR_XOR_MAPPED_ADDRESS:
                    if (!addressValid(v, pos, alen)) {
                        return INVALID;
                    }
                    break;
                case 0x8008: case 0x8050: case 0x8055: case 0x8070: case 0x8095:
                    flags |= R_MICROSOFT;
                    break;
                case 0x0101: case 0x0102: case 0x0103:
                    if (!modern) {
                        flags |= R_ZOOM_ATTR;
                    }
                    break;
                default:
                    if (at >= 0x4000 && at <= 0x4007 && modern) {
                        flags |= R_WHATSAPP;
                    }
                    break;
            }
            if (count < 255) {
                count++;
            }
            pos = next;
        }
        return (HEADER + bodyLen) | flags | ((long) count << R_ATTRS_SHIFT);
    }

    private static boolean addressValid(PacketView v, int pos, int alen) {
        if (alen < 4) {
            return false;
        }
        int family = v.u8(pos + 5);
        return (family == 1 && alen == 8) || (family == 2 && alen == 20);
    }

    /**
     * Position of the first attribute of type {@code type} in the (validated) message at {@code off}, or -1.
     */
    static int find(PacketView v, int off, int type) {
        int msgEnd = off + HEADER + v.u16(off + 2);
        int pos = off + HEADER;
        while (pos + 4 <= msgEnd) {
            int alen = v.u16(pos + 2);
            if (v.u16(pos) == type) {
                return pos;
            }
            pos += 4 + ((alen + 3) & ~3);
        }
        return -1;
    }

    /** Text of a string attribute at {@code pos} (SOFTWARE, USERNAME, REALM), at most {@code max} characters. */
    static String text(PacketView v, int pos, int max) {
        int alen = Math.min(v.u16(pos + 2), max);
        int n = 0;
        while (n < alen) {
            int c = v.u8(pos + 4 + n);
            if (c == 0) {
                break;
            }
            n++;
        }
        // keep printable characters only: SOFTWARE is UTF-8 text, but the report must stay clean
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int c = v.u8(pos + 4 + i);
            sb.append(c >= 0x20 && c < 0x7f ? (char) c : c >= 0x80 ? (char) c : '.');
        }
        return sb.toString().trim();
    }

    /**
     * Decodes a (XOR-)MAPPED-ADDRESS attribute at {@code pos} of the message at {@code off} into "a.b.c.d:port" or
     * "[v6]:port"; {@code xor}: XOR-MAPPED-ADDRESS (RFC 8489 section 14.2), else plain MAPPED-ADDRESS.
     */
    static String address(PacketView v, int off, int pos, boolean xor) {
        int family = v.u8(pos + 5);
        int port = v.u16(pos + 6) ^ (xor ? 0x2112 : 0);
        if (family == 1) {
            long a = v.u32(pos + 8) ^ (xor ? MAGIC_COOKIE : 0);
            return ((a >>> 24) & 0xff) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff)
                + ":" + port;
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 8; i++) {
            int hi = v.u8(pos + 8 + 2 * i);
            int lo = v.u8(pos + 9 + 2 * i);
            if (xor) {
                // the mask is the cookie followed by the transaction id: bytes 4..19 of the header
                hi ^= v.u8(off + 4 + 2 * i);
                lo ^= v.u8(off + 5 + 2 * i);
            }
            if (i > 0) {
                sb.append(':');
            }
            sb.append(Integer.toHexString((hi << 8) | lo));
        }
        return sb.append("]:").append(port).toString();
    }

    /**
     * Length of a TURN ChannelData message at {@code off} (RFC 8656 section 12.4): channel number 0x4000..0x7FFF,
     * data length that fits; over TCP ({@code padded}) the message is padded to a multiple of 4. Returns the
     * bytes the message takes, or -1.
     */
    static int channelData(PacketView v, int off, int end, boolean padded) {
        if (end - off < 4) {
            return -1;
        }
        int ch = v.u16(off);
        if (ch < 0x4000 || ch > 0x7FFF) {
            return -1;
        }
        int dlen = v.u16(off + 2);
        int total = 4 + dlen;
        if (padded) {
            total = (total + 3) & ~3;
        }
        if (total > end - off) {
            return padded && 4 + dlen <= end - off ? end - off : -1;
        }
        if (!padded && end - off - total > 3) {
            return -1; // over UDP at most 3 bytes of padding may follow
        }
        return padded ? total : end - off;
    }

    // ---- RFC 7983 demultiplexing of what follows STUN on the same 5-tuple

    static final int MEDIA_NONE = 0;
    static final int MEDIA_DTLS = 1;
    static final int MEDIA_RTP = 2;
    static final int MEDIA_RTCP = 3;

    /**
     * Kind of a non-STUN packet on a STUN flow by its first byte (RFC 7983 section 7): 20..63 DTLS (checked:
     * content type 20..25, DTLS version 1.0/1.2/1.3 or the 0x0100 of pre-standard DTLS, record length inside the
     * packet), 128..191 RTP/RTCP (version 2; RTCP when the packet type is 192..223, RFC 5761).
     */
    static int media(PacketView v) {
        int len = v.length();
        if (len < 4) {
            return MEDIA_NONE;
        }
        int b = v.u8(0);
        if (b >= 20 && b <= 63) {
            if (len < 13 || b > 25) {
                return MEDIA_NONE;
            }
            int ver = v.u16(1);
            if (ver != 0xfeff && ver != 0xfefd && ver != 0xfefc && ver != 0x0100) {
                return MEDIA_NONE;
            }
            return 13 + v.u16(11) <= len ? MEDIA_DTLS : MEDIA_NONE;
        }
        if (b >= 128 && b <= 191 && len >= 8) {
            int pt = v.u8(1);
            if (pt >= 192 && pt <= 223) {
                return (v.u16(2) + 1) * 4 <= len ? MEDIA_RTCP : MEDIA_NONE;
            }
            return len >= 12 ? MEDIA_RTP : MEDIA_NONE;
        }
        return MEDIA_NONE;
    }
}
