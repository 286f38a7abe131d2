/*
 * QUIC version table: which versions the detector knows, how their Initial packets are laid out and protected.
 *
 * References (Initial salts, key labels and packet-type bits):
 *  - RFC 9000 section 17.2 (long header), RFC 9001 section 5.2 (v1 initial salt 0x38762cf7f55934b34d179ae6a4c80cadccbb7f0a,
 *    labels "quic key", "quic iv", "quic hp"); drafts draft-ietf-quic-tls-33 and -34 use the same salt.
 *  - draft-ietf-quic-tls-29 .. -32 section 5.2: salt 0xafbfec289993d24c9e9786f19c6111e04390a899.
 *  - draft-ietf-quic-tls-23 .. -28 section 5.2: salt 0xc3eef712c72ebb5a11a7d2432bb46365bef9f502.
 *  - draft-ietf-quic-tls-22 section 5.2: salt 0x7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a (also Facebook mvfst's
 *    0xfaceb001, "draft-22"; mvfst 0xfaceb002 and 0xfaceb00e follow draft-27 and use the draft-23 salt).
 *  - RFC 9369 (QUIC v2, version 0x6b3343cf) section 3.3.1: salt 0x0dede3def700a6db819381be6e269dcbf9bd2ed9, labels
 *    "quicv2 key", "quicv2 iv", "quicv2 hp"; section 3.2: long header types Initial=0b01, 0-RTT=0b10,
 *    Handshake=0b11, Retry=0b00.
 *  - Google QUIC (Chromium quic_versions / crypto_utils): Q050 salt 0x504574efd066fe2f9d945cfcdbd3a7f0d3b56b45,
 *    T050 salt 0x7ff579e5acd072915580304c43a2367c60488310, T051 salt 0x7a4edef4e7ccee5fa4506c19124fc8ccda6e033d
 *    (as published by Wireshark's QUIC dissector); Q046 uses the IETF long-header invariant in clear text; Q043 and
 *    older use the gQUIC public header.
 */
package org.flowmark.detector.quic.internal;

/** Version numbers, their family, their printable name and the Initial salt (pure functions, no state). */
final class QuicVersions {

    /** Not a version this detector knows. */
    static final int UNKNOWN = 0;
    /** IETF QUIC v1 and its drafts (and mvfst), TLS 1.3 ClientHello in CRYPTO frames. */
    static final int IETF = 1;
    /** IETF QUIC v2 (RFC 9369): other labels and packet-type bits. */
    static final int IETF_V2 = 2;
    /** Google QUIC with TLS (T050, T051): IETF-like layout, gQUIC CRYPTO frame 0x08 holding a TLS ClientHello. */
    static final int GQUIC_TLS = 3;
    /** Google QUIC Q050: IETF-like layout and protection, CRYPTO frame 0x08 holding a CHLO tag message. */
    static final int GQUIC_Q050 = 4;
    /** Google QUIC Q046: long-header invariant with nibble-coded connection ID lengths, frames in clear text. */
    static final int GQUIC_Q046 = 5;
    /** Google QUIC Q043 and older: the public header (flags, 8-byte CID, "Q0nn"), frames in clear text. */
    static final int GQUIC_PUBLIC = 6;

    static final long V1 = 0x00000001L;
    static final long V2 = 0x6b3343cfL;
    static final long MVFST_22 = 0xfaceb001L;
    static final long MVFST_27 = 0xfaceb002L;
    static final long MVFST_EXP = 0xfaceb00eL;
    static final long Q046 = 0x51303436L;
    static final long Q050 = 0x51303530L;
    static final long T050 = 0x54303530L;
    static final long T051 = 0x54303531L;

    static final byte[] SALT_V1 = hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
    static final byte[] SALT_V2 = hex("0dede3def700a6db819381be6e269dcbf9bd2ed9");
    static final byte[] SALT_D29 = hex("afbfec289993d24c9e9786f19c6111e04390a899");
    static final byte[] SALT_D23 = hex("c3eef712c72ebb5a11a7d2432bb46365bef9f502");
    static final byte[] SALT_D22 = hex("7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a");
    static final byte[] SALT_Q050 = hex("504574efd066fe2f9d945cfcdbd3a7f0d3b56b45");
    static final byte[] SALT_T050 = hex("7ff579e5acd072915580304c43a2367c60488310");
    static final byte[] SALT_T051 = hex("7a4edef4e7ccee5fa4506c19124fc8ccda6e033d");

