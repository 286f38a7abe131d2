package org.flowmark.capture.internal.decode;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

/** Tiny packet builder for test vectors: each method returns a header followed by its payload. */
public final class Pkt {
    private Pkt() {
    }

    public static byte[] hex(String h) {
        return HexFormat.of().parseHex(h.replace(" ", "").replace(":", ""));
    }

    public static String toHex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    public static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    public static byte[] u16(int v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    public static byte[] u32(long v) {
        return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    public static byte[] bytes(int n, int value) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    public static final String MAC_A = "001122334455";
    public static final String MAC_B = "66778899aabb";

    public static byte[] eth(int type, byte[] payload) {
        return cat(hex(MAC_A + MAC_B), u16(type), payload);
    }

    public static byte[] vlan(int tci, int type, byte[] payload) {
        return cat(u16(tci), u16(type), payload);
    }

    /** IPv4 header (20 bytes + options) with addresses a.b.c.d given as ints. */
    public static byte[] ipv4(int proto, int src, int dst, int id, int flagsFrag, byte[] options, byte[] payload) {
        int ihl = 20 + options.length;
        return cat(new byte[] {(byte) (0x40 | ihl / 4), 0}, u16(ihl + payload.length), u16(id), u16(flagsFrag),
                new byte[] {64, (byte) proto, 0, 0}, u32(src), u32(dst), options, payload);
    }

    public static byte[] ipv4(int proto, int src, int dst, byte[] payload) {
        return ipv4(proto, src, dst, 0x1234, 0x4000, new byte[0], payload);
    }

    public static byte[] ipv6(int nh, byte[] src, byte[] dst, byte[] payload) {
        return cat(hex("60000000"), u16(payload.length), new byte[] {(byte) nh, 64}, src, dst, payload);
    }

    public static byte[] tcp(int sport, int dport, long seq, long ack, int flags, byte[] options, byte[] payload) {
        int doff = 20 + options.length;
        return cat(u16(sport), u16(dport), u32(seq), u32(ack), new byte[] {(byte) (doff / 4 << 4), (byte) flags},
                u16(65535), u16(0), u16(0), options, payload);
    }

    public static byte[] tcp(int sport, int dport, byte[] payload) {
        return tcp(sport, dport, 1000, 2000, 0x18, new byte[0], payload);
    }

    public static byte[] udp(int sport, int dport, byte[] payload) {
        return cat(u16(sport), u16(dport), u16(8 + payload.length), u16(0), payload);
    }

    public static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    public static final int A = ip(10, 0, 0, 1);
    public static final int B = ip(192, 168, 1, 2);
    public static final byte[] A6 = hex("20010db8000000000000000000000001");
    public static final byte[] B6 = hex("20010db8000000010000000000000002");
}
