/*
 * BitTorrent trackers (HTTP and UDP) and Local Service Discovery.
 *
 * References: BEP 3 "The BitTorrent Protocol Specification", section "trackers" (HTTP GET with info_hash, peer_id,
 * port, uploaded, downloaded, left; the response is a bencoded dictionary with "interval" and "peers", or
 * "failure reason"); BEP 48 "Tracker Protocol Extension: Scrape" (".../scrape?info_hash=...", response
 * dictionary "files"); BEP 23 (compact peer lists); BEP 15 "UDP Tracker Protocol" (connect: protocol id
 * 0x41727101980, action 0, transaction id; announce: action 1, 98 bytes; scrape: action 2, 16 + 20 n bytes;
 * error: action 3); BEP 14 "Local Service Discovery" (HTTP-over-UDP "BT-SEARCH * HTTP/1.1" to 239.192.152.143:6771
 * or [ff15::efc0:988f]:6771, with Host, Port and Infohash headers).
 */
package org.flowmark.detector.bittorrent.internal;

import java.nio.charset.StandardCharsets;

import org.flowmark.api.packet.PacketView;

/** Tracker and LSD message recognition; pure functions over a {@link PacketView}. */
final class Tracker {

    /** BEP 15 protocol id of a connect request. */
    static final long UDP_PROTOCOL_ID = 0x41727101980L;
    static final int UDP_CONNECT = 0;
    static final int UDP_ANNOUNCE = 1;
    static final int UDP_SCRAPE = 2;
    static final int UDP_ERROR = 3;
    static final int UDP_ANNOUNCE_LEN = 98;

    /** {@link #httpRequest} results. */
    static final int NOT_TRACKER = 0;
    static final int ANNOUNCE = 1;
    static final int SCRAPE = 2;

    /** Bound on the request line scanned (long announce URLs are ~300 bytes; passkeys add a little). */
    static final int MAX_REQUEST_LINE = 2048;

