/*
 * SSDP message validation and header access.
 *
 * References: UPnP Device Architecture 2.0 (section 1 "Discovery": M-SEARCH, NOTIFY ssdp:alive/byebye/update,
 * search responses; required headers HOST, MAN, ST, NT, NTS, USN), RFC 9112 (HTTP/1.1 message syntax that SSDP
 * borrows: request line, status line, header fields), RFC 9110 section 5.6.2 (token characters).
 */
package org.flowmark.detector.ssdp.internal;

import java.nio.charset.StandardCharsets;

import org.flowmark.api.packet.PacketView;

/**
 * Pure, allocation-free checks of one UDP payload as an SSDP message, and header lookup.
 *
 * <p>{@link #kind} accepts exactly three start lines: {@code M-SEARCH * HTTP/1.1}, {@code NOTIFY * HTTP/1.1}
 * (methods are case-sensitive; the request target is {@code *}) and an {@code HTTP/1.1 200} status line with any
 * reason phrase; {@code HTTP/1.0} is tolerated, and lines may end in CRLF or a bare LF. Every following line up
 * to the empty line (or the end of the datagram) must be a header field: a non-empty token name, optional
 * blanks, a colon. The headers UDA makes mandatory must be there: ST in M-SEARCH, NT and NTS in NOTIFY, ST and USN
 * in a search response.
 */
final class SsdpParser {

    static final int INVALID = -1;
    static final int M_SEARCH = 1;
    static final int NOTIFY = 2;
    static final int RESPONSE = 3;

    static final int H_OTHER = 0;
    static final int H_ST = 1;
    static final int H_NT = 2;
    static final int H_NTS = 3;
    static final int H_USN = 4;
    static final int H_SERVER = 5;
    static final int H_USER_AGENT = 6;
    static final int H_LOCATION = 7;

    private static final byte[] M_SEARCH_LINE = bytes("M-SEARCH * HTTP/1.");
    private static final byte[] NOTIFY_LINE = bytes("NOTIFY * HTTP/1.");
    private static final byte[] STATUS_LINE = bytes("HTTP/1.");
    private static final byte[][] NAMES = {null, bytes("st"), bytes("nt"), bytes("nts"), bytes("usn"),
        bytes("server"), bytes("user-agent"), bytes("location")};
    /** Bit c set (c < 128): c is an RFC 9110 tchar. */
    private static final long[] TCHAR = tchars();

    private SsdpParser() {
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static long[] tchars() {
        long[] t = new long[2];
        String s = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            t[c >> 6] |= 1L << (c & 63);
        }
        return t;
    }

    private static boolean tchar(int c) {
        return c < 128 && (TCHAR[c >> 6] & (1L << (c & 63))) != 0;
    }

    /** Method names for metadata. */
    static String methodName(int kind) {
        switch (kind) {
            case M_SEARCH: return "M-SEARCH";
            case NOTIFY: return "NOTIFY";
            case RESPONSE: return "RESPONSE";
            default: return null;
        }
    }

