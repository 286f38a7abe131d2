package org.flowmark.detector.tls.internal;

import org.flowmark.api.packet.PacketView;

/**
 * The plaintext part of a STARTTLS upgrade, followed packet by packet: SMTP (RFC 3207: {@code 220} banner,
 * {@code STARTTLS}, {@code 220}), IMAP (RFC 2595/9051: {@code * OK}, {@code tag STARTTLS}, {@code tag OK}), POP3
 * (RFC 2595: {@code +OK}, {@code STLS}, {@code +OK}), FTP (RFC 4217: {@code 220}, {@code AUTH TLS}, {@code 234})
 * and XMPP (RFC 6120 section 5: {@code <starttls/>}, {@code <proceed/>}). Only the first {@link #WINDOW} bytes of
 * each packet are read; every one of them must be printable text.
 */
final class StartTls {

    static final int FAILED = -1;
    static final int NONE = 0;
    /** A plaintext opening of a known protocol was seen. */
    static final int PLAIN = 1;
    /** The client asked to upgrade. */
    static final int COMMAND = 2;
    /** The server agreed: the client's next bytes are a TLS ClientHello. */
    static final int ACCEPTED = 3;
    /** The TLS handshake started. */
    static final int TLS = 4;

    static final int WINDOW = 96;

    private static final byte[] STARTTLS = bytes("starttls");
    private static final byte[] STLS = bytes("stls");
    private static final byte[] AUTH_TLS = bytes("auth tls");
    private static final byte[] AUTH_SSL = bytes("auth ssl");
    private static final byte[] XMPP_STARTTLS = bytes("<starttls");
    private static final byte[] PROCEED = bytes("<proceed");
    private static final byte[] OK = bytes(" ok");
    private static final byte[] W_STAR_OK = bytes("* ok");
    private static final byte[] W_PLUS_OK = bytes("+ok");
    private static final byte[] W_220 = bytes("220");
    private static final byte[] W_234 = bytes("234");
    private static final byte[] W_XML = bytes("<?xml");
    private static final byte[] W_STREAM_STREAM = bytes("<stream:stream");
    private static final byte[] W_EHLO = bytes("ehlo ");
    private static final byte[] W_HELO = bytes("helo ");

    private StartTls() {
    }

    /** Moves the STARTTLS phase of {@code st} on by one plaintext packet; returns the new phase. */
    static int advance(TlsFlowState st, boolean fromInit, PacketView p) {
        int n = Math.min(p.length(), WINDOW);
        if (tpkt(p)) {
            // RDP: TPKT + X.224 Connection Request from the client, Connection Confirm from the server
            int code = p.u8(5) & 0xf0;
            if (st.starttls == NONE && fromInit && code == 0xe0) {
                st.starttlsProtocol = "rdp";
                return st.starttls = COMMAND;
            }
            if (st.starttls == COMMAND && !fromInit && code == 0xd0 && "rdp".equals(st.starttlsProtocol)) {
                return st.starttls = ACCEPTED;
            }
            return st.starttls = FAILED;
        }
        if (!text(p, n)) {
            return st.starttls = FAILED;
        }
        switch (st.starttls) {
            case NONE:
                if (p.startsWithIgnoreCase(0, W_220)) {
                    st.starttlsProtocol = "smtp";
                } else if (p.startsWithIgnoreCase(0, W_STAR_OK)) {
                    st.starttlsProtocol = "imap";
                } else if (p.startsWithIgnoreCase(0, W_PLUS_OK)) {
                    st.starttlsProtocol = "pop3";
                } else if (p.startsWithIgnoreCase(0, W_EHLO) || p.startsWithIgnoreCase(0, W_HELO)) {
                    st.starttlsProtocol = "smtp";
                } else if (p.startsWithIgnoreCase(0, W_XML) || p.startsWithIgnoreCase(0, W_STREAM_STREAM)) {
                    st.starttlsProtocol = "xmpp";
                } else {
                    return st.starttls = FAILED;
                }
                return st.starttls = PLAIN;
            case PLAIN:
                if (fromInit) {
                    if (p.startsWithIgnoreCase(0, AUTH_TLS) || p.startsWithIgnoreCase(0, AUTH_SSL)) {
                        st.starttlsProtocol = "ftp";
                        return st.starttls = COMMAND;
                    }
                    if (p.startsWithIgnoreCase(0, STLS) && n >= 5 && (p.u8(4) == '\r' || p.u8(4) == '\n')) {
                        return st.starttls = COMMAND;
                    }
                    if (p.startsWithIgnoreCase(0, XMPP_STARTTLS)
                        || (find(p, n, STARTTLS) >= 0 && p.u8(0) != '<')) {
                        return st.starttls = COMMAND;
                    }
                }
                return PLAIN;
            case COMMAND:
                if (!fromInit) {
                    if (p.startsWithIgnoreCase(0, W_220) || p.startsWithIgnoreCase(0, W_234) || p.startsWithIgnoreCase(0, W_PLUS_OK)
                        || p.startsWithIgnoreCase(0, PROCEED)
                        || ("imap".equals(st.starttlsProtocol) && find(p, n, OK) >= 0 && p.u8(0) != '*')) {
                        return st.starttls = ACCEPTED;
                    }
                    return st.starttls = PLAIN; // refused: the client may try again
                }
                return COMMAND;
            default:
                return st.starttls;
        }
    }

    /** A whole TPKT (RFC 1006: version 3, reserved 0, length = the segment) holding an X.224 TPDU. */
    private static boolean tpkt(PacketView p) {
        int len = p.length();
        return len >= 11 && p.u8(0) == 3 && p.u8(1) == 0 && p.u16(2) == len && p.u8(4) == len - 5;
    }

    private static boolean text(PacketView p, int n) {
        for (int i = 0; i < n; i++) {
            int c = p.u8(i);
            if ((c < 0x20 || c > 0x7e) && c != '\r' && c != '\n' && c != '\t') {
                return false;
            }
        }
        return n > 0;
    }


    private static int find(PacketView p, int n, byte[] lower) {
        for (int i = 0; i + lower.length <= n; i++) {
            if (p.startsWithIgnoreCase(i, lower)) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
