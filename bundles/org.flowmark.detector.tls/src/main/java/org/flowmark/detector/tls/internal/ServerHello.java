package org.flowmark.detector.tls.internal;

import org.flowmark.api.packet.PacketView;

/**
 * A parsed ServerHello (RFC 8446 section 4.1.3, RFC 5246 section 7.4.1.3; DTLS RFC 6347 section 4.2.1 has the
 * same layout). A HelloRetryRequest is a ServerHello with a fixed random; it is recognised and flagged.
 */
final class ServerHello {

    /** SHA-256 of "HelloRetryRequest" (RFC 8446 section 4.1.3): the random of a HelloRetryRequest. */
    private static final byte[] HRR_RANDOM = {
        (byte) 0xcf, 0x21, (byte) 0xad, 0x74, (byte) 0xe5, (byte) 0x9a, 0x61, 0x11, (byte) 0xbe, 0x1d, (byte) 0x8c,
        0x02, 0x1e, 0x65, (byte) 0xb8, (byte) 0x91, (byte) 0xc2, (byte) 0xa2, 0x11, 0x16, 0x7a, (byte) 0xbb,
        (byte) 0x8c, 0x5e, 0x07, (byte) 0x9e, 0x09, (byte) 0xe2, (byte) 0xc8, (byte) 0xa8, 0x33, (byte) 0x9c};

    int legacyVersion;
    /** selected_version of supported_versions, or 0 when absent. */
    int selectedVersion;
    int cipher;
    /** The protocol the server chose by ALPN, or null. */
    String alpn;
    boolean helloRetryRequest;

    /** The negotiated version: supported_versions when present (TLS 1.3), else legacy_version. */
    int version() {
        return selectedVersion != 0 ? selectedVersion : legacyVersion;
    }

    /**
     * Parses a complete ServerHello body ({@code len} bytes at {@code o}).
     *
     * @throws TlsFormatException when a field or length is inconsistent
     */
    static ServerHello parse(PacketView v, int o, int len, boolean dtls) throws TlsFormatException {
        if (o < 0 || len < 38 || o + len > v.length()) {
            throw new TlsFormatException("ServerHello too short");
        }
        int end = o + len;
        ServerHello h = new ServerHello();
        h.legacyVersion = v.u16(o);
        if (dtls ? (h.legacyVersion != 0xfeff && h.legacyVersion != 0xfefd)
                 : (h.legacyVersion < 0x0300 || h.legacyVersion > 0x0303)) {
            throw new TlsFormatException("ServerHello version " + Integer.toHexString(h.legacyVersion));
        }
        h.helloRetryRequest = v.startsWith(o + 2, HRR_RANDOM);
        int p = o + 34;
        int sid = v.u8(p++);
        if (sid > 32 || p + sid + 3 > end) {
            throw new TlsFormatException("ServerHello session id");
        }
        p += sid;
        h.cipher = v.u16(p);
        p += 2;
        p++; // compression method
        if (p == end) {
            return h;
        }
        if (p + 2 > end || p + 2 + v.u16(p) != end) {
            throw new TlsFormatException("ServerHello extensions length");
        }
        p += 2;
        while (p < end) {
            if (p + 4 > end) {
                throw new TlsFormatException("ServerHello extension header");
            }
            int type = v.u16(p);
            int n = v.u16(p + 2);
            p += 4;
            if (p + n > end) {
                throw new TlsFormatException("ServerHello extension length");
            }
            if (type == 0x002b) {
                if (n != 2) {
                    throw new TlsFormatException("supported_versions in ServerHello");
                }
                h.selectedVersion = v.u16(p);
            } else if (type == 0x0010) {
                // one ProtocolName in a ProtocolNameList (RFC 7301 section 3.1)
                if (n < 3 || v.u16(p) + 2 != n || v.u8(p + 2) + 3 != n) {
                    throw new TlsFormatException("ALPN in ServerHello");
                }
                h.alpn = v.ascii(p + 3, Math.min(n - 3, 64));
            }
            p += n;
        }
        return h;
    }
}
