package org.flowmark.detector.tls.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.flowmark.api.packet.PacketView;

/**
 * A parsed ClientHello (RFC 8446 section 4.1.2, RFC 5246 section 7.4.1.2, DTLS: RFC 6347 section 4.2.1 with its
 * cookie). Built once per flow by {@link #parse}; GREASE values (RFC 8701) are kept in the lists as sent and
 * skipped by the fingerprints.
 */
final class ClientHello {

    /** legacy_version (client_version in TLS 1.2 and earlier). */
    int legacyVersion;
    /** Highest non-GREASE version in supported_versions, or 0 when the extension is absent. */
    int maxSupportedVersion;
    int[] ciphers = new int[0];
    int cipherCount;
    int[] extensions = new int[0];
    int extensionCount;
    int[] groups = new int[0];
    int groupCount;
    int[] pointFormats = new int[0];
    int pointFormatCount;
    int[] sigAlgs = new int[0];
    int sigAlgCount;
    /** server_name extension present (JA4 "d"), even if its host name was unusable. */
    boolean sniPresent;
    /** The first host_name of server_name, when it is a plausible host name; else null. */
    String sni;
    List<String> alpn = Collections.emptyList();
    /** First and last byte of the first ALPN protocol name, -1 when there is none (JA4). */
    int alpnFirstByte = -1;
    int alpnLastByte = -1;
    /** encrypted_client_hello (0xfe0d) present. */
    boolean ech;
    /** The bytes ended before the declared end of the message: lists may be incomplete, no fingerprints. */
    boolean truncated;
    /**
     * The part after the cipher suites breaks the format (no compression method, an extension passing the end of
     * the message or inconsistent inside): parsing stopped there, what came before is kept, no fingerprints.
     */
    boolean malformed;

    /** The version the client offers at most: supported_versions if present, else legacy_version. */
    int offeredVersion() {
        return maxSupportedVersion != 0 ? maxSupportedVersion : legacyVersion;
    }

    /** True for the GREASE values of RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa. */
    static boolean grease(int v) {
        return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
    }

    /**
     * Parses a ClientHello body (after the 4-byte handshake header, or the 12-byte DTLS one).
     *
     * @param v       the bytes
     * @param o       offset of the body in {@code v}
     * @param bodyLen length declared by the handshake header
     * @param avail   bytes of the body present in {@code v} from {@code o} ({@code <= bodyLen}); when smaller,
     *                the hello is parsed as far as it goes and marked {@link #truncated}
     * @param dtls    DTLS layout (a cookie after the session id; versions 0xfeff/0xfefd)
     * @throws TlsFormatException when a field contradicts the format or a length the message declares
     */
    static ClientHello parse(PacketView v, int o, int bodyLen, int avail, boolean dtls) throws TlsFormatException {
        Cursor c = new Cursor(v, o, bodyLen, avail);
        ClientHello h = new ClientHello();
        if (!c.fits(2 + 32 + 1)) {
            return c.partialOf(h);
        }
        h.legacyVersion = v.u16(c.p);
        if (dtls ? (h.legacyVersion != 0xfeff && h.legacyVersion != 0xfefd)
                 : (h.legacyVersion < 0x0300 || h.legacyVersion > 0x0304)) {
            throw new TlsFormatException("ClientHello version " + Integer.toHexString(h.legacyVersion));
        }
        c.p += 34;
        int sid = v.u8(c.p++);
        if (sid > 32) {
            throw new TlsFormatException("ClientHello session id of " + sid + " bytes");
        }
        if (!c.skip(sid)) {
            return c.partialOf(h);
        }
        if (dtls) {
            if (!c.fits(1)) {
                return c.partialOf(h);
            }
            int cookie = v.u8(c.p++);
            if (!c.skip(cookie)) {
                return c.partialOf(h);
            }
        }
        if (!c.fits(2)) {
            return c.partialOf(h);
        }
        int cs = v.u16(c.p);
        c.p += 2;
        if (cs < 2 || (cs & 1) != 0) {
            throw new TlsFormatException("cipher_suites length " + cs);
        }
        c.within(cs);
        h.ciphers = new int[cs / 2];
        for (int i = 0; i < cs / 2; i++) {
            if (!c.fits(2)) {
                return c.partialOf(h);
            }
            h.ciphers[h.cipherCount++] = v.u16(c.p);
            c.p += 2;
        }
        try {
            return tail(h, v, c, dtls);
        } catch (TlsFormatException e) {
            h.malformed = true;
            return h;
        }
    }