    private static final byte[] GET = "GET /".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP1 = " HTTP/1.".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ANNOUNCE_WORD = "announce".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SCRAPE_WORD = "scrape".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INFO_HASH = "info_hash=".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PEER_ID = "peer_id=".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PORT = "port=".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STATUS = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLFCRLF = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] D_INTERVAL = "d8:intervali".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] D_COMPLETE = "d8:completei".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] D_FAILURE = "d14:failure reason".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] D_FILES = "d5:filesd".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] D_WARNING = "d15:warning message".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LSD = "BT-SEARCH * HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INFOHASH_HEADER = "\r\ninfohash:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HOST_HEADER = "\r\nhost:".getBytes(StandardCharsets.US_ASCII);

    private Tracker() {
    }

    /**
     * Whether the packet opens an HTTP tracker request: {@code GET /<path> HTTP/1.x} on its first line, the last
     * path segment starting with {@code announce} (query with {@code info_hash=}, {@code peer_id=} and
     * {@code port=}) or {@code scrape} (query with {@code info_hash=}). Returns ANNOUNCE, SCRAPE or NOT_TRACKER.
     * The request line must be complete in the packet.
     */
    static int httpRequest(PacketView v) {
        int lineEnd = requestLineEnd(v);
        if (lineEnd < 0) {
            return NOT_TRACKER;
        }
        int q = v.indexOf(5, lineEnd, '?');
        if (q < 0) {
            return NOT_TRACKER;
        }
        int seg = 4; // the '/' after GET
        for (int i = q - 1; i > 4; i--) {
            if (v.u8(i) == '/') {
                seg = i;
                break;
            }
        }
        int kind;
        if (v.startsWith(seg + 1, ANNOUNCE_WORD) && seg + 1 + ANNOUNCE_WORD.length <= q) {
            kind = ANNOUNCE;
        } else if (v.startsWith(seg + 1, SCRAPE_WORD) && seg + 1 + SCRAPE_WORD.length <= q) {
            kind = SCRAPE;
        } else {
            return NOT_TRACKER;
        }
        if (param(v, q, lineEnd, INFO_HASH) < 0) {
            return NOT_TRACKER;
        }
        if (kind == ANNOUNCE && (param(v, q, lineEnd, PEER_ID) < 0 || param(v, q, lineEnd, PORT) < 0)) {
            return NOT_TRACKER;
        }
        return kind;
    }

    /** Position of the " HTTP/1.x" that ends a {@code GET /} request line, or -1. */
    static int requestLineEnd(PacketView v) {
        if (!v.startsWith(0, GET)) {
            return -1;
        }
        int cr = v.indexOf(5, Math.min(v.length(), MAX_REQUEST_LINE), '\r');
        if (cr < 0 || cr < 5 + HTTP1.length + 1) {
            return -1;
        }
        int sp = cr - HTTP1.length - 1;
        return v.startsWith(sp, HTTP1) ? sp : -1;
    }

    /** Position of the value of query parameter {@code name} (given with its '=') in {@code (q, end)}, or -1. */
    static int param(PacketView v, int q, int end, byte[] name) {
        int from = q;
        while (from < end) {
            int at = v.indexOf(from + 1, end, name);
            if (at < 0) {
                return -1;
            }
            int before = v.u8(at - 1);
            if (before == '?' || before == '&') {
                return at + name.length;
            }
            from = at;
        }
        return -1;
    }

    /**
     * Decodes a percent-encoded 20-byte info hash (or peer id) starting at {@code pos} up to '&' or {@code end}
     * into lowercase hex; null when it does not decode to exactly 20 bytes. Allocates: metadata only.
     */
    static String urlBytesHex(PacketView v, int pos, int end) {
        StringBuilder sb = new StringBuilder(40);
        int n = 0;
        int p = pos;
        while (p < end) {
            int c = v.u8(p);
            if (c == '&' || c == ' ') {
                break;
            }
            int b;
            if (c == '%') {
                if (p + 2 >= end) {
                    return null;
                }
                int h = Character.digit(v.u8(p + 1), 16);
                int l = Character.digit(v.u8(p + 2), 16);
                if (h < 0 || l < 0) {
                    return null;
                }
                b = h << 4 | l;
                p += 3;
            } else {
                b = c;
                p++;
            }
            if (++n > 20) {
                return null;
            }
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 15, 16));
        }
        return n == 20 ? sb.toString() : null;
    }

    /** Decodes the printable start (at most 20 bytes) of a percent-encoded parameter value. Allocates: metadata only. */
    static String urlText(PacketView v, int pos, int end) {
        StringBuilder sb = new StringBuilder(20);
        int p = pos;
        while (p < end && sb.length() < 20) {
            int c = v.u8(p);
            if (c == '&' || c == ' ') {
                break;
            }
            if (c == '%' && p + 2 < end && Character.digit(v.u8(p + 1), 16) >= 0
                && Character.digit(v.u8(p + 2), 16) >= 0) {
                c = Character.digit(v.u8(p + 1), 16) << 4 | Character.digit(v.u8(p + 2), 16);
                p += 3;
            } else {
                p++;
            }
            if (c <= 0x20 || c >= 0x7f) {
                break; // the client prefix ends where binary bytes start
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    /**
     * Whether the packet is an HTTP tracker response whose header block ends in this packet and whose body opens
     * a bencoded tracker or scrape dictionary ({@code d8:interval}, {@code d8:complete}, {@code d14:failure reason},
     * {@code d15:warning message}, {@code d5:files}). Returns the body offset or -1.
     */
    static int httpResponseBody(PacketView v) {
        if (!v.startsWith(0, STATUS)) {
            return -1;
        }
        int hdrEnd = v.indexOf(0, v.length(), CRLFCRLF);
        if (hdrEnd < 0) {
            return -1;
        }
        int body = hdrEnd + 4;
        return v.startsWith(body, D_INTERVAL) || v.startsWith(body, D_COMPLETE) || v.startsWith(body, D_FAILURE)
            || v.startsWith(body, D_WARNING) || v.startsWith(body, D_FILES) ? body : -1;
    }

    /** A BEP 15 connect request: 16 bytes or more, protocol id and action 0. */
    static boolean udpConnectRequest(PacketView v) {
        return v.length() >= 16 && v.i64(0) == UDP_PROTOCOL_ID && v.i32(8) == UDP_CONNECT;
    }

    /**
     * A BEP 15 request after connect: returns its action (ANNOUNCE: at least 98 bytes, event 0..3; SCRAPE: 16 + 20 n
     * bytes, 1 to 74 hashes) or -1. The transaction id is at offset 12.
     */
    static int udpRequestAction(PacketView v) {
        int len = v.length();
        if (len < 36) {
            return -1;
        }
        int action = v.i32(8);
        if (action == UDP_ANNOUNCE) {
            if (len < UDP_ANNOUNCE_LEN) {
                return -1;
            }
            long event = v.u32(80);
            return event <= 3 ? UDP_ANNOUNCE : -1;
        }
        if (action == UDP_SCRAPE) {
            return (len - 16) % 20 == 0 && (len - 16) / 20 <= 74 ? UDP_SCRAPE : -1;
        }
        return -1;
    }

    /**
     * Whether the packet answers a request with transaction id {@code tid} and action {@code action}: same
     * transaction id, and either the same action with a plausible length (announce 20 + 6 n or 20 + 18 n, scrape
     * 8 + 12 n, connect 16) or an error (action 3).
     */
    static boolean udpAnswers(PacketView v, int action, int tid) {
        int len = v.length();
        if (len < 8 || v.i32(4) != tid) {
            return false;
        }
        int a = v.i32(0);
        if (a == UDP_ERROR) {
            return true;
        }
        if (a != action) {
            return false;
        }
        switch (action) {
            case UDP_CONNECT: return len == 16;
            case UDP_ANNOUNCE: return len >= 20 && ((len - 20) % 6 == 0 || (len - 20) % 18 == 0);
            case UDP_SCRAPE: return len >= 20 && (len - 8) % 12 == 0;
            default: return false;
        }
    }

    /**
     * A BEP 14 announce: {@code BT-SEARCH * HTTP/1.1} then headers including {@code Infohash:}. Returns the
     * position of the first Infohash value (after optional spaces), or -1.
     */
    static int lsdInfohash(PacketView v) {
        if (!v.startsWith(0, LSD)) {
            return -1;
        }
        int at = indexOfIgnoreCase(v, LSD.length - 2, INFOHASH_HEADER);
        if (at < 0) {
            return -1;
        }
        int p = at + INFOHASH_HEADER.length;
        while (p < v.length() && v.u8(p) == ' ') {
            p++;
        }
        return p;
    }

    /** Whether an LSD announce carries a Host header (BEP 14 requires it). */
    static boolean lsdHasHost(PacketView v) {
        return indexOfIgnoreCase(v, LSD.length - 2, HOST_HEADER) >= 0;
    }

    /** First index from {@code from} where {@code lower} matches ignoring ASCII case, or -1. */
    static int indexOfIgnoreCase(PacketView v, int from, byte[] lower) {
        int last = v.length() - lower.length;
        for (int i = from; i <= last; i++) {
            if (v.startsWithIgnoreCase(i, lower)) {
                return i;
            }
        }
        return -1;
    }

    /** Length of the run of hex digits at {@code pos}. */
    static int hexRun(PacketView v, int pos) {
        int p = pos;
        while (p < v.length() && Character.digit(v.u8(p), 16) >= 0) {
            p++;
        }
        return p - pos;
    }
}
