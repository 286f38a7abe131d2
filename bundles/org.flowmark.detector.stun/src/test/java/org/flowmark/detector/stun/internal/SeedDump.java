package org.flowmark.detector.stun.internal;

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
        w("stunDetector", "rfc5769", frames(0, true, StunParserTest.RFC5769_REQUEST, false, StunParserTest.RFC5769_RESPONSE));
        w("stunDetector", "zoom_classic", frames(15, true, StunDetectorTest.ZOOM_CLASSIC_REQ, false, StunDetectorTest.ZOOM_CLASSIC_RESP));
        w("stunDetector", "turn", frames(17, true, StunDetectorTest.TURN_ALLOCATE));
        w("stunDetector", "dtls", frames(4, true, "16fefd00000000000000000010" + "01000004000000000000000400000000"));
        w("rtpDetector", "rtp", frames(0, true, RtpDetectorTest.rtp(1, 2, 0), false, RtpDetectorTest.rtp(5, 9, 0), true, RtpDetectorTest.rtp(2, 2, 0), true, RtpDetectorTest.rtp(3, 2, 0)));

    }
}
