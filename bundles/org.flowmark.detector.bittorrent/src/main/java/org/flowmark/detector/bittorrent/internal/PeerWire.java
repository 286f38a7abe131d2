/*
 * The BitTorrent peer wire handshake.
 *
 * References: BEP 3 "The BitTorrent Protocol Specification", section "peer protocol": the handshake is the byte 19,
 * the string "BitTorrent protocol", 8 reserved bytes, the 20-byte SHA-1 info hash and the 20-byte peer id, 68
 * bytes in all; BEP 10 (extension protocol, reserved bit 20 from the right), BEP 5 (DHT, last reserved bit), BEP 6
 * (fast extension, reserved bit 2 of the last byte); BEP 20 "Peer ID Conventions" (Azureus style
 * {@code -XXvvvv-} and Shadow/Mainline styles).
 */
package org.flowmark.detector.bittorrent.internal;

import java.nio.charset.StandardCharsets;

import org.flowmark.api.packet.PacketView;

/** Peer wire handshake recognition and peer id decoding; pure functions over a {@link PacketView}. */
final class PeerWire {

    /** The 20 bytes that open every handshake. */
    static final byte[] PREFIX = "\u0013BitTorrent protocol".getBytes(StandardCharsets.ISO_8859_1);
    static final int PREFIX_LEN = 20;
    static final int INFO_HASH_OFFSET = 28;
    static final int PEER_ID_OFFSET = 48;
    static final int HANDSHAKE_LEN = 68;

    /** {@link #prefix} results. */
    static final int NO = 0;
    static final int PARTIAL = 1;
    static final int YES = 2;

    private PeerWire() {
    }

    /** Whether the bytes at {@code off} open a handshake: YES (20 bytes match), PARTIAL (all present bytes match). */
    static int prefix(PacketView v, int off) {
        int avail = v.length() - off;
        if (avail <= 0 || v.u8(off) != 19) {
            return NO;
        }
        if (avail >= PREFIX_LEN) {
            return v.startsWith(off, PREFIX) ? YES : NO;
        }
        for (int i = 1; i < avail; i++) {
            if (v.u8(off + i) != (PREFIX[i] & 0xff)) {
                return NO;
            }
        }
        return PARTIAL;
    }

    /** Lowercase hex of {@code n} bytes at {@code off} (for metadata: allocates). */
    static String hex(PacketView v, int off, int n) {
        char[] out = new char[n * 2];
        for (int i = 0; i < n; i++) {
            int b = v.u8(off + i);
            out[2 * i] = Character.forDigit(b >>> 4, 16);
            out[2 * i + 1] = Character.forDigit(b & 15, 16);
        }
        return new String(out);
    }

    /**
     * The client-identifying prefix of a 20-byte peer id at {@code off}: {@code -XXvvvv-} for Azureus style, the
     * leading printable run (at most 10 bytes, e.g. {@code M7-4-3--} or {@code A2-1-37-0-}) otherwise, or null
     * when the id starts with a non-printable byte.
     */
    static String peerIdPrefix(PacketView v, int off) {
        if (azureus(v, off)) {
            return v.ascii(off, 8);
        }
        int n = 0;
        while (n < 10) {
            int c = v.u8(off + n);
            if (c < 0x21 || c > 0x7e) {
                break;
            }
            n++;
        }
        return n >= 3 ? v.ascii(off, n) : null;
    }

    /** The client's name decoded from the peer id at {@code off} (BEP 20 and common usage), or null. */
    static String client(PacketView v, int off) {
        if (azureus(v, off)) {
            String name = azureusName(v.u8(off + 1), v.u8(off + 2));
            return name;
        }
        int c0 = v.u8(off);
        int c1 = v.u8(off + 1);
        int c2 = v.u8(off + 2);
        if (c0 == 'A' && c1 == '2' && c2 == '-') {
            return "aria2";
        }
        if (c0 == 'M' && c1 >= '0' && c1 <= '9' && (c2 == '-' || c2 >= '0' && c2 <= '9')) {
            return "Mainline";
        }
        if (c0 == 'T' && c1 >= '0' && c1 <= '9' && (c2 == '-' || c2 >= '0' && c2 <= '9')) {
            return "BitTornado";
        }
        if (c0 == 'S' && c1 >= '0' && c1 <= '9' && (c2 == '-' || c2 >= '0' && c2 <= '9')) {
            return "Shadow";
        }
        return null;
    }

    private static boolean azureus(PacketView v, int off) {
        if (v.u8(off) != '-' || v.u8(off + 7) != '-') {
            return false;
        }
        for (int i = 1; i <= 2; i++) {
            int c = v.u8(off + i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '~')) {
                return false;
            }
        }
        for (int i = 3; i <= 6; i++) {
            int c = v.u8(off + i);
            if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static String azureusName(int a, int b) {
        switch (a << 8 | b) {
            case 'U' << 8 | 'T': return "uTorrent";
            case 'U' << 8 | 'M': return "uTorrent Mac";
            case 'U' << 8 | 'E': return "uTorrent Embedded";
            case 'T' << 8 | 'R': return "Transmission";
            case 'L' << 8 | 'T': return "libtorrent";
            case 'l' << 8 | 't': return "rTorrent";
            case 'q' << 8 | 'B': return "qBittorrent";
            case 'D' << 8 | 'E': return "Deluge";
            case 'A' << 8 | 'Z': return "Vuze";
            case 'B' << 8 | 'I': return "BiglyBT";
            case 'B' << 8 | 'T': return "BitTorrent";
            case 'B' << 8 | 'C': return "BitComet";
            case 'K' << 8 | 'T': return "KTorrent";
            case 'F' << 8 | 'D': return "Free Download Manager";
            case 'W' << 8 | 'W': return "WebTorrent";
            case 'X' << 8 | 'L': return "Xunlei";
            case 'S' << 8 | 'D': return "Thunder";
            case 'T' << 8 | 'X': return "Tixati";
            case 'F' << 8 | 'W': return "FrostWire";
            case 'P' << 8 | 'I': return "PicoTorrent";
            case 'A' << 8 | '2': return "aria2";
            default: return null;
        }
    }

    /** Names of the extensions flagged in the 8 reserved bytes at {@code off} (BEP 10, 5, 6), comma-separated. */
    static String extensions(PacketView v, int off) {
        StringBuilder sb = new StringBuilder();
        if ((v.u8(off + 5) & 0x10) != 0) {
            sb.append("extension_protocol");
        }
        if ((v.u8(off + 7) & 0x01) != 0) {
            sb.append(sb.length() > 0 ? "," : "").append("dht");
        }
        if ((v.u8(off + 7) & 0x04) != 0) {
            sb.append(sb.length() > 0 ? "," : "").append("fast");
        }
        return sb.toString();
    }
}