    private QuicVersions() {
    }

    /** The family of a long-header version number, {@link #UNKNOWN} for anything else (including 0 and grease). */
    static int family(long v) {
        if (v == V1) {
            return IETF;
        }
        if (v == V2) {
            return IETF_V2;
        }
        if ((v & 0xffffff00L) == 0xff000000L) {
            int d = (int) (v & 0xff);
            return d >= 22 && d <= 34 ? IETF : UNKNOWN;
        }
        if (v == MVFST_22 || v == MVFST_27 || v == MVFST_EXP) {
            return IETF;
        }
        if (v == T050 || v == T051) {
            return GQUIC_TLS;
        }
        if (v == Q050) {
            return GQUIC_Q050;
        }
        if (v == Q046) {
            return GQUIC_Q046;
        }
        return UNKNOWN;
    }

    /** True for a gQUIC public-header version "Q0nn" with nn in 24..45 (Q043 is the last one in production). */
    static boolean isPublicHeaderVersion(long v) {
        if ((v & 0xffff0000L) != 0x51300000L) {
            return false;
        }
        int d1 = (int) ((v >> 8) & 0xff) - '0';
        int d2 = (int) (v & 0xff) - '0';
        if (d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
            return false;
        }
        int n = d1 * 10 + d2;
        return n >= 24 && n <= 45;
    }

    /** The Initial salt of a version of family IETF, IETF_V2, GQUIC_TLS or GQUIC_Q050; null otherwise. */
    static byte[] salt(long v) {
        if (v == V1) {
            return SALT_V1;
        }
        if (v == V2) {
            return SALT_V2;
        }
        if (v == Q050) {
            return SALT_Q050;
        }
        if (v == T050) {
            return SALT_T050;
        }
        if (v == T051) {
            return SALT_T051;
        }
        if (v == MVFST_22) {
            return SALT_D22;
        }
        if (v == MVFST_27 || v == MVFST_EXP) {
            return SALT_D23;
        }
        if ((v & 0xffffff00L) == 0xff000000L) {
            int d = (int) (v & 0xff);
            if (d >= 33 && d <= 34) {
                return SALT_V1;
            }
            if (d >= 29 && d <= 32) {
                return SALT_D29;
            }
            if (d >= 23 && d <= 28) {
                return SALT_D23;
            }
            if (d == 22) {
                return SALT_D22;
            }
        }
        return null;
    }

    /** Printable version name in nDPI's spelling: "V-1", "V-2", "Draft-29", "MVFST-22", "Q046", "T050". */
    static String name(long v) {
        if (v == V1) {
            return "V-1";
        }
        if (v == V2) {
            return "V-2";
        }
        if ((v & 0xffffff00L) == 0xff000000L) {
            return "Draft-" + (v & 0xff);
        }
        if (v == MVFST_22) {
            return "MVFST-22";
        }
        if (v == MVFST_27) {
            return "MVFST-27";
        }
        if (v == MVFST_EXP) {
            return "MVFST-EXP";
        }
        if (isAsciiVersion(v)) {
            return new String(new char[] {(char) ((v >> 24) & 0xff), (char) ((v >> 16) & 0xff),
                (char) ((v >> 8) & 0xff), (char) (v & 0xff)});
        }
        return String.format("0x%08x", v);
    }

    /** True when the packet-type bits {@code (b0 >> 4) & 3} name an Initial packet in this version. */
    static boolean isInitialType(long v, int b0) {
        int t = (b0 >> 4) & 3;
        return v == V2 ? t == 1 : t == 0;
    }

    /** True for a Retry packet type in this version. */
    static boolean isRetryType(long v, int b0) {
        int t = (b0 >> 4) & 3;
        return v == V2 ? t == 0 : t == 3;
    }

    private static boolean isAsciiVersion(long v) {
        for (int s = 24; s >= 0; s -= 8) {
            int c = (int) ((v >> s) & 0xff);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    static byte[] hex(String h) {
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