    /** The message kind of a valid SSDP message, or {@link #INVALID}. */
    static int kind(PacketView p) {
        int len = p.length();
        int kind;
        int pos;
        if (p.startsWith(0, M_SEARCH_LINE)) {
            kind = M_SEARCH;
            pos = M_SEARCH_LINE.length;
        } else if (p.startsWith(0, NOTIFY_LINE)) {
            kind = NOTIFY;
            pos = NOTIFY_LINE.length;
        } else if (p.startsWith(0, STATUS_LINE)) {
            kind = RESPONSE;
            pos = STATUS_LINE.length;
        } else {
            return INVALID;
        }
        if (pos + 1 >= len || (p.u8(pos) != '1' && p.u8(pos) != '0')) {
            return INVALID;
        }
        pos++;
        if (kind == RESPONSE) {
            if (pos + 5 > len || p.u8(pos) != ' ' || p.u8(pos + 1) != '2' || p.u8(pos + 2) != '0'
                || p.u8(pos + 3) != '0' || (p.u8(pos + 4) != ' ' && p.u8(pos + 4) != '\r' && p.u8(pos + 4) != '\n')) {
                return INVALID;
            }
            int lf = p.indexOf(pos, len, '\n');
            if (lf < 0) {
                return INVALID;
            }
            for (int i = pos + 4; i < lf; i++) {
                int c = p.u8(i);
                if (c < 0x20 && c != '\t' && !(c == '\r' && i == lf - 1) || c == 0x7f) {
                    return INVALID; // a reason phrase is visible text
                }
            }
            pos = lf + 1;
        } else {
            pos = lineEnd(p, pos, len);
            if (pos < 0) {
                return INVALID;
            }
        }
        int seen = 0;
        int headers = 0;
        while (pos < len) {
            int lf = p.indexOf(pos, len, '\n');
            int end = lf < 0 ? len : lf;
            int contentEnd = end > pos && p.u8(end - 1) == '\r' ? end - 1 : end;
            if (contentEnd == pos) {
                break; // the empty line ends the header block
            }
            int id = header(p, pos, contentEnd);
            if (id < 0) {
                return INVALID;
            }
            seen |= 1 << id;
            headers++;
            pos = lf < 0 ? len : lf + 1;
        }
        if (headers == 0) {
            return INVALID;
        }
        switch (kind) {
            case M_SEARCH:
                return (seen & (1 << H_ST)) != 0 ? kind : INVALID;
            case NOTIFY:
                return (seen & (1 << H_NT | 1 << H_NTS)) == (1 << H_NT | 1 << H_NTS) ? kind : INVALID;
            default:
                return (seen & (1 << H_ST | 1 << H_USN)) == (1 << H_ST | 1 << H_USN) ? kind : INVALID;
        }
    }

    /** Position after a CRLF or LF at {@code pos}, or -1. */
    private static int lineEnd(PacketView p, int pos, int len) {
        if (pos < len && p.u8(pos) == '\n') {
            return pos + 1;
        }
        if (pos + 1 < len && p.u8(pos) == '\r' && p.u8(pos + 1) == '\n') {
            return pos + 2;
        }
        return -1;
    }

    /** The header id of the field line {@code [start, end)}, or -1 when it is not a field line. */
    static int header(PacketView p, int start, int end) {
        int i = start;
        while (i < end && tchar(p.u8(i))) {
            i++;
        }
        int nameEnd = i;
        if (nameEnd == start) {
            return -1;
        }
        while (i < end && (p.u8(i) == ' ' || p.u8(i) == '\t')) {
            i++;
        }
        if (i >= end || p.u8(i) != ':') {
            return -1;
        }
        int n = nameEnd - start;
        for (int id = 1; id < NAMES.length; id++) {
            if (NAMES[id].length == n && p.startsWithIgnoreCase(start, NAMES[id])) {
                return id;
            }
        }
        return H_OTHER;
    }

    /**
     * The value of the first header {@code id} of a message {@link #kind} accepted, as {@code start << 32 | end}
     * (blanks trimmed), or -1 when absent.
     */
    static long value(PacketView p, int id) {
        int len = p.length();
        int pos = p.indexOf(0, len, '\n') + 1;
        while (pos > 0 && pos < len) {
            int lf = p.indexOf(pos, len, '\n');
            int end = lf < 0 ? len : lf;
            int contentEnd = end > pos && p.u8(end - 1) == '\r' ? end - 1 : end;
            if (contentEnd == pos) {
                return -1;
            }
            if (header(p, pos, contentEnd) == id) {
                int vs = p.indexOf(pos, contentEnd, ':') + 1;
                while (vs < contentEnd && (p.u8(vs) == ' ' || p.u8(vs) == '\t')) {
                    vs++;
                }
                int ve = contentEnd;
                while (ve > vs && (p.u8(ve - 1) == ' ' || p.u8(ve - 1) == '\t')) {
                    ve--;
                }
                return ((long) vs << 32) | ve;
            }
            pos = lf < 0 ? len : lf + 1;
        }
        return -1;
    }
}
