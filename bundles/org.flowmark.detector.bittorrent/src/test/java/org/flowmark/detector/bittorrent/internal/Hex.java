package org.flowmark.detector.bittorrent.internal;

import java.nio.charset.StandardCharsets;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.api.packet.PacketView;

/** Test helpers: hex (whitespace ignored) and ASCII to bytes and views. */
final class Hex {

    private Hex() {
    }

    static byte[] bytes(String hex) {
        String h = hex.replaceAll("\\s+", "");
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    static PacketView view(String hex) {
        return new ByteArrayPacketView(bytes(hex));
    }

    static PacketView ascii(String s) {
        return new ByteArrayPacketView(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    static byte[] asciiBytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
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
}
