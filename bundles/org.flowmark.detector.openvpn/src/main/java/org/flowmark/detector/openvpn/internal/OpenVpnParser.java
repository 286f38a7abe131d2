/*
 * OpenVPN packet framing.
 *
 * References: OpenVPN source documentation "doc/doxygen/doc_protocol_overview.h" and the wire-protocol notes
 * (ssl_pkt.h, reliable.h, packet_id.h, tls_crypt.h) describing the opcode/key-id byte, the control channel
 * header (session id, optional tls-auth HMAC + packet-id + net time, ACK array, remote session id, message
 * packet-id), tls-crypt / tls-crypt-v2 wrapping, and the 2-byte length prefix on TCP.
 */
package org.flowmark.detector.openvpn.internal;

import org.flowmark.api.packet.PacketView;

/**
 * Pure functions over one OpenVPN packet (a UDP payload, or one record of a TCP stream without its length
 * prefix). Byte 0 holds the opcode (high 5 bits) and key id (low 3 bits); control packets then carry the
 * sender's 8-byte session id.
 *
 * <p>The control header after the session id depends on the configuration, which a passive observer does not
 * know, so every plausible <em>layout</em> is tried and the detector keeps those that stay consistent:
 * <ul>
 * <li>{@link #PLAIN}: ACK count (0..8), ACK packet ids (4 each), remote session id (8, when ACKs are present),
 *     message packet id (4, absent in P_ACK_V1), TLS payload;</li>
 * <li>tls-auth with an HMAC of 16, 20, 28, 32, 48 or 64 bytes (MD5 .. SHA-512): HMAC, replay packet id (4),
 *     net time (4), then as plain;</li>
 * <li>{@link #TLS_CRYPT}: replay packet id (4), net time (4), 32-byte tag, then the encrypted rest (at least
 *     the ACK count and message packet id).</li>
 * </ul>
 */
final class OpenVpnParser {

    static final int P_CONTROL_HARD_RESET_CLIENT_V1 = 1;
    static final int P_CONTROL_HARD_RESET_SERVER_V1 = 2;
    static final int P_CONTROL_SOFT_RESET_V1 = 3;
    static final int P_CONTROL_V1 = 4;
    static final int P_ACK_V1 = 5;
    static final int P_DATA_V1 = 6;
    static final int P_CONTROL_HARD_RESET_CLIENT_V2 = 7;
    static final int P_CONTROL_HARD_RESET_SERVER_V2 = 8;
    static final int P_DATA_V2 = 9;
    static final int P_CONTROL_HARD_RESET_CLIENT_V3 = 10;
    static final int P_CONTROL_WKC_V1 = 11;

    /** Layout indices: bit {@code 1 << layout} in a layout mask. */
    static final int PLAIN = 0;
    static final int TLS_CRYPT = 7;
    static final int LAYOUTS = 8;
    static final int ALL_LAYOUTS = (1 << LAYOUTS) - 1;
    /** HMAC bytes of each layout (0 for plain and tls-crypt, whose tag is fixed at 32). */
    private static final int[] HMAC = {0, 16, 20, 28, 32, 48, 64, 0};

    /** Largest ACK array (OpenVPN's RELIABLE_ACK_SIZE). */
    static final int MAX_ACKS = 8;
    /** Bytes a hard reset may carry after its header (early-negotiation TLVs of OpenVPN 2.6 and later). */
    static final int MAX_RESET_TRAILER = 64;
    static final int SESSION_ID_END = 9;
    static final int TLS_CRYPT_HEADER = SESSION_ID_END + 8 + 32;

    private OpenVpnParser() {
    }

    static int opcode(int firstByte) {
        return firstByte >>> 3;
    }

    static int keyId(int firstByte) {
        return firstByte & 7;
    }

    static boolean isData(int op) {
        return op == P_DATA_V1 || op == P_DATA_V2;
    }

    static boolean isControl(int op) {
        return op >= P_CONTROL_HARD_RESET_CLIENT_V1 && op <= P_CONTROL_WKC_V1 && !isData(op);
    }

    static boolean isClientReset(int op) {
        return op == P_CONTROL_HARD_RESET_CLIENT_V1 || op == P_CONTROL_HARD_RESET_CLIENT_V2
            || op == P_CONTROL_HARD_RESET_CLIENT_V3;
    }

