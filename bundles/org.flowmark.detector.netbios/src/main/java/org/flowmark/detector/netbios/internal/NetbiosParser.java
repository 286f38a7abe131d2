/*
 * NetBIOS over TCP/UDP message validation and name decoding.
 *
 * References: RFC 1001 "Protocol standard for a NetBIOS service on a TCP/UDP transport: concepts and methods"
 * (section 14: first-level name encoding), RFC 1002 "... detailed specifications" (4.1 name encoding, 4.2 name
 * service packets, 4.3 session service packets, 4.4 datagram service packets), MS-NBTE (opcode 9 refresh, 15
 * multi-homed registration).
 */
package org.flowmark.detector.netbios.internal;

import org.flowmark.api.packet.PacketView;

/**
 * Pure, allocation-free checks of one payload as a NetBIOS name service (UDP 137), datagram service (UDP 138) or
 * session service (TCP 139) message, and decoding of first-level encoded names (except {@link #decodeName}).
 *
 * <p><b>Encoded name</b>: length octet 32, 32 characters {@code 'A'..'P'} (two per name octet: high nibble, low
 * nibble), then the scope as labels of 1..63 octets, ending with a zero octet.
 *
 * <p><b>Name service</b> ({@link #nameService}): opcode 0 (query), 5 (registration), 6 (release), 7 (WACK),
 * 8 or 9 (refresh) or 15 (multi-homed registration); the two reserved NM_FLAGS bits clear; a request has RCODE 0,
 * QDCOUNT 1 and ANCOUNT 0, a response QDCOUNT 0 and ANCOUNT 1; NSCOUNT and ARCOUNT at most 1. Each question is an
 * encoded name, type NB (0x20) or NBSTAT (0x21), class IN; each resource record an encoded name (or a pointer to
 * the question's name at offset 12), a known type (A, NS, NULL, NB, NBSTAT), class IN, TTL, RDLENGTH and data;
 * the sections must consume the payload exactly.
 *
 * <p><b>Datagram service</b> ({@link #datagram}): message type 0x10..0x16; the four high flag bits clear. Direct
 * unique, direct group and broadcast datagrams (0x10..0x12) have DGM_LENGTH equal to the octets after their
 * 14-octet header and start with two encoded names (source, destination); an error datagram (0x13) is 11 octets
 * with error code 0x82..0x84; query requests and responses (0x14..0x16) are a 10-octet header and one encoded name,
 * nothing more.
 *
 * <p><b>Session service</b> ({@link #session}): type 0x00, 0x81..0x85; only the length-extension flag bit may be
 * set. A session request (0x81) carries exactly two encoded names (called, calling) in its length; a session
 * message (0x00) must hold an SMB header (0xFF, 0xFE or 0xFD then "SMB"); the short control messages must have
 * their fixed lengths (positive response and keep-alive 0, negative response 1 with a defined error code,
 * retarget 6).
 */
final class NetbiosParser {

    static final int INVALID = -1;

    static final int SESSION_REQUEST = 1;
    static final int SESSION_SMB = 2;
    /** A valid but short control message (0x82..0x85): too little to decide on alone. */
    static final int SESSION_CONTROL = 3;

    private static final int NS_HEADER = 12;
    private static final int ENCODED = 34;
    private static final int TYPE_A = 0x01;
    private static final int TYPE_NS = 0x02;
    private static final int TYPE_NULL = 0x0a;
    private static final int TYPE_NB = 0x20;
    private static final int TYPE_NBSTAT = 0x21;
    private static final int CLASS_IN = 0x01;

    private NetbiosParser() {
    }

    /**
     * Position after the encoded name at {@code pos} (scope included), or -1. With {@code pointer}, a compression
     * pointer to offset 12 (the question name) is accepted too.
     */
    static int nameEnd(PacketView p, int pos, int len, boolean pointer) {
        if (pointer && pos + 2 <= len && p.u16(pos) == 0xc000 + NS_HEADER) {
            return pos + 2;
        }
        if (pos + ENCODED > len || p.u8(pos) != 0x20) {
            return INVALID;
        }
        for (int i = pos + 1; i < pos + 33; i++) {
            int c = p.u8(i);
            if (c < 'A' || c > 'P') {
                return INVALID;
            }
        }
        int i = pos + 33;
        while (i < len) {
            int l = p.u8(i);
            if (l == 0) {
                return i + 1;
            }
            if (l > 63) {
                return INVALID;
            }
            i += 1 + l;
        }
        return INVALID;
    }

    /** The name octet {@code index} (0..15) of the encoded name at {@code pos}. */
    static int nameOctet(PacketView p, int pos, int index) {
        int at = pos + 1 + 2 * index;
        return ((p.u8(at) - 'A') << 4) | (p.u8(at + 1) - 'A');
    }

    /** The NetBIOS suffix (16th octet, the service type) of the encoded name at {@code pos}. */
    static int suffix(PacketView p, int pos) {
        return nameOctet(p, pos, 15);
    }

