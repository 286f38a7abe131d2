package org.flowmark.detector.tls.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Client fingerprints of a ClientHello, computed once per flow.
 *
 * <p><b>JA4</b> (FoxIO JA4 specification, "JA4: TLS Client Fingerprint"): {@code a_b_c} where
 * <ul>
 * <li>{@code a} = transport ({@code t} TCP, {@code q} QUIC, {@code d} DTLS), the highest version offered (from
 *     supported_versions without GREASE, else legacy_version: {@code 13 12 11 10 s3 s2}, DTLS {@code d1 d2 d3},
 *     else {@code 00}), {@code d} when server_name is present else {@code i}, the number of cipher suites and of
 *     extensions (GREASE excluded, two digits, capped at 99), and the first and last character of the first ALPN
 *     value ({@code 00} without ALPN; when either byte is not an ASCII letter or digit, the first hex digit of the
 *     first byte and the last hex digit of the last byte);</li>
 * <li>{@code b} = the first 12 hex digits of SHA-256 over the cipher suites as 4-digit lowercase hex, sorted,
 *     comma-separated, GREASE excluded ({@code 000000000000} when there are none);</li>
 * <li>{@code c} = the first 12 hex digits of SHA-256 over the extension types (4-digit hex, sorted, GREASE,
 *     server_name 0x0000 and ALPN 0x0010 excluded), then, when signature_algorithms lists any, {@code "_"} and the
 *     signature algorithms in the order sent ({@code 000000000000} when no extension is left).</li>
 * </ul>
 *
 * <p><b>JA3</b> (Salesforce): MD5 of {@code version,ciphers,extensions,groups,point_formats} in decimal, list
 * items joined by {@code -}, in the order sent, GREASE excluded.
 */
final class Fingerprints {

    private Fingerprints() {
    }

    /** JA4 of {@code h}; {@code transport} is {@code 't'}, {@code 'q'} or {@code 'd'}. */
    static String ja4(ClientHello h, char transport) {
        return ja4a(h, transport) + '_' + hash12(ja4CipherString(h)) + '_' + hash12(ja4ExtensionString(h));
    }

    /** The raw (unhashed) JA4, {@code ja4_r} in the specification: for tests and debugging. */
    static String ja4Raw(ClientHello h, char transport) {
        return ja4a(h, transport) + '_' + ja4CipherString(h) + '_' + ja4ExtensionString(h);
    }

    static String ja4a(ClientHello h, char transport) {
        StringBuilder sb = new StringBuilder(10);
        sb.append(transport).append(versionCode(h.offeredVersion()));
        sb.append(h.sniPresent ? 'd' : 'i');
        int ciphers = 0;
        for (int i = 0; i < h.cipherCount; i++) {
            ciphers += ClientHello.grease(h.ciphers[i]) ? 0 : 1;
        }
        int exts = 0;
        for (int i = 0; i < h.extensionCount; i++) {
            exts += ClientHello.grease(h.extensions[i]) ? 0 : 1;
        }
        twoDigits(sb, ciphers);
        twoDigits(sb, exts);
        if (h.alpnFirstByte < 0) {
            sb.append("00");
        } else if (alnum(h.alpnFirstByte) && alnum(h.alpnLastByte)) {
            sb.append((char) h.alpnFirstByte).append((char) h.alpnLastByte);
        } else {
            sb.append(Character.forDigit(h.alpnFirstByte >> 4, 16)).append(Character.forDigit(h.alpnLastByte & 15, 16));
        }
        return sb.toString();
    }

    static String ja4CipherString(ClientHello h) {
        return hexList(h.ciphers, h.cipherCount, true, false);
    }

    static String ja4ExtensionString(ClientHello h) {
        String exts = hexList(h.extensions, h.extensionCount, true, true);
        if (h.sigAlgCount == 0) {
            return exts;
        }
        return exts + '_' + hexList(h.sigAlgs, h.sigAlgCount, false, false);
    }

    /** JA4 version code of a TLS or DTLS version. */
    static String versionCode(int v) {
        switch (v) {
            case 0x0304: return "13";
            case 0x0303: return "12";
            case 0x0302: return "11";
            case 0x0301: return "10";
            case 0x0300: return "s3";
            case 0x0002: return "s2";
            case 0xfeff: return "d1";
            case 0xfefd: return "d2";
            case 0xfefc: return "d3";
            default: return "00";
        }
    }

    /** The JA3 string (before hashing). */
    static String ja3String(ClientHello h) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(h.legacyVersion).append(',');
        decList(sb, h.ciphers, h.cipherCount);
        sb.append(',');
        decList(sb, h.extensions, h.extensionCount);
        sb.append(',');
        decList(sb, h.groups, h.groupCount);
        sb.append(',');
        decList(sb, h.pointFormats, h.pointFormatCount);
        return sb.toString();
    }

    static String ja3(ClientHello h) {
        return hex(digest("MD5", ja3String(h)), 32);
    }

    private static void decList(StringBuilder sb, int[] a, int n) {
        boolean first = true;
        for (int i = 0; i < n; i++) {
            if (ClientHello.grease(a[i])) {
                continue;
            }
            if (!first) {
                sb.append('-');
            }
            sb.append(a[i]);
            first = false;
        }
    }

    private static String hexList(int[] a, int n, boolean sort, boolean dropSniAlpn) {
        int[] b = new int[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            int x = a[i];
            if (ClientHello.grease(x) || (dropSniAlpn && (x == 0x0000 || x == 0x0010))) {
                continue;
            }
            b[m++] = x;
        }
        if (sort) {
            Arrays.sort(b, 0, m);
        }
        StringBuilder sb = new StringBuilder(m * 5);
        for (int i = 0; i < m; i++) {
            if (i > 0) {
                sb.append(',');
            }
            String hx = Integer.toHexString(b[i]);
            for (int k = hx.length(); k < 4; k++) {
                sb.append('0');
            }
            sb.append(hx);
        }
        return sb.toString();
    }

    /** First 12 hex digits of SHA-256 of {@code s}; twelve zeros for the empty string. */
    static String hash12(String s) {
        if (s.isEmpty()) {
            return "000000000000";
        }
        return hex(digest("SHA-256", s), 12);
    }

    private static byte[] digest(String alg, String s) {
        try {
            return MessageDigest.getInstance(alg).digest(s.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(alg + " is required by the Java platform", e);
        }
    }

    private static String hex(byte[] b, int digits) {
        StringBuilder sb = new StringBuilder(digits);
        for (int i = 0; sb.length() < digits; i++) {
            sb.append(Character.forDigit((b[i] >> 4) & 15, 16)).append(Character.forDigit(b[i] & 15, 16));
        }
        return sb.substring(0, digits);
    }

    private static void twoDigits(StringBuilder sb, int n) {
        int c = Math.min(n, 99);
        sb.append((char) ('0' + c / 10)).append((char) ('0' + c % 10));
    }

    private static boolean alnum(int b) {
        return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
    }
}
