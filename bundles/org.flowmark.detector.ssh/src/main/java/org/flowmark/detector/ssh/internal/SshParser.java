/*
 * SSH transport layer parsing.
 *
 * References: RFC 4253 (SSH transport: section 4.2 protocol version exchange "SSH-protoversion-softwareversion
 * SP comments CR LF", at most 255 characters, other lines the server may send first; section 6 binary packet
 * protocol uint32 packet_length, byte padding_length; section 7.1 SSH_MSG_KEXINIT = 20 with a 16-byte cookie and
 * ten name-lists, and the algorithm negotiation rule), RFC 4251 section 5 (name-list encoding), RFC 9142 and
 * RFC 8758 / RFC 9519 (deprecated key exchange methods, RC4 and other weak algorithms), RFC 8332 (ssh-rsa with
 * SHA-1). HASSH: Salesforce's published client/server fingerprint, MD5 of "kex;enc;mac;cmp".
 */
package org.flowmark.detector.ssh.internal;

import org.flowmark.api.packet.PacketView;

/** Pure functions over a {@link PacketView}: identification lines and KEXINIT messages. */
final class SshParser {

    /** Maximum identification line length including CR LF (RFC 4253 section 4.2). */
    static final int MAX_LINE = 255;
    static final int MSG_KEXINIT = 20;
    /** Name-lists of KEXINIT in wire order. */
    static final int KEX = 0;
    static final int HOST_KEY = 1;
    static final int ENC_C2S = 2;
    static final int ENC_S2C = 3;
    static final int MAC_C2S = 4;
    static final int MAC_S2C = 5;
    static final int CMP_C2S = 6;
    static final int CMP_S2C = 7;
    static final int LISTS = 10;

    /** Line results besides a position. */
    static final int NOT_SSH = -1;
    static final int INCOMPLETE = -2;

    private static final byte[] SSH_DASH = {'S', 'S', 'H', '-'};

    private SshParser() {
    }

    /**
     * Checks an identification line at {@code off}: "SSH-2.0-" or "SSH-1.99-" (also other "SSH-1.x-" versions),
     * then a non-empty software version of printable characters without space or '-'... in practice '-' is
     * tolerated after the first character (some implementations put it there), then optional comments, ending in
     * LF (CR LF per the RFC; a bare LF is accepted as OpenSSH does). Returns the index just past the LF,
     * {@link #INCOMPLETE} when the bytes so far are a valid prefix of such a line (shorter than 255), or
     * {@link #NOT_SSH}.
     */
    static int line(PacketView v, int off, int end) {
        int n = end - off;
        int k = Math.min(n, 4);
        for (int i = 0; i < k; i++) {
            if (v.u8(off + i) != SSH_DASH[i]) {
                return NOT_SSH;
            }
        }
        if (n < 4) {
            return INCOMPLETE;
        }
        // protoversion: digits '.' digits
        int i = off + 4;
        int digits = 0;
        while (i < end && isDigit(v.u8(i)) && digits < 3) {
            i++;
            digits++;
        }
        if (i == end) {
            return INCOMPLETE;
        }
        if (digits == 0 || v.u8(i) != '.') {
            return NOT_SSH;
        }
        int major = v.u8(off + 4) - '0';
        if (digits != 1 || (major != 1 && major != 2)) {
            return NOT_SSH;
        }
        i++;
        digits = 0;
        while (i < end && isDigit(v.u8(i)) && digits < 3) {
            i++;
            digits++;
        }
        if (i == end) {
            return INCOMPLETE;
        }
        if (digits == 0 || v.u8(i) != '-') {
            return NOT_SSH;
        }
        i++;
        int sw = i;
        while (i < end && i - off < MAX_LINE) {
            int c = v.u8(i);
            if (c == '\n') {
                int stop = i > sw && v.u8(i - 1) == '\r' ? i - 1 : i;
                return softwareEnd(v, sw, stop) > sw ? i + 1 : NOT_SSH;
            }
            if (c == '\r') {
                if (i + 1 < end && v.u8(i + 1) != '\n') {
                    return NOT_SSH;
                }
            } else if (c < 0x20 || c > 0x7e) {
                if (i == sw || c != '\t') {
                    return NOT_SSH;
                }
            }
            i++;
        }
        return i - off >= MAX_LINE ? NOT_SSH : INCOMPLETE;
    }

    /** End of the software version (first SP or the line end) starting at {@code sw}. */
    static int softwareEnd(PacketView v, int sw, int stop) {
        int i = sw;
        while (i < stop && v.u8(i) != ' ' && v.u8(i) != '\t') {
            i++;
        }
        return i;
    }

    /** The protocol version ("2.0", "1.99") of a complete line at {@code off}. */
    static String protoVersion(PacketView v, int off) {
        int dash = v.indexOf(off + 4, off + 12, '-');
        return v.ascii(off + 4, dash - off - 4);
    }