    /** Compression methods and extensions: the part of a ClientHello a broken client may get wrong. */
    private static ClientHello tail(ClientHello h, PacketView v, Cursor c, boolean dtls) throws TlsFormatException {
        if (!c.fits(1)) {
            return c.partialOf(h);
        }
        int comp = v.u8(c.p++);
        if (comp < 1) {
            h.malformed = true; // RFC 5246 requires the null method; nothing after it can be trusted
            return h;
        }
        if (!c.skip(comp)) {
            return c.partialOf(h);
        }
        if (c.p == c.end) {
            return h; // no extensions (SSL 3.0 / early TLS clients)
        }
        if (!c.fits(2)) {
            return c.partialOf(h);
        }
        int extLen = v.u16(c.p);
        c.p += 2;
        if (c.p + extLen != c.end) {
            throw new TlsFormatException("extensions length " + extLen + " does not end the ClientHello");
        }
        h.extensions = new int[extLen / 4];
        while (c.p < c.end) {
            if (!c.fits(4)) {
                return c.partialOf(h);
            }
            int type = v.u16(c.p);
            int len = v.u16(c.p + 2);
            c.p += 4;
            c.within(len);
            h.extensions[h.extensionCount++] = type;
            if (!c.fits(len)) {
                if (type == 0x0000) {
                    h.sniPresent = true;
                } else if (type == 0xfe0d) {
                    h.ech = true;
                }
                return c.partialOf(h);
            }
            extension(h, v, c.p, len, dtls);
            c.p += len;
        }
        return h;
    }

    private static void extension(ClientHello h, PacketView v, int p, int len, boolean dtls)
            throws TlsFormatException {
        int end = p + len;
        switch (type(v, p - 4)) {
            case 0x0000: { // server_name (RFC 6066 section 3)
                h.sniPresent = true;
                if (len == 0) {
                    return; // empty: allowed in a ServerHello, tolerated here
                }
                int list = v.u16(p);
                if (list + 2 != len) {
                    throw new TlsFormatException("server_name list length");
                }
                int q = p + 2;
                while (q + 3 <= end) {
                    int nameType = v.u8(q);
                    int n = v.u16(q + 1);
                    q += 3;
                    if (q + n > end) {
                        throw new TlsFormatException("server_name entry length");
                    }
                    if (nameType == 0 && h.sni == null) {
                        h.sni = hostName(v, q, n);
                    }
                    q += n;
                }
                if (q != end) {
                    throw new TlsFormatException("server_name trailing bytes");
                }
                return;
            }
            case 0x0010: { // ALPN (RFC 7301 section 3.1)
                if (len < 2 || v.u16(p) + 2 != len) {
                    throw new TlsFormatException("ALPN list length");
                }
                List<String> names = new ArrayList<>(4);
                int q = p + 2;
                while (q < end) {
                    int n = v.u8(q);
                    if (n == 0 || q + 1 + n > end) {
                        throw new TlsFormatException("ALPN protocol name length");
                    }
                    if (names.isEmpty()) {
                        h.alpnFirstByte = v.u8(q + 1);
                        h.alpnLastByte = v.u8(q + n);
                    }
                    if (names.size() < 16) {
                        names.add(v.ascii(q + 1, Math.min(n, 64)));
                    }
                    q += 1 + n;
                }
                h.alpn = names;
                return;
            }
            case 0x000a: // supported_groups (RFC 8446 section 4.2.7)
                h.groups = u16List(v, p, len, "supported_groups");
                h.groupCount = h.groups.length;
                return;
            case 0x000b: { // ec_point_formats (RFC 8422 section 5.1.2)
                if (len < 1 || v.u8(p) + 1 != len) {
                    throw new TlsFormatException("ec_point_formats length");
                }
                h.pointFormats = new int[len - 1];
                for (int i = 0; i < len - 1; i++) {
                    h.pointFormats[i] = v.u8(p + 1 + i);
                }
                h.pointFormatCount = len - 1;
                return;
            }
            case 0x000d: // signature_algorithms (RFC 8446 section 4.2.3)
                h.sigAlgs = u16List(v, p, len, "signature_algorithms");
                h.sigAlgCount = h.sigAlgs.length;
                return;
            case 0x002b: { // supported_versions (RFC 8446 section 4.2.1): u8 length, 2-byte versions
                if (len < 1 || v.u8(p) + 1 != len || (v.u8(p) & 1) != 0) {
                    throw new TlsFormatException("supported_versions length");
                }
                int best = 0;
                for (int q = p + 1; q < end; q += 2) {
                    int ver = v.u16(q);
                    if (!grease(ver) && versionRank(ver, dtls) > versionRank(best, dtls)) {
                        best = ver;
                    }
                }
                h.maxSupportedVersion = best;
                return;
            }
            case 0xfe0d: // encrypted_client_hello (draft-ietf-tls-esni)
                h.ech = true;
                return;
            default:
                return;
        }
    }

