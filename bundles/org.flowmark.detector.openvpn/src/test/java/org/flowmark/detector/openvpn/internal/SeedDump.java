package org.flowmark.detector.openvpn.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

class SeedDump {
    static Path root;
    static byte[] h(String hex) { return HexFormat.of().parseHex(hex.replace(" ", "")); }
    static byte[] a(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }
    static byte[] len16(byte[] b) { byte[] t = new byte[b.length + 2]; t[0] = (byte) (b.length >>> 8); t[1] = (byte) b.length; System.arraycopy(b, 0, t, 2, b.length); return t; }
    static byte[] frames(int setup, Object... p) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(setup);
        for (int i = 0; i < p.length; i += 2) {
            boolean init = (Boolean) p[i];
            byte[] b = p[i + 1] instanceof String ? h((String) p[i + 1]) : (byte[]) p[i + 1];
            o.write((init ? 0 : 0x80) | (b.length >>> 8)); o.write(b.length & 0xff); o.writeBytes(b);
        }
        return o.toByteArray();
    }
    static void w(String method, String name, byte[] data) throws Exception {
        Path d = root.resolve(method); Files.createDirectories(d); Files.write(d.resolve(name), data);
    }
    public static void main(String[] args) throws Exception {
        root = Path.of(args[0]);
        String CS = OpenVpnTest.CS, SS = OpenVpnTest.SS;
        w("detector", "udp_handshake", frames(0, true, OpenVpnTest.clientReset(0, 0), false, OpenVpnTest.serverReset(0, 0), true, OpenVpnTest.ack("28", CS, SS, 0, 1, 0), true, OpenVpnTest.control(CS, 0, 2, 1, 30)));
        w("detector", "udp_tls_auth", frames(0, true, OpenVpnTest.clientReset(20, 1), false, OpenVpnTest.serverReset(20, 1), true, OpenVpnTest.ack("28", CS, SS, 20, 2, 0), true, OpenVpnTest.crypt("50", CS, 1, 200)));
        w("detector", "tcp_handshake", frames(1, true, len16(h(OpenVpnTest.clientReset(0, 0))), false, len16(h(OpenVpnTest.serverReset(0, 0))), true, len16(h(OpenVpnTest.control(CS, 0, 2, 1, 30)))));

    }
}
