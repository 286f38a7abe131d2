/*
 * Google QUIC handshake messages in clear text: the tag-value map of QUIC Crypto ("QUIC Crypto" design doc,
 * Chromium quic/core/crypto/crypto_framer): a 4-byte message tag (CHLO, SHLO, REJ\0), a little-endian 16-bit
 * entry count, 16 bits of padding (zero), then count x (4-byte tag, little-endian 32-bit end offset), then the
 * values back to back. Tags used here: SNI\0 (server name), UAID (user agent), VER\0 (version list), AEAD, KEXS.
 * Carried in stream 1 (Q043 and older, Q046) or in CRYPTO frames (Q050), see the gQUIC wire specification.
 */
package org.flowmark.detector.quic.internal;

import org.flowmark.api.packet.PacketView;

/** Finds, validates and reads gQUIC handshake messages over a {@link PacketView}; never throws on any input. */
final class GQuicMessage {

    static final long CHLO = 0x43484c4fL;
    static final long SHLO = 0x53484c4fL;
    static final long REJ = 0x52454a00L;
    static final long TAG_SNI = 0x534e4900L;
    static final long TAG_UAID = 0x55414944L;
    static final long TAG_VER = 0x56455200L;
    /** Bound on entries (a real CHLO has about 20-30). */
    static final int MAX_ENTRIES = 64;
    /** Bound on the value area (a CHLO is padded to roughly one packet; REJ carries certificates). */
    static final int MAX_VALUES = 16384;

    /** Values read from a message; strings are null when the tag is absent. */
    static final class Tags {
        long message;
        String sni;
        String userAgent;
        String versions;
    }

    private GQuicMessage() {
    }

    /** First offset in {@code [from, to)} where a valid message with one of {@code CHLO, SHLO, REJ} starts, or -1. */
    static int find(PacketView p, int from, int to) {
        int lim = Math.min(to, p.length() - 8);
        for (int i = Math.max(0, from); i < lim; i++) {
            int c = p.u8(i);
            if ((c == 'C' || c == 'S' || c == 'R') && valid(p, i)) {
                return i;
            }
        }
        return -1;
    }

    /** True when a structurally valid message starts at {@code o} (its index must lie within the view). */
    static boolean valid(PacketView p, int o) {
        if (o < 0 || o + 8 > p.length()) {
            return false;
        }
        long tag = p.u32(o);
        if (tag != CHLO && tag != SHLO && tag != REJ) {
            return false;
        }
        int n = p.u16le(o + 4);
        if (n < 1 || n > MAX_ENTRIES || p.u16(o + 6) != 0) {
            return false;
        }
        int idx = o + 8;
        if (idx + 8 * n > p.length()) {
            return false;
        }
        long prev = 0;
        for (int i = 0; i < n; i++) {
            int e = idx + 8 * i;
            if (!tagChars(p, e)) {
                return false;
            }
            long endOff = p.u32le(e + 4);
            if (endOff < prev || endOff > MAX_VALUES) {
                return false;
            }
            prev = endOff;
        }
        return true;
    }

    /** Tag bytes: uppercase letters and digits, then optional trailing 0x00/0xff filler; not all filler. */
    private static boolean tagChars(PacketView p, int e) {
        boolean zero = false;
        for (int k = 0; k < 4; k++) {
            int c = p.u8(e + k);
            if (c == 0 || c == 0xff) { // filler: "SNI\0", "CRT\xff"
                if (k == 0) {
                    return false;
                }
                zero = true;
            } else if (zero || !((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    /** Total size of the valid message at {@code o} (header, index and values). */
    static int size(PacketView p, int o) {
        int n = p.u16le(o + 4);
        return 8 + 8 * n + (int) p.u32le(o + 8 + 8 * (n - 1) + 4);
    }

    /** Reads the tags of interest of the valid message at {@code o}; values cut by the view's end are skipped. */
    static Tags read(PacketView p, int o) {
        Tags t = new Tags();
        t.message = p.u32(o);
        int n = p.u16le(o + 4);
        int values = o + 8 + 8 * n;
        long prev = 0;
        for (int i = 0; i < n; i++) {
            int e = o + 8 + 8 * i;
            long tag = p.u32(e);
            long endOff = p.u32le(e + 4);
            int vs = (int) (values + prev);
            int vl = (int) (endOff - prev);
            prev = endOff;
            if (vs + vl > p.length() || vl <= 0) {
                continue;
            }
            if (tag == TAG_SNI) {
                t.sni = printable(p, vs, Math.min(vl, 255), true);
            } else if (tag == TAG_UAID) {
                t.userAgent = printable(p, vs, Math.min(vl, 512), false);
            } else if (tag == TAG_VER && vl % 4 == 0) {
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < vl && k < 64; k += 4) {
                    if (sb.length() > 0) {
                        sb.append(',');
                    }
                    sb.append(QuicVersions.name(p.u32(vs + k)));
                }
                t.versions = sb.toString();
            }
        }
        return t;
    }

    private static String printable(PacketView p, int off, int len, boolean hostName) {
        for (int i = 0; i < len; i++) {
            int c = p.u8(off + i);
            if (c < 0x20 || c > 0x7e || (hostName && c == ' ')) {
                return null;
            }
        }
        String s = p.ascii(off, len);
        return hostName ? s.toLowerCase(java.util.Locale.ROOT) : s;
    }
}