    private static int type(PacketView v, int extHeader) {
        return v.u16(extHeader);
    }

    /** Orders versions: higher is newer. DTLS versions count down (0xfeff = 1.0, 0xfefd = 1.2, 0xfefc = 1.3). */
    static int versionRank(int ver, boolean dtls) {
        if (ver == 0) {
            return -1;
        }
        if ((ver >> 8) == 0xfe) {
            return 0x100 - (ver & 0xff);
        }
        return dtls ? -1 : ver;
    }

    /** A 2-byte-length list of 2-byte values that must fill the extension exactly. */
    static int[] u16List(PacketView v, int p, int len, String what) throws TlsFormatException {
        if (len < 2 || v.u16(p) + 2 != len || (len & 1) != 0) {
            throw new TlsFormatException(what + " length");
        }
        int[] out = new int[(len - 2) / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.u16(p + 2 + 2 * i);
        }
        return out;
    }

    /** The host name as sent, if it is 1..255 printable ASCII bytes without spaces; lowercased. Else null. */
    static String hostName(PacketView v, int p, int n) {
        if (n < 1 || n > 255) {
            return null;
        }
        for (int i = 0; i < n; i++) {
            int ch = v.u8(p + i);
            if (ch <= 0x20 || ch >= 0x7f) {
                return null;
            }
        }
        String s = v.ascii(p, n).toLowerCase(java.util.Locale.ROOT);
        return s.endsWith(".") && s.length() > 1 ? s.substring(0, s.length() - 1) : s;
    }

    /**
     * Bounds of a message body that may be cut short: reads within {@code [o, o+avail)} are possible; a field
     * that needs bytes past the declared end is malformed, one that needs bytes past {@code avail} only
     * truncates the parse.
     */
    static final class Cursor {
        final int end;
        final int lim;
        int p;

        Cursor(PacketView v, int o, int bodyLen, int avail) throws TlsFormatException {
            if (bodyLen < 0 || avail < 0 || avail > bodyLen || o < 0 || o + avail > v.length()) {
                throw new TlsFormatException("bad message bounds");
            }
            this.p = o;
            this.end = o + bodyLen;
            this.lim = o + avail;
        }

        /** True when {@code n} bytes at the cursor are present; throws when they pass the declared end. */
        boolean fits(int n) throws TlsFormatException {
            within(n);
            return p + n <= lim;
        }

        /** Throws when {@code n} bytes at the cursor pass the declared end. */
        void within(int n) throws TlsFormatException {
            if (n < 0 || p + n > end) {
                throw new TlsFormatException("field passes the end of the message");
            }
        }

        /** Moves past {@code n} bytes; false (cursor unchanged) when they are not all present. */
        boolean skip(int n) throws TlsFormatException {
            if (!fits(n)) {
                return false;
            }
            p += n;
            return true;
        }

        ClientHello partialOf(ClientHello h) throws TlsFormatException {
            if (lim == end) {
                throw new TlsFormatException("ClientHello ends early");
            }
            h.truncated = true;
            return h;
        }
    }
}
