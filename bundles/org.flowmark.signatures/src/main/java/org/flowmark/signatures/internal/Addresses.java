package org.flowmark.signatures.internal;

/** Text to bytes for IPv4 dotted quads and IPv6 (RFC 4291 section 2.2 forms, with an embedded IPv4 tail). */
final class Addresses {

    private Addresses() {
    }

    /** 4 bytes, or null when {@code s} is not a dotted quad. */
    static byte[] parseIpv4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int val = -1;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (val < 0 || part > 3) {
                    return null;
                }
                out[part++] = (byte) val;
                val = -1;
            } else if (c >= '0' && c <= '9') {
                val = val < 0 ? c - '0' : val * 10 + (c - '0');
                if (val > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    /** 16 bytes, or null when {@code s} is not an IPv6 address. */
    static byte[] parseIpv6(String s) {
        int dbl = s.indexOf("::");
        if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
            return null;
        }
        String head = dbl >= 0 ? s.substring(0, dbl) : s;
        String tail = dbl >= 0 ? s.substring(dbl + 2) : "";
        int[] h = groups(head);
        int[] t = groups(tail);
        if (h == null || t == null) {
            return null;
        }
        int total = h.length + t.length;
        if ((dbl < 0 && total != 8) || (dbl >= 0 && total > 7)) {
            return null;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < h.length; i++) {
            out[2 * i] = (byte) (h[i] >>> 8);
            out[2 * i + 1] = (byte) h[i];
        }
        for (int i = 0; i < t.length; i++) {
            int g = 8 - t.length + i;
            out[2 * g] = (byte) (t[i] >>> 8);
            out[2 * g + 1] = (byte) t[i];
        }
        return out;
    }

    /** 16-bit groups of a colon-separated run (empty string: none); an IPv4 tail counts as two groups. */
    private static int[] groups(String s) {
        if (s.isEmpty()) {
            return new int[0];
        }
        String[] parts = s.split(":", -1);
        int n = parts.length;
        byte[] v4 = null;
        if (parts[n - 1].indexOf('.') >= 0) {
            v4 = parseIpv4(parts[n - 1]);
            if (v4 == null) {
                return null;
            }
        }
        int[] g = new int[v4 != null ? n + 1 : n];
        for (int i = 0; i < (v4 != null ? n - 1 : n); i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 4) {
                return null;
            }
            int v = 0;
            for (int k = 0; k < p.length(); k++) {
                int d = Character.digit(p.charAt(k), 16);
                if (d < 0) {
                    return null;
                }
                v = v * 16 + d;
            }
            g[i] = v;
        }
        if (v4 != null) {
            g[n - 1] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
            g[n] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
        }
        return g;
    }
}
