package org.flowmark.detector.ipsec.internal;

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
        w("detector", "ikev2", frames(0, true, IpsecTest.saInit(), false, IpsecTest.saInit(), true, IpsecTest.ikeAuth(80)));
        w("detector", "natt", frames(1, true, "00000000" + IpsecTest.saInit(), true, "0354aa4f00000001" + IpsecTest.rep(0x6d, 40), false, "0354aa4f00000002" + IpsecTest.rep(0x6d, 40)));
        w("detector", "main_mode", frames(0, true, IpsecTest.mainMode()));
        w("detector", "esp", frames(3, true, "0354aa4f00000001" + IpsecTest.rep(0x6d, 40), true, "0354aa4f00000002" + IpsecTest.rep(0x6d, 40), false, "1122334400000001" + IpsecTest.rep(0x11, 40)));

    }
}
