/*
 * HTTP/1.x message-start and header-line parsing.
 *
 * References: RFC 9112 "HTTP/1.1" (section 2.2 message parsing and bare LF, 3 request line, 3.2 request target
 * forms and Host, 4 status line, 5 field syntax) and RFC 9110 "HTTP Semantics" (section 9 methods, 7.2 Host);
 * WebDAV methods from RFC 4918 (PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK), RFC 3253 (REPORT),
 * RFC 5323 (SEARCH), RFC 4791 (MKCALENDAR); PATCH from RFC 5789.
 */
package org.flowmark.detector.http.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.flowmark.api.packet.PacketView;

/**
 * Pure functions over a {@link PacketView} that recognise the start of an HTTP/1.x message and the header lines
 * the detector keeps. Every function reads only inside {@code [from, to)}, never throws on any byte content and
 * allocates nothing, except {@link #isIpLiteral}, {@link #obsoleteServer} and {@link #binaryContentType}, which
 * take strings the detector has already extracted once per flow.
 *
 * <p>Results that carry several numbers are packed into a {@code long} (see the accessors) so that parsing needs
 * no result object. Indexes are limited to {@link #MAX_INDEX}; views are never longer than an IP packet.
 */
final class HttpParser {

    /** Methods recognised at the start of a request, in match order; the index is the method id. */
    static final String[] METHOD_NAMES = {
        "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "PATCH", "TRACE",
        "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH", "MKCALENDAR"
    };
    /** Method id of CONNECT. */
    static final int CONNECT = 6;
    /** Method id of OPTIONS. */
    static final int OPTIONS = 5;

    /** {@link #classifyStart}: the bytes cannot start an HTTP/1.x message. */
    static final int START_NONE = -1;
    /** {@link #classifyStart}: the bytes are a strict prefix of a method token or of {@code "HTTP/1."}. */
    static final int START_PARTIAL = -2;
    /** {@link #classifyStart}: the bytes start with {@code "HTTP/1."}: a response. */
    static final int START_RESPONSE = -3;

    /** Start-line parse: more bytes are needed to decide. */
    static final long INCOMPLETE = -1L;
    /** Start-line parse: not a valid HTTP/1.x start line. */
    static final long INVALID = -2L;

    /** Version minor digit reported for a request line cut by the line bound before its version. */
    static final int MINOR_UNKNOWN = 0xff;

    /** Header ids returned by {@link #headerId}. */
    static final int H_OTHER = -1;
    static final int H_HOST = 0;
    static final int H_USER_AGENT = 1;
    static final int H_CONTENT_TYPE = 2;
    static final int H_SERVER = 3;
    static final int H_X_FORWARDED_FOR = 4;
    static final int H_REFERER = 5;

    /** Largest index a packed result can carry (24 bits). */
    static final int MAX_INDEX = 0xff_ffff;

    /** Method tokens followed by the SP that ends them. */
    private static final byte[][] METHODS = new byte[METHOD_NAMES.length][];
    /**
     * For each first letter {@code c - 'A'}: the method ids starting with it, and {@link #START_RESPONSE} for
     * 'H'; empty for letters no message starts with. At most four candidates are compared per message.
     */
    private static final int[][] BY_FIRST_LETTER = new int[26][];
    private static final byte[] HTTP1 = ascii("HTTP/1.");
    /** Lowercase header names followed by ':', indexed by header id. */
    private static final byte[][] HEADERS = {
        ascii("host:"), ascii("user-agent:"), ascii("content-type:"), ascii("server:"), ascii("x-forwarded-for:"),
        ascii("referer:")
    };
    private static final byte[] SCHEME_SEP = ascii("://");

    static {
        for (int i = 0; i < METHOD_NAMES.length; i++) {
            METHODS[i] = ascii(METHOD_NAMES[i] + " ");
        }
        for (int letter = 0; letter < 26; letter++) {
            int[] ids = new int[METHOD_NAMES.length + 1];
            int n = 0;
            for (int i = 0; i < METHOD_NAMES.length; i++) {
                if (METHOD_NAMES[i].charAt(0) - 'A' == letter) {
                    ids[n++] = i;
                }
            }
            if (letter == 'H' - 'A') {
                ids[n++] = START_RESPONSE;
            }
            BY_FIRST_LETTER[letter] = java.util.Arrays.copyOf(ids, n);
        }
    }

