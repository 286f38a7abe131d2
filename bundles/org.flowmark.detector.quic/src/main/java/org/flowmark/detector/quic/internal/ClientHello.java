/*
 * TLS 1.3 ClientHello parser for the QUIC CRYPTO stream, with JA4.
 *
 * References: RFC 8446 section 4.1.2 (ClientHello), section 4.2 (extensions: supported_versions 43,
 * signature_algorithms 13), RFC 6066 section 3 (server_name 0), RFC 7301 section 3.1 (ALPN 16), RFC 9001 section 8.2
 * (quic_transport_parameters 0x39; drafts used 0xffa5), RFC 9000 section 18 (transport parameter encoding),
 * RFC 8701 (GREASE values 0x?a?a), FoxIO JA4 specification (JA4 TLS client fingerprint: a_b_c).
 *
 * NOTE: the TLS detector bundle carries its own ClientHello parser; this one is deliberately local to avoid a
 * cross-bundle dependency until a shared TLS-parsing package exists.
 */
package org.flowmark.detector.quic.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.flowmark.api.packet.PacketView;

/** What the detector reports from a ClientHello. Immutable; built once per flow by {@link #parse}. */
final class ClientHello {

    static final int EXT_SNI = 0x0000;
    static final int EXT_SIG_ALGS = 0x000d;
    static final int EXT_ALPN = 0x0010;
    static final int EXT_SUPPORTED_VERSIONS = 0x002b;
    static final int EXT_QUIC_TP = 0x0039;
    static final int EXT_QUIC_TP_DRAFT = 0xffa5;
    static final long TP_GOOGLE_USER_AGENT = 0x3129;
    private static final int MAX_NAME = 255;

    final String sni;
    /** ALPN protocol names, in order (empty when none). */
    final List<String> alpn;
    /** supported_versions values without GREASE, e.g. "0x0304"; empty when the extension is absent. */
    final List<String> supportedVersions;
    final String userAgent;
    final String ja4;

    private ClientHello(String sni, List<String> alpn, List<String> supportedVersions, String userAgent, String ja4) {
        this.sni = sni;
        this.alpn = alpn;
        this.supportedVersions = supportedVersions;
        this.userAgent = userAgent;
        this.ja4 = ja4;
    }