    static boolean isServerReset(int op) {
        return op == P_CONTROL_HARD_RESET_SERVER_V1 || op == P_CONTROL_HARD_RESET_SERVER_V2;
    }

    static boolean isHardReset(int op) {
        return isClientReset(op) || isServerReset(op);
    }

    /** HMAC size of a tls-auth layout (0 for plain and tls-crypt). */
    static int hmacBytes(int layout) {
        return HMAC[layout];
    }

    /** Offset of the replay packet id of a tls-auth or tls-crypt layout, -1 for plain. */
    static int replayOffset(int layout) {
        if (layout == PLAIN) {
            return -1;
        }
        return layout == TLS_CRYPT ? SESSION_ID_END : SESSION_ID_END + HMAC[layout];
    }

    /** Offset of the ACK count in a plain or tls-auth layout, -1 for tls-crypt (encrypted there). */
    static int ackOffset(int layout) {
        if (layout == TLS_CRYPT) {
            return -1;
        }
        return layout == PLAIN ? SESSION_ID_END : SESSION_ID_END + HMAC[layout] + 8;
    }

    /**
     * The layouts under which control packet {@code p[o, o + len)} (opcode {@code op}, at least 9 bytes) is well
     * formed, as a mask: ACK count at most 8, P_ACK_V1 ending exactly after the ACK block, other packets leaving room for
     * the message packet id, hard resets with message packet id 0 and at most {@link #MAX_RESET_TRAILER} bytes
     * after it, client resets without ACKs, replay packet id and net time non-zero in tls-auth/tls-crypt, and
     * opcodes 10/11 (tls-crypt-v2) only under tls-crypt.
     */
    static int layouts(PacketView p, int o, int len, int op) {
        int mask = 0;
        boolean v3 = op == P_CONTROL_HARD_RESET_CLIENT_V3 || op == P_CONTROL_WKC_V1;
        for (int layout = 0; layout < LAYOUTS; layout++) {
            if (v3 && layout != TLS_CRYPT) {
                continue;
            }
            if (layout == TLS_CRYPT) {
                int min = TLS_CRYPT_HEADER + (op == P_ACK_V1 ? 1 + 4 + 8 : 1 + 4);
                if (len >= min && p.u32(o + SESSION_ID_END) != 0 && p.u32(o + SESSION_ID_END + 4) != 0) {
                    mask |= 1 << layout;
                }
                continue;
            }
            int a = ackOffset(layout);
            if (len <= a) {
                continue;
            }
            if (layout != PLAIN) {
                int r = replayOffset(layout);
                if (p.u32(o + r) == 0 || p.u32(o + r + 4) == 0) {
                    continue;
                }
            }
            int acks = p.u8(o + a);
            if (acks > MAX_ACKS || (acks > 0 && isClientReset(op)) || (acks == 0 && op == P_ACK_V1)) {
                continue;
            }
            int end = a + 1 + (acks > 0 ? 4 * acks + 8 : 0);
            if (op == P_ACK_V1) {
                if (len == end) {
                    mask |= 1 << layout;
                }
                continue;
            }
            if (len < end + 4) {
                continue;
            }
            if (isHardReset(op) && (p.u32(o + end) != 0 || len - end - 4 > MAX_RESET_TRAILER)) {
                continue;
            }
            mask |= 1 << layout;
        }
        return mask;
    }

    /**
     * The remote session id that a plain or tls-auth control packet echoes in its ACK block under
     * {@code layout}, or 0 when it carries no ACK (a real session id is never 0). The caller checked the layout
     * with {@link #layouts}.
     */
    static long echoedSession(PacketView p, int o, int len, int layout) {
        int a = ackOffset(layout);
        if (a < 0 || a >= len) {
            return 0;
        }
        int acks = p.u8(o + a);
        int at = a + 1 + 4 * acks;
        if (acks == 0 || at + 8 > len) {
            return 0;
        }
        return p.i64(o + at);
    }

    /** Name of the configuration a layout stands for. */
    static String mode(int layout) {
        if (layout == PLAIN) {
            return "tls";
        }
        return layout == TLS_CRYPT ? "tls-crypt" : "tls-auth";
    }
}
