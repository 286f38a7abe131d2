/*
 * IKE / ISAKMP and ESP / AH header checks.
 *
 * References: RFC 7296 (IKEv2: header section 3.1, generic payload header 3.2, exchange types, payload types
 * 33-48 and the IANA registry up to 53), RFC 2408 (ISAKMP header and payloads 1-13), RFC 2409 (IKEv1 exchanges:
 * Quick Mode 32, New Group Mode 33), RFC 3947 (NAT-D 20, NAT-OA 21), RFC 3948 (UDP encapsulation: non-ESP
 * marker, NAT keepalive), RFC 4303 (ESP header), RFC 4302 (AH header).
 */
package org.flowmark.detector.ipsec.internal;

import org.flowmark.api.packet.PacketView;

/** Pure functions over UDP or IP payloads that recognise IKE messages and ESP/AH headers. No allocation. */
final class IkeParser {

    static final int HEADER = 28;
    static final int VERSION_1 = 0x10;
    static final int VERSION_2 = 0x20;
    /** IKEv2 exchange IKE_SA_INIT. */
    static final int IKE_SA_INIT = 34;
    /** IKEv2 payload types with which the rest of the message is encrypted: SK (46) and SKF (53). */
    static final int SK = 46;
    static final int SKF = 53;
    /** Bound on payloads walked in one message. */
    static final int MAX_PAYLOADS = 64;
    /** SPI values 1-255 are reserved by IANA, 0 is never sent (RFC 4303 section 2.1). */
    static final long MIN_SPI = 256;
    static final int ESP_HEADER = 8;
    /** Smallest ESP packet: SPI, sequence number, at least 8 bytes of protected data and trailer. */
    static final int MIN_ESP = 16;

    private IkeParser() {
    }

    /**
     * Checks that {@code p[off, end)} is exactly one IKE message and returns {@code version << 8 | exchange}
     * ({@code version} 1 or 2), or -1. Checked: non-zero initiator SPI; version 1.0 or 2.0; an exchange type of
     * that version; the length field equal to {@code end - off}; IKE_SA_INIT
     * with message id 0 and, for requests, a zero responder SPI; every other exchange with a non-zero responder
     * SPI (IKEv1 Base, Main, Aggressive Mode and Informational excepted); and, unless the body is encrypted, a
     * payload chain of plausible types whose generic headers (reserved bits zero) add up to the length exactly.
     * Reserved flag bits are ignored, as RFC 7296 section 3.1 tells receivers to do.
     */
    static int ike(PacketView p, int off, int end) {
        int n = end - off;
        if (n < HEADER) {
            return -1;
        }
        int version = p.u8(off + 17);
        if (version != VERSION_1 && version != VERSION_2) {
            return -1;
        }
        if (p.u32(off + 24) != n || p.i64(off) == 0) {
            return -1;
        }
        int next = p.u8(off + 16);
        int exchange = p.u8(off + 18);
        int flags = p.u8(off + 19);
        boolean responderSpi = p.i64(off + 8) != 0;
        if (version == VERSION_2) {
            if (!v2Exchange(exchange)) {
                return -1;
            }
            if (exchange == IKE_SA_INIT) {
                // message id 0; a request has no responder SPI yet (a response may lack one too: COOKIE, errors)
                if (p.u32(off + 20) != 0 || ((flags & 0x20) == 0 && responderSpi)) {
                    return -1;
                }
            } else if (!responderSpi) {
                return -1;
            }
            return walk(p, off + HEADER, end, next, true) ? (2 << 8) | exchange : -1;
        }
        if (!v1Exchange(exchange)) {
            return -1;
        }
        boolean opening = exchange == 2 || exchange == 4 || exchange == 1 || exchange == 5;
        if (!responderSpi && !opening) {
            return -1;
        }
        if ((flags & 0x01) != 0) {
            // encrypted body: only the first payload type can be checked
            return v1Payload(next) && next != 0 && responderSpi ? (1 << 8) | exchange : -1;
        }
        return walk(p, off + HEADER, end, next, false) ? (1 << 8) | exchange : -1;
    }

    /** Walks generic payload headers from {@code pos} with first type {@code next}; true when they end at end. */
    private static boolean walk(PacketView p, int pos, int end, int next, boolean v2) {
        for (int i = 0; i < MAX_PAYLOADS; i++) {
            if (next == 0) {
                return pos == end;
            }
            if (v2 ? !v2Payload(next) : !v1Payload(next)) {
                return false;
            }
            if (end - pos < 4) {
                return false;
            }
            int reserved = p.u8(pos + 1);
            if ((v2 ? reserved & 0x7f : reserved) != 0) {
                return false;
            }
            int plen = p.u16(pos + 2);
            if (plen < 4 || plen > end - pos) {
                return false;
            }
            if (v2 && (next == SK || next == SKF)) {
                return pos + plen == end; // the encrypted payload is the last one
            }
            next = p.u8(pos);
            pos += plen;
        }
        return false;
    }

    static boolean v2Exchange(int e) {
        return (e >= 34 && e <= 38) || e == 43 || e == 44;
    }

    static boolean v1Exchange(int e) {
        return (e >= 1 && e <= 5) || e == 32 || e == 33;
    }

    /** IKEv2 payload types: 33 and above (0-32 are reserved; 128-255 private use, RFC 7296 section 3.2). */
    static boolean v2Payload(int t) {
        return t >= 33;
    }

    /** ISAKMP payload types: 1-13 (RFC 2408), up to 21 for later RFCs (NAT-D, NAT-OA), 128-255 private use. */
    static boolean v1Payload(int t) {
        return (t >= 1 && t <= 21) || t >= 128;
    }

    /** A UDP datagram on port 4500 starting with the 4-byte non-ESP marker followed by an IKE message. */
    static boolean nonEspMarker(PacketView p) {
        return p.length() >= 4 + HEADER && p.u32(0) == 0;
    }

    /** A NAT-keepalive (RFC 3948 section 2.3): the single byte 0xFF. */
    static boolean natKeepalive(PacketView p) {
        return p.length() == 1 && p.u8(0) == 0xff;
    }

    /** ESP header plausibility at offset 0: length, SPI outside the reserved range, sequence number non-zero. */
    static boolean esp(PacketView p) {
        return p.length() >= MIN_ESP && p.u32(0) >= MIN_SPI && p.u32(4) != 0;
    }

    /**
     * AH header plausibility: header length ({@code (payload length + 2) * 4}) at least 12 and within the packet,
     * reserved field zero, SPI outside the reserved range, sequence number non-zero.
     */
    static boolean ah(PacketView p) {
        if (p.length() < 12) {
            return false;
        }
        int hlen = (p.u8(1) + 2) * 4;
        return hlen >= 12 && hlen <= p.length() && p.u16(2) == 0 && p.u32(4) >= MIN_SPI && p.u32(8) != 0;
    }

    /** Lowercase name of an exchange type of the given IKE version. */
    static String exchangeName(int version, int e) {
        if (version == 2) {
            switch (e) {
                case 34: return "ike_sa_init";
                case 35: return "ike_auth";
                case 36: return "create_child_sa";
                case 37: return "informational";
                case 38: return "ike_session_resume";
                case 43: return "ike_intermediate";
                case 44: return "ike_followup_ke";
                default: return "unknown";
            }
        }
        switch (e) {
            case 1: return "base";
            case 2: return "main_mode";
            case 3: return "authentication_only";
            case 4: return "aggressive_mode";
            case 5: return "informational";
            case 32: return "quick_mode";
            case 33: return "new_group_mode";
            default: return "unknown";
        }
    }
}