    /** The first 15 octets of the encoded name at {@code pos}, trailing blanks and NULs removed. Allocates. */
    static String decodeName(PacketView p, int pos) {
        char[] c = new char[15];
        int n = 0;
        for (int i = 0; i < 15; i++) {
            c[i] = (char) nameOctet(p, pos, i);
            if (c[i] != ' ' && c[i] != 0) {
                n = i + 1;
            }
        }
        return new String(c, 0, n);
    }

    /** Offset of the first encoded name of a valid name service message, or -1. */
    static int nameService(PacketView p) {
        int len = p.length();
        if (len < NS_HEADER + ENCODED + 4) {
            return INVALID;
        }
        int f = p.u16(2);
        boolean response = (f & 0x8000) != 0;
        int opcode = (f >> 11) & 0xf;
        int rcode = f & 0xf;
        if ((f & 0x0060) != 0) {
            return INVALID; // reserved NM_FLAGS bits
        }
        if (opcode != 0 && (opcode < 5 || opcode > 9) && opcode != 15) {
            return INVALID;
        }
        int qd = p.u16(4);
        int an = p.u16(6);
        int ns = p.u16(8);
        int ar = p.u16(10);
        if (ns > 1 || ar > 1) {
            return INVALID;
        }
        if (response ? qd != 0 || an != 1 : qd != 1 || an != 0 || rcode != 0) {
            return INVALID;
        }
        int pos = NS_HEADER;
        if (qd == 1) {
            pos = nameEnd(p, pos, len, false);
            if (pos < 0 || pos + 4 > len) {
                return INVALID;
            }
            int t = p.u16(pos);
            if ((t != TYPE_NB && t != TYPE_NBSTAT) || p.u16(pos + 2) != CLASS_IN) {
                return INVALID;
            }
            pos += 4;
        }
        for (int r = an + ns + ar; r > 0; r--) {
            pos = nameEnd(p, pos, len, pos > NS_HEADER);
            if (pos < 0 || pos + 10 > len) {
                return INVALID;
            }
            int t = p.u16(pos);
            if (t != TYPE_NB && t != TYPE_NBSTAT && t != TYPE_A && t != TYPE_NS && t != TYPE_NULL
                || p.u16(pos + 2) != CLASS_IN) {
                return INVALID;
            }
            pos += 10 + p.u16(pos + 8);
        }
        return pos == len ? NS_HEADER : INVALID;
    }

    /**
     * Offset of the encoded name to report (the source name of a datagram, the destination name of a query) of a
     * valid datagram service message, 0 for a valid error datagram (it has no name), or -1.
     */
    static int datagram(PacketView p) {
        int len = p.length();
        if (len < 11) {
            return INVALID;
        }
        int type = p.u8(0);
        if (type < 0x10 || type > 0x16 || (p.u8(1) & 0xf0) != 0) {
            return INVALID;
        }
        if (type <= 0x12) {
            if (len < 14 + 2 * ENCODED || p.u16(10) != len - 14) {
                return INVALID;
            }
            int dst = nameEnd(p, 14, len, false);
            return dst > 0 && nameEnd(p, dst, len, false) > 0 ? 14 : INVALID;
        }
        if (type == 0x13) {
            int code = p.u8(10);
            return len == 11 && code >= 0x82 && code <= 0x84 ? 0 : INVALID;
        }
        return nameEnd(p, 10, len, false) == len ? 10 : INVALID;
    }

    /** The kind of a valid session service message ({@link #SESSION_REQUEST}, ...), or -1. */
    static int session(PacketView p) {
        int len = p.length();
        if (len < 4) {
            return INVALID;
        }
        int type = p.u8(0);
        int flags = p.u8(1);
        if ((flags & 0xfe) != 0) {
            return INVALID;
        }
        int length = ((flags & 1) << 16) | p.u16(2);
        switch (type) {
            case 0x00:
                if (len < 8 || length < 32) {
                    return INVALID;
                }
                int m = p.u8(4);
                return (m == 0xff || m == 0xfe || m == 0xfd) && p.u8(5) == 'S' && p.u8(6) == 'M' && p.u8(7) == 'B'
                    ? SESSION_SMB : INVALID;
            case 0x81: {
                if (length != len - 4) {
                    return INVALID;
                }
                int calling = nameEnd(p, 4, len, false);
                return calling > 0 && nameEnd(p, calling, len, false) == len ? SESSION_REQUEST : INVALID;
            }
            case 0x82:
            case 0x85:
                return length == 0 && len == 4 ? SESSION_CONTROL : INVALID;
            case 0x83: {
                if (length != 1 || len != 5) {
                    return INVALID;
                }
                int code = p.u8(4);
                return code >= 0x80 && code <= 0x83 || code == 0x8f ? SESSION_CONTROL : INVALID;
            }
            case 0x84:
                return length == 6 && len == 10 ? SESSION_CONTROL : INVALID;
            default:
                return INVALID;
        }
    }
}