    /** Thrown for a malformed ClientHello (lengths that do not agree, truncated fields). */
    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String m) {
            super(m, null, false, false);
        }
    }

    static boolean isGrease(int v) {
        return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
    }

    /**
     * Parses the handshake message at {@code v[off, off+len)}: type 1 (ClientHello), 24-bit length, body.
     *
     * @param protocol JA4 transport letter: 'q' for QUIC, 't' for TCP
     */
    static ClientHello parse(PacketView v, int off, int len, char protocol) throws MalformedException {
        int end = off + len;
        need(len >= 4 && v.u8(off) == 1, "not a ClientHello");
        int bodyLen = v.u24(off + 1);
        need(4 + bodyLen <= len, "truncated handshake message");
        end = off + 4 + bodyLen;
        int p = off + 4;
        need(p + 2 + 32 + 1 <= end, "truncated hello");
        int legacyVersion = v.u16(p);
        p += 2 + 32;
        int sidLen = v.u8(p);
        need(sidLen <= 32, "session id too long");
        p += 1 + sidLen;
        need(p + 2 <= end, "truncated cipher suites");
        int csLen = v.u16(p);
        p += 2;
        need((csLen & 1) == 0 && p + csLen <= end, "bad cipher suites length");
        List<Integer> ciphers = new ArrayList<>();
        for (int i = 0; i < csLen; i += 2) {
            int c = v.u16(p + i);
            if (!isGrease(c)) {
                ciphers.add(c);
            }
        }
        p += csLen;
        need(p + 1 <= end, "truncated compression methods");
        int cmLen = v.u8(p);
        p += 1 + cmLen;
        need(p <= end, "bad compression methods length");
        List<Integer> exts = new ArrayList<>();
        List<Integer> sigAlgs = new ArrayList<>();
        List<String> alpn = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        String sni = null;
        String ua = null;
        boolean sniExt = false;
        int maxVersion = -1;
        if (p + 2 <= end) {
            int extLen = v.u16(p);
            p += 2;
            need(p + extLen <= end, "bad extensions length");
            int extEnd = p + extLen;
            while (p + 4 <= extEnd) {
                int type = v.u16(p);
                int l = v.u16(p + 2);
                int d = p + 4;
                need(d + l <= extEnd, "extension overruns");
                if (!isGrease(type)) {
                    exts.add(type);
                }
                switch (type) {
                    case EXT_SNI:
                        sniExt = true;
                        sni = serverName(v, d, l);
                        break;
                    case EXT_ALPN:
                        alpn(v, d, l, alpn);
                        break;
                    case EXT_SIG_ALGS:
                        if (l >= 2) {
                            int sl = Math.min(v.u16(d), l - 2);
                            for (int i = 0; i + 1 < sl; i += 2) {
                                sigAlgs.add(v.u16(d + 2 + i));
                            }
                        }
                        break;
                    case EXT_SUPPORTED_VERSIONS:
                        if (l >= 1) {
                            int vl = Math.min(v.u8(d), l - 1);
                            for (int i = 0; i + 1 < vl; i += 2) {
                                int ver = v.u16(d + 1 + i);
                                if (!isGrease(ver)) {
                                    versions.add(String.format("0x%04x", ver));
                                    maxVersion = Math.max(maxVersion, ver);
                                }
                            }
                        }
                        break;
                    case EXT_QUIC_TP:
                    case EXT_QUIC_TP_DRAFT:
                        String u = userAgent(v, d, l);
                        if (u != null) {
                            ua = u;
                        }
                        break;
                    default:
                        break;
                }
                p = d + l;
            }
        }
        String ja4 = ja4(protocol, maxVersion >= 0 ? maxVersion : legacyVersion, sniExt, ciphers, exts,
            alpn.isEmpty() ? null : alpn.get(0), sigAlgs);
        return new ClientHello(sni, List.copyOf(alpn), List.copyOf(versions), ua, ja4);
    }

    private static void need(boolean ok, String what) throws MalformedException {
        if (!ok) {
            throw new MalformedException(what);
        }
    }

    /** The first host_name entry of a server_name extension, lowercased; null when absent or not a name. */
    private static String serverName(PacketView v, int d, int l) throws MalformedException {
        if (l < 2) {
            return null;
        }
        int listLen = v.u16(d);
        need(listLen + 2 <= l, "bad server_name list");
        int p = d + 2;
        int end = p + listLen;
        while (p + 3 <= end) {
            int type = v.u8(p);
            int nl = v.u16(p + 1);
            need(p + 3 + nl <= end, "bad server_name entry");
            if (type == 0 && nl > 0) {
                int n = Math.min(nl, MAX_NAME);
                for (int i = 0; i < n; i++) {
                    int c = v.u8(p + 3 + i);
                    if (c <= 0x20 || c >= 0x7f) {
                        return null; // not a DNS host name
                    }
                }
                return v.ascii(p + 3, n).toLowerCase(java.util.Locale.ROOT);
            }
            p += 3 + nl;
        }
        return null;
    }

    private static void alpn(PacketView v, int d, int l, List<String> out) throws MalformedException {
        if (l < 2) {
            return;
        }
        int listLen = v.u16(d);
        need(listLen + 2 <= l, "bad ALPN list");
        int p = d + 2;
        int end = p + listLen;
        while (p < end && out.size() < 16) {
            int nl = v.u8(p);
            need(p + 1 + nl <= end, "bad ALPN entry");
            out.add(v.ascii(p + 1, nl));
            p += 1 + nl;
        }
    }

    /** The google_user_agent transport parameter (0x3129), or null. */
    private static String userAgent(PacketView v, int d, int l) {
        int p = d;
        int end = d + l;
        while (p < end) {
            int il = Varint.size(v.u8(p));
            if (p + il > end) {
                return null;
            }
            long id = Varint.read(v, p);
            p += il;
            if (p >= end) {
                return null;
            }
            int ll = Varint.size(v.u8(p));
            if (p + ll > end) {
                return null;
            }
            long vl = Varint.read(v, p);
            p += ll;
            if (vl > end - p) {
                return null;
            }
            if (id == TP_GOOGLE_USER_AGENT) {
                return v.ascii(p, (int) Math.min(vl, 512));
            }
            p += (int) vl;
        }
        return null;
    }

    // ------------------------------------------------------------------ JA4 (FoxIO)

    static String ja4(char protocol, int version, boolean sni, List<Integer> ciphers, List<Integer> exts,
                      String firstAlpn, List<Integer> sigAlgs) {
        StringBuilder a = new StringBuilder(10);
        a.append(protocol).append(versionCode(version)).append(sni ? 'd' : 'i');
        a.append(two(Math.min(ciphers.size(), 99))).append(two(Math.min(exts.size(), 99)));
        a.append(alpnCode(firstAlpn));
        int[] cs = ciphers.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(cs);
        String b = cs.length == 0 ? "000000000000" : hash12(hexList(cs));
        int[] es = exts.stream().mapToInt(Integer::intValue).filter(e -> e != EXT_SNI && e != EXT_ALPN).toArray();
        Arrays.sort(es);
        String c;
        if (es.length == 0) {
            c = "000000000000";
        } else {
            String s = hexList(es);
            if (!sigAlgs.isEmpty()) {
                s = s + "_" + hexList(sigAlgs.stream().mapToInt(Integer::intValue).toArray());
            }
            c = hash12(s);
        }
        return a + "_" + b + "_" + c;
    }

    private static String versionCode(int v) {
        switch (v) {
            case 0x0304: return "13";
            case 0x0303: return "12";
            case 0x0302: return "11";
            case 0x0301: return "10";
            case 0x0300: return "s3";
            case 0x0200: return "s2";
            case 0xfeff: return "d1";
            case 0xfefd: return "d2";
            case 0xfefc: return "d3";
            default: return "00";
        }
    }

    private static String two(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
    }

    private static boolean alnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static String alpnCode(String alpn) {
        if (alpn == null || alpn.isEmpty()) {
            return "00";
        }
        char f = alpn.charAt(0);
        char l = alpn.charAt(alpn.length() - 1);
        if (alnum(f) && alnum(l)) {
            return "" + f + l;
        }
        byte[] b = alpn.getBytes(StandardCharsets.ISO_8859_1);
        String hex = String.format("%02x", b[0] & 0xff) + String.format("%02x", b[b.length - 1] & 0xff);
        return "" + hex.charAt(0) + hex.charAt(3);
    }

    private static String hexList(int[] vals) {
        StringBuilder sb = new StringBuilder(vals.length * 5);
        for (int i = 0; i < vals.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(String.format("%04x", vals[i]));
        }
        return sb.toString();
    }

    private static String hash12(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII));
            StringBuilder sb = new StringBuilder(12);
            for (int i = 0; i < 6; i++) {
                sb.append(String.format("%02x", d[i] & 0xff));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by Java SE", e);
        }
    }
}