    /** The line without "SSH-", CR and LF: "2.0-OpenSSH_9.2p1 Debian-2" (for metadata). */
    static String identification(PacketView v, int off, int lineEnd) {
        int stop = lineEnd - 1;
        if (stop > off && v.u8(stop - 1) == '\r') {
            stop--;
        }
        return v.ascii(off, stop - off);
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /**
     * Total bytes (4 + packet_length) of the binary packet at {@code off} if its header is plausible for an
     * unencrypted packet (RFC 4253 section 6: padding 4..255, total a multiple of 8 is not required by every
     * implementation but packet_length must leave room for the payload), or -1. Needs 6 bytes.
     */
    static int packetSize(PacketView v, int off, int max) {
        long plen = v.u32(off);
        int pad = v.u8(off + 4);
        if (plen < 12 || plen > max || pad < 4 || pad >= plen) {
            return -1;
        }
        return (int) plen + 4;
    }

    /**
     * Parses the KEXINIT packet of {@code size} bytes at {@code off} (as returned by {@link #packetSize}) and
     * fills {@code lists} with the ten name-lists as strings. Returns false when it is not a well-formed KEXINIT.
     */
    static boolean kexinit(PacketView v, int off, int size, String[] lists) {
        int pad = v.u8(off + 4);
        int payloadEnd = off + size - pad;
        int i = off + 5;
        if (payloadEnd - i < 1 + 16 + 4 * LISTS + 1 + 4 || v.u8(i) != MSG_KEXINIT) {
            return false;
        }
        i += 1 + 16;
        int[] starts = new int[LISTS];
        int[] lens = new int[LISTS];
        for (int k = 0; k < LISTS; k++) {
            if (payloadEnd - i < 4) {
                return false;
            }
            long l = v.u32(i);
            if (l > payloadEnd - i - 4) {
                return false;
            }
            starts[k] = i + 4;
            lens[k] = (int) l;
            for (int j = 0; j < l; j++) {
                int c = v.u8(i + 4 + j);
                if (c <= 0x20 || c >= 0x7f) {
                    return false; // name-lists are US-ASCII names separated by commas
                }
            }
            i += 4 + (int) l;
        }
        if (payloadEnd - i < 5 || v.u8(i) > 1) {
            return false; // first_kex_packet_follows, then the reserved uint32
        }
        if (lens[KEX] == 0 || lens[HOST_KEY] == 0 || lens[ENC_C2S] == 0 || lens[ENC_S2C] == 0) {
            return false;
        }
        for (int k = 0; k < LISTS; k++) {
            lists[k] = v.ascii(starts[k], lens[k]);
        }
        return true;
    }

    /** The HASSH input for one side: "kex;enc;mac;cmp" of the given direction's lists. */
    static String hasshInput(String[] lists, boolean client) {
        return lists[KEX] + ';' + lists[client ? ENC_C2S : ENC_S2C] + ';' + lists[client ? MAC_C2S : MAC_S2C]
            + ';' + lists[client ? CMP_C2S : CMP_S2C];
    }

    /** RFC 4253 section 7.1: the first algorithm of the client's list that the server also lists, or null. */
    static String negotiate(String client, String server) {
        if (client == null || server == null) {
            return null;
        }
        String[] s = server.split(",");
        for (String c : client.split(",")) {
            for (String x : s) {
                if (c.equals(x)) {
                    return c;
                }
            }
        }
        return null;
    }

    /**
     * True for an algorithm this detector calls weak: key exchange with 1024-bit groups or SHA-1
     * ({@code diffie-hellman-group1-sha1}, {@code diffie-hellman-group14-sha1},
     * {@code diffie-hellman-group-exchange-sha1}, {@code rsa1024-sha1}, {@code gss-group1-sha1-*}); host keys
     * {@code ssh-dss} and {@code ssh-rsa} (SHA-1 signatures, RFC 8332); ciphers in CBC mode ({@code *-cbc},
     * including 3des-cbc, blowfish-cbc, cast128-cbc), RC4 ({@code arcfour*}), DES and {@code none}; MACs
     * {@code hmac-md5*}, {@code hmac-sha1-96*}, {@code hmac-ripemd160*}, {@code umac-32} and {@code none}.
     */
    static boolean weak(String alg) {
        if (alg == null) {
            return false;
        }
        switch (alg) {
            case "diffie-hellman-group1-sha1":
            case "diffie-hellman-group14-sha1":
            case "diffie-hellman-group-exchange-sha1":
            case "rsa1024-sha1":
            case "ssh-dss":
            case "ssh-rsa":
            case "none":
            case "des":
            case "umac-32@openssh.com":
                return true;
            default:
                break;
        }
        return alg.startsWith("gss-group1-sha1-") || alg.endsWith("-cbc") || alg.contains("-cbc@")
            || alg.startsWith("arcfour") || alg.startsWith("hmac-md5") || alg.startsWith("hmac-sha1-96")
            || alg.startsWith("hmac-ripemd160") || alg.startsWith("des-");
    }

    /** The first (most preferred) entry of a name-list. */
    static String first(String list) {
        int c = list.indexOf(',');
        return c < 0 ? list : list.substring(0, c);
    }
}
