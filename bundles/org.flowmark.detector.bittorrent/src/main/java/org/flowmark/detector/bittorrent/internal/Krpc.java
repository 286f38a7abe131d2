/*
 * KRPC, the message format of the BitTorrent Mainline DHT.
 *
 * References: BEP 5 "DHT Protocol" (https://www.bittorrent.org/beps/bep_0005.html): every message is one bencoded
 * dictionary with "t" (transaction id, a string), "y" ("q" query, "r" response, "e" error); a query carries
 * "q" (method name) and "a" (arguments dictionary, always with "id", a 20-byte node id), a response "r" (a
 * dictionary with "id"), an error "e" (a list [code, message]). BEP 3 for bencoding.
 */
package org.flowmark.detector.bittorrent.internal;

import java.nio.charset.StandardCharsets;

import org.flowmark.api.packet.PacketView;

/**
 * Recognises one KRPC message filling a whole UDP payload. The result is packed in a long so that nothing is
 * allocated: see {@link #kind}, {@link #methodPos}, {@link #methodLen}, {@link #infoHashPos}. A negative result
 * means "not KRPC".
 */
final class Krpc {

    static final int QUERY = 1;
    static final int RESPONSE = 2;
    static final int ERROR = 3;

    /** Smallest KRPC message: {@code d1:ei201e1:t0:1:y1:ee} would not even be accepted; a ping is ~56 bytes. */
    static final int MIN_LENGTH = 20;
    /** Longest method name kept ({@code "sample_infohashes"} has 17 characters). */
    private static final int MAX_METHOD = 32;
    /** Longest transaction id accepted (clients use 2 to 4 bytes; 16 leaves room). */
    private static final int MAX_TID = 16;

    private static final byte[] K_T = "t".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_Y = "y".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_Q = "q".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_A = "a".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_R = "r".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_E = "e".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_ID = "id".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_INFO_HASH = "info_hash".getBytes(StandardCharsets.US_ASCII);

    private Krpc() {
    }

    /**
     * Parses a whole payload. Returns -1 when it is not a KRPC message, else
     * {@code kind | methodLen << 8 | methodPos << 16 | infoHashPos << 32 | nodeIdPos << 48}
     * (positions 0 when absent; every position is below 65536 since payloads are).
     */
    static long parse(PacketView v) {
        int len = v.length();
        if (len < MIN_LENGTH || len > 0xffff || v.u8(0) != 'd' || v.u8(len - 1) != 'e') {
            return -1;
        }
        int c = v.u8(1);
        if (c < '1' || c > '9') {
            return -1; // the first key is a non-empty string
        }
        if (Bencode.skip(v, 0, len) != len) {
            return -1; // one complete, strictly valid dictionary filling the datagram
        }
        int y = Bencode.find(v, 0, len, K_Y);
        if (y < 0 || v.u8(y) != '1' || v.u8(y + 1) != ':') {
            return -1;
        }
        int kind;
        switch (v.u8(y + 2)) {
            case 'q': kind = QUERY; break;
            case 'r': kind = RESPONSE; break;
            case 'e': kind = ERROR; break;
            default: return -1;
        }
        int t = Bencode.find(v, 0, len, K_T);
        if (t < 0) {
            return -1;
        }
        long tl = Bencode.stringLength(v, t, len);
        if (tl < 0 || (int) tl > MAX_TID) {
            return -1;
        }
        long out = kind;
        int body;
        if (kind == QUERY) {
            int q = Bencode.find(v, 0, len, K_Q);
            if (q < 0) {
                return -1;
            }
            long ql = Bencode.stringLength(v, q, len);
            int n = (int) ql;
            if (ql < 0 || n == 0 || n > MAX_METHOD) {
                return -1;
            }
            int mp = (int) (ql >>> 32) + 1;
            for (int i = 0; i < n; i++) {
                int ch = v.u8(mp + i);
                if (!(ch >= 'a' && ch <= 'z' || ch == '_' || ch >= '0' && ch <= '9')) {
                    return -1; // method names are lowercase words
                }
            }
            out |= (long) n << 8 | (long) mp << 16;
            body = Bencode.find(v, 0, len, K_A);
        } else if (kind == RESPONSE) {
            body = Bencode.find(v, 0, len, K_R);
        } else {
            int e = Bencode.find(v, 0, len, K_E);
            return e >= 0 && v.u8(e) == 'l' ? out : -1;
        }
        if (body < 0 || v.u8(body) != 'd') {
            return -1;
        }
        int id = Bencode.find(v, body, len, K_ID);
        if (id < 0 || !isString20(v, id, len)) {
            return -1; // queries and responses always carry the sender's 20-byte node id
        }
        out |= (long) (id + 3) << 48;
        if (kind == QUERY) {
            int ih = Bencode.find(v, body, len, K_INFO_HASH);
            if (ih >= 0 && isString20(v, ih, len)) {
                out |= (long) (ih + 3) << 32;
            }
        }
        return out;
    }

    private static boolean isString20(PacketView v, int pos, int end) {
        return pos + 23 <= end && v.u8(pos) == '2' && v.u8(pos + 1) == '0' && v.u8(pos + 2) == ':';
    }

    static int kind(long r) {
        return (int) (r & 0xff);
    }

    static int methodLen(long r) {
        return (int) ((r >>> 8) & 0xff);
    }

    static int methodPos(long r) {
        return (int) ((r >>> 16) & 0xffff);
    }

    static int infoHashPos(long r) {
        return (int) ((r >>> 32) & 0xffff);
    }

    static int nodeIdPos(long r) {
        return (int) ((r >>> 48) & 0xffff);
    }
}
