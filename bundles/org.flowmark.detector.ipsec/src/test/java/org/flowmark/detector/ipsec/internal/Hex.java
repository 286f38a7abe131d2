package org.flowmark.detector.ipsec.internal;

/** Hex helpers for test vectors: spaces are ignored, {@code rep} repeats a byte. */
final class Hex {
    private Hex() {
    }

    static byte[] bytes(String hex) {
        String h = hex.replace(" ", "");
        if (h.length() % 2 != 0) {
            throw new IllegalArgumentException("odd hex: " + hex);
        }
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    /** {@code n} copies of byte {@code b} as hex. */
    static String rep(int b, int n) {
        return String.format("%02x", b).repeat(n);
    }

    /** 32-bit little-endian hex. */
    static String le32(long v) {
        return String.format("%02x%02x%02x%02x", v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    }

    /** 32-bit big-endian hex. */
    static String be32(long v) {
        return String.format("%08x", v & 0xffffffffL);
    }

    /** 16-bit big-endian hex. */
    static String be16(int v) {
        return String.format("%04x", v & 0xffff);
    }
}