    private HttpParser() {
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- message start

    /**
     * Classifies the first bytes of a message in {@code [from, to)}: a method id ({@code >= 0}) when a known
     * method token and its SP are present, {@link #START_RESPONSE} for {@code "HTTP/1."}, {@link #START_PARTIAL}
     * while the bytes are still a prefix of one of those, {@link #START_NONE} otherwise. Methods are
     * case-sensitive (RFC 9110 section 9.1). The first byte alone rejects most non-HTTP payloads.
     */
    static int classifyStart(PacketView v, int from, int to) {
        int avail = to - from;
        if (avail <= 0) {
            return START_PARTIAL;
        }
        int c = v.u8(from);
        if (c < 'A' || c > 'Z') {
            return START_NONE;
        }
        int[] candidates = BY_FIRST_LETTER[c - 'A'];
        boolean partial = false;
        for (int id : candidates) {
            int r = matchPrefix(v, from, avail, id == START_RESPONSE ? HTTP1 : METHODS[id]);
            if (r > 0) {
                return id;
            }
            partial |= r == 0;
        }
        return partial ? START_PARTIAL : START_NONE;
    }

    /** 1: {@code pattern} is at {@code from}; 0: the available bytes are a strict prefix of it; -1: mismatch. */
    private static int matchPrefix(PacketView v, int from, int avail, byte[] pattern) {
        int n = Math.min(avail, pattern.length);
        for (int i = 0; i < n; i++) {
            if (v.u8(from + i) != pattern[i]) {
                return -1;
            }
        }
        return n == pattern.length ? 1 : 0;
    }

    /**
     * Parses a request line {@code method SP request-target SP HTTP/1.d (CR)LF} at {@code from}, whose method
     * {@code m} {@link #classifyStart} found. Like RFC 9112 section 3 allows, runs of SP or HTAB separate the
     * three parts. At most {@code maxLine} bytes are examined: a line still plausible
     * when that bound is reached (a very long URL) is accepted as truncated, with {@link #MINOR_UNKNOWN} as its
     * version and its target cut at the bound. The target must be non-empty and hold no control byte or SP
     * (bytes above 0x7f are tolerated: some clients send raw UTF-8).
     *
     * @return {@link #INCOMPLETE}, {@link #INVALID}, or a packed result read with {@link #method},
     *         {@link #minor}, {@link #targetEnd} and {@link #next}
     */
    static long requestLine(PacketView v, int from, int to, int maxLine, int m) {
        if (to > MAX_INDEX) {
            to = MAX_INDEX;
        }
        boolean bounded = to - from >= maxLine;
        int limit = bounded ? from + maxLine : to;
        int ts = skipBlanks(v, from + METHODS[m].length, limit);
        int i = ts;
        while (i < limit) {
            int c = v.u8(i);
            if (c == ' ' || c == '\t') {
                break;
            }
            if (c < 0x21 || c == 0x7f) {
                return INVALID;
            }
            i++;
        }
        if (i >= limit) {
            if (!bounded) {
                return INCOMPLETE;
            }
            return i > ts ? packRequest(m, MINOR_UNKNOWN, i, limit) : INVALID;
        }
        int te = i;
        int p = skipBlanks(v, te, limit);
        for (int k = 0; k < HTTP1.length; k++, p++) {
            if (p >= limit) {
                return bounded ? packRequest(m, MINOR_UNKNOWN, te, limit) : INCOMPLETE;
            }
            if (v.u8(p) != HTTP1[k]) {
                return INVALID;
            }
        }
        if (p >= limit) {
            return bounded ? packRequest(m, MINOR_UNKNOWN, te, limit) : INCOMPLETE;
        }
        int d = v.u8(p++);
        if (d != '0' && d != '1') {
            return INVALID;
        }
        if (p >= limit) {
            return bounded ? packRequest(m, MINOR_UNKNOWN, te, limit) : INCOMPLETE;
        }
        int c = v.u8(p);
        if (c == '\r') {
            p++;
            if (p >= limit) {
                return bounded ? packRequest(m, MINOR_UNKNOWN, te, limit) : INCOMPLETE;
            }
            c = v.u8(p);
        }
        if (c != '\n') {
            return INVALID;
        }
        return packRequest(m, d - '0', te, p + 1);
    }

    /** First index at or after {@code i} (and before {@code limit}) that is not SP or HTAB. */
    private static int skipBlanks(PacketView v, int i, int limit) {
        while (i < limit && (v.u8(i) == ' ' || v.u8(i) == '\t')) {
            i++;
        }
        return i;
    }

    /** Index of the request target of a packed request line that starts at {@code from}. */
    static int targetStart(PacketView v, int from, long packed) {
        return skipBlanks(v, from + METHODS[method(packed)].length, targetEnd(packed));
    }

    private static long packRequest(int m, int minor, int targetEnd, int next) {
        return m | ((long) minor << 8) | ((long) targetEnd << 16) | ((long) next << 40);
    }

    /** Method id of a packed request line. */
    static int method(long packed) {
        return (int) (packed & 0xff);
    }

    /** Version minor digit (0 or 1) of a packed request or status line, {@link #MINOR_UNKNOWN} when cut. */
    static int minor(long packed) {
        return (int) ((packed >>> 8) & 0xff);
    }

    /** Index just past the request target of a packed request line. */
    static int targetEnd(long packed) {
        return (int) ((packed >>> 16) & MAX_INDEX);
    }

    /**
     * Index just past the packed request line's LF; for a truncated line ({@link #MINOR_UNKNOWN}), the bound
     * where parsing stopped, the rest of the line still to be skipped.
     */
    static int next(long packed) {
        return (int) ((packed >>> 40) & MAX_INDEX);
    }

    /**
     * Recognises a status line start {@code HTTP/1.d SP ddd} followed by SP, CR or LF (the reason phrase may be
     * empty, RFC 9112 section 4). The reason phrase is not examined, so the line's end need not be present.
     *
     * @return {@link #INCOMPLETE}, {@link #INVALID}, or a packed value read with {@link #status} and {@link #minor}
     */
    static long statusLine(PacketView v, int from, int to) {
        int p = from;
        for (int k = 0; k < HTTP1.length; k++, p++) {
            if (p >= to) {
                return INCOMPLETE;
            }
            if (v.u8(p) != HTTP1[k]) {
                return INVALID;
            }
        }
        if (p >= to) {
            return INCOMPLETE;
        }
        int d = v.u8(p++);
        if (d != '0' && d != '1') {
            return INVALID;
        }
        if (p >= to) {
            return INCOMPLETE;
        }
        if (v.u8(p++) != ' ') {
            return INVALID;
        }
        int status = 0;
        for (int k = 0; k < 3; k++, p++) {
            if (p >= to) {
                return INCOMPLETE;
            }
            int c = v.u8(p);
            if (c < '0' || c > '9') {
                return INVALID;
            }
            status = status * 10 + (c - '0');
        }
        if (p >= to) {
            return INCOMPLETE;
        }
        int c = v.u8(p);
        if (c != ' ' && c != '\r' && c != '\n') {
            return INVALID;
        }
        if (status < 100 || status > 599) {
            return INVALID; // RFC 9110 section 15: the first digit is the class, 1 to 5
        }
        return status | ((long) (d - '0') << 16);
    }

    /** Status code of a packed status line. */
    static int status(long packed) {
        return (int) (packed & 0xffff);
    }

    /** Version minor digit of a packed status line. */
    static int statusMinor(long packed) {
        return (int) ((packed >>> 16) & 0xff);
    }

    // ---------------------------------------------------------------- header lines

    /**
     * Identifies the header whose line spans {@code [start, end)} (line terminator excluded): one of the
     * {@code H_*} ids, matched ignoring ASCII case, the name followed directly by ':' (RFC 9112 section 5.1
     * forbids whitespace there), or {@link #H_OTHER}.
     */
    static int headerId(PacketView v, int start, int end) {
        if (end - start < 5) {
            return H_OTHER;
        }
        int id;
        switch (v.u8(start) | 0x20) {
            case 'h': id = H_HOST; break;
            case 'u': id = H_USER_AGENT; break;
            case 'c': id = H_CONTENT_TYPE; break;
            case 's': id = H_SERVER; break;
            case 'x': id = H_X_FORWARDED_FOR; break;
            case 'r': id = H_REFERER; break;
            default: return H_OTHER;
        }
        byte[] name = HEADERS[id];
        return name.length <= end - start && v.startsWithIgnoreCase(start, name) ? id : H_OTHER;
    }

    /** Index where the value of header {@code id} starts on a line starting at {@code start}. */
    static int valueStart(PacketView v, int id, int start, int end) {
        int i = start + HEADERS[id].length;
        while (i < end && isOws(v.u8(i))) {
            i++;
        }
        return i;
    }

    /** Index just past the value that starts at {@code valueStart}, trailing whitespace and CR removed. */
    static int valueEnd(PacketView v, int valueStart, int end) {
        int i = end;
        while (i > valueStart && (isOws(v.u8(i - 1)) || v.u8(i - 1) == '\r')) {
            i--;
        }
        return i;
    }

    private static boolean isOws(int c) {
        return c == ' ' || c == '\t';
    }

    /** End of a line's content: {@code lf} minus a preceding CR, never before {@code start}. */
    static int contentEnd(PacketView v, int start, int lf) {
        return lf > start && v.u8(lf - 1) == '\r' ? lf - 1 : lf;
    }

    // ---------------------------------------------------------------- host names

    /**
     * The host part of a Host value or an authority in {@code [start, end)}: the port and IPv6 brackets removed,
     * packed as {@code hostStart << 32 | hostEnd}, or -1 when the value is empty or holds characters a host
     * (reg-name, IPv4 or IPv6 literal, RFC 3986 section 3.2.2) or a port cannot hold. Read with {@link #rangeStart}
     * and {@link #rangeEnd}.
     */
    static long hostRange(PacketView v, int start, int end) {
        if (start >= end) {
            return -1;
        }
        int hs;
        int he;
        int after;
        if (v.u8(start) == '[') {
            int rb = v.indexOf(start + 1, end, ']');
            if (rb < 0) {
                return -1;
            }
            hs = start + 1;
            he = rb;
            for (int i = hs; i < he; i++) {
                int c = v.u8(i);
                if (!(isHex(c) || c == ':' || c == '.')) {
                    return -1;
                }
            }
            after = rb + 1;
        } else {
            hs = start;
            int i = start;
            while (i < end) {
                int c = v.u8(i);
                if (c == ':') {
                    break;
                }
                if (!(isAlnum(c) || c == '-' || c == '.' || c == '_')) {
                    return -1;
                }
                i++;
            }
            he = i;
            after = i;
        }
        if (he <= hs) {
            return -1;
        }
        if (after < end) {
            if (v.u8(after) != ':') {
                return -1;
            }
            for (int i = after + 1; i < end; i++) {
                int c = v.u8(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
            }
        }
        return ((long) hs << 32) | he;
    }

    static int rangeStart(long range) {
        return (int) (range >>> 32);
    }

    static int rangeEnd(long range) {
        return (int) range;
    }

    /**
     * The authority of a request target in {@code [ts, te)}: the whole target for CONNECT (authority-form), the
     * part after {@code "scheme://"} up to the first '/', '?' or '#' for absolute-form, without user info; packed
     * like {@link #hostRange} (unvalidated), or -1 for origin-form and asterisk-form targets.
     */
    static long authorityRange(PacketView v, int ts, int te, boolean connect) {
        if (ts >= te) {
            return -1;
        }
        if (connect) {
            return ((long) ts << 32) | te;
        }
        int c0 = v.u8(ts);
        if (c0 == '/' || c0 == '*') {
            return -1;
        }
        int sep = v.indexOf(ts, Math.min(te, ts + 16), SCHEME_SEP);
        if (sep < 0) {
            return -1;
        }
        int as = sep + SCHEME_SEP.length;
        int ae = as;
        while (ae < te) {
            int c = v.u8(ae);
            if (c == '/' || c == '?' || c == '#') {
                break;
            }
            ae++;
        }
        int at = -1;
        for (int i = as; i < ae; i++) {
            if (v.u8(i) == '@') {
                at = i;
            }
        }
        if (at >= 0) {
            as = at + 1;
        }
        return as < ae ? ((long) as << 32) | ae : -1;
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isAlnum(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    // ---------------------------------------------------------------- checks on extracted values

    /** True for a dotted-quad IPv4 literal or an IPv6 literal (a host holding ':' once brackets are removed). */
    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        int groups = 0;
        int digits = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c >= '0' && c <= '9') {
                if (++digits > 3) {
                    return false;
                }
            } else if (c == '.' && digits > 0) {
                groups++;
                digits = 0;
            } else {
                return false;
            }
        }
        return groups == 3 && digits > 0;
    }

    /**
     * A User-Agent value no browser, library or device sends: shorter than 4 characters (empty included),
     * holding a {@code "${"} lookup expression (the Log4Shell-style injection carried in this header), or a
     * random-looking word: 12 or more letters and digits only, with no product/version shape (RFC 9110 section
     * 10.1.5) and capitals scattered through it (three or more after the first character, a quarter of its
     * length: malware sends such strings; names like {@code netflix-ios-app}, {@code Android} or
     * {@code WindowsUpdateAgent} are not flagged).
     */
    static boolean suspiciousUserAgent(String ua) {
        return ua.length() < 4 || ua.contains("${") || randomWord(ua);
    }

    private static boolean randomWord(String ua) {
        if (ua.length() < 12) {
            return false;
        }
        int capitals = 0;
        for (int i = 0; i < ua.length(); i++) {
            char c = ua.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                capitals += i > 0 ? 1 : 0;
            } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return capitals >= 3 && capitals * 4 >= ua.length();
    }

    /**
     * A Server value naming a release branch its maintainers declared end-of-life years ago: Apache httpd 1.x,
     * 2.0 and 2.2 (2.2 ended in 2017), nginx before 1.10 (1.10 is from 2016; nginx supports only its latest
     * stable and mainline branches), Microsoft-IIS 5 and 6 (Windows 2000/2003). Only the product token's version
     * is read: a cheap, false-positive-averse check, not a vulnerability scanner.
     */
    static boolean obsoleteServer(String server) {
        if (server.regionMatches(true, 0, "Apache/", 0, 7)) {
            return server.startsWith("1.", 7) || server.startsWith("2.0.", 7) || server.startsWith("2.2.", 7)
                || server.equals("Apache/2.0") || server.equals("Apache/2.2");
        }
        if (server.regionMatches(true, 0, "nginx/", 0, 6)) {
            int major = number(server, 6);
            int dot = 6 + digits(server, 6);
            if (major < 0 || dot >= server.length() || server.charAt(dot) != '.') {
                return false;
            }
            int minor = number(server, dot + 1);
            return minor >= 0 && (major == 0 || (major == 1 && minor < 10));
        }
        if (server.regionMatches(true, 0, "Microsoft-IIS/", 0, 14)) {
            return server.startsWith("5.", 14) || server.startsWith("6.", 14);
        }
        return false;
    }

    /** Count of decimal digits at {@code from} (at most 4). */
    private static int digits(String s, int from) {
        int i = from;
        while (i < s.length() && i - from < 4 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i - from;
    }

    /** The decimal number at {@code from} (at most 4 digits), or -1 when there is no digit. */
    private static int number(String s, int from) {
        int n = digits(s, from);
        return n == 0 ? -1 : Integer.parseInt(s, from, from + n, 10);
    }

    /**
     * A Content-Type announcing executable code: a Windows executable (IANA
     * {@code application/vnd.microsoft.portable-executable} and the common unregistered names) or Java code
     * ({@code application/java-vm} class files, {@code application/java-archive} jars): the binary-download risk.
     */
    static boolean binaryContentType(String contentType) {
        String t = contentType.toLowerCase(Locale.ROOT);
        return t.startsWith("application/x-msdownload") || t.startsWith("application/x-dosexec")
            || t.startsWith("application/x-msdos-program")
            || t.startsWith("application/vnd.microsoft.portable-executable")
            || t.startsWith("application/java-vm") || t.startsWith("application/java-archive")
            || t.startsWith("application/x-java-archive");
    }
}
