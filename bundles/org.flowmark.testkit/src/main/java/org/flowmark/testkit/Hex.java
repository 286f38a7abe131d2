package org.flowmark.testkit;

import java.nio.charset.StandardCharsets;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.api.packet.PacketView;

/** Test vectors: hex (whitespace ignored) and ISO-8859-1 text to bytes and views, and small hex builders. */
public final class Hex {

    private Hex() {
    }

    /** Hex digits to bytes; whitespace is ignored; an odd count or a non-hex digit is an IllegalArgumentException. */
    public static byte[] bytes(String hex) {
        String h = hex.replaceAll("\\s+", "");
        if ((h.length() & 1) != 0) {
            throw new IllegalArgumentException("odd number of hex digits: " + hex);
        }
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(h.charAt(2 * i), 16);
            int lo = Character.digit(h.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("not hex at " + 2 * i + ": " + h.substring(2 * i, 2 * i + 2));
            }
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }

    /** A view over {@link #bytes(String)}. */
    public static PacketView view(String hex) {
        return new ByteArrayPacketView(bytes(hex));
    }

    /** A view over ISO-8859-1 text. */
    public static PacketView ascii(String s) {
        return new ByteArrayPacketView(asciiBytes(s));
    }

    /** ISO-8859-1 text to bytes. */
    public static byte[] asciiBytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The parts one after the other. */
    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** {@code n} copies of byte {@code b} as hex. */
    public static String rep(int b, int n) {
        return String.format("%02x", b & 0xff).repeat(n);
    }

    /** 32-bit little-endian hex. */
    public static String le32(long v) {
        return String.format("%02x%02x%02x%02x", v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    }

    /** 32-bit big-endian hex. */
    public static String be32(long v) {
        return String.format("%08x", v & 0xffffffffL);
    }

    /** 16-bit big-endian hex. */
    public static String be16(int v) {
        return String.format("%04x", v & 0xffff);
    }
}
