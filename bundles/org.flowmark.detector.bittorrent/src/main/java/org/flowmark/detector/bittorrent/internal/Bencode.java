/*
 * Bencoding, the serialisation of BitTorrent metainfo, tracker responses and DHT (KRPC) messages.
 *
 * Reference: BEP 3 "The BitTorrent Protocol Specification", section "bencoding"
 * (https://www.bittorrent.org/beps/bep_0003.html).
 */
package org.flowmark.detector.bittorrent.internal;

import org.flowmark.api.packet.PacketView;

/**
 * A strict, allocation-free bencode validator over a {@link PacketView}. Strings are {@code <len>:<bytes>} with a
 * decimal length without leading zeros; integers are {@code i<decimal>e} without leading zeros and never
 * {@code -0}; lists {@code l...e}; dictionaries {@code d...e} whose keys are strings. Nesting is bounded by
 * {@link #MAX_DEPTH} and lengths by the window, so the work is linear in the bytes examined.
 *
 * <p>Every method returns a position ({@code >= 0}) or one of the negative codes {@link #INVALID} (the bytes
 * cannot be bencode) and {@link #TRUNCATED} (valid so far, but the window ends inside the value). Nothing throws
 * for any input as long as {@code 0 <= pos <= end <= v.length()}.
 */
final class Bencode {

    /** The bytes are not bencode. */
    static final int INVALID = -1;
    /** Valid so far, the value continues beyond the window. */
    static final int TRUNCATED = -2;
    /** Deepest nesting accepted (KRPC needs 3, tracker responses 4). */
    static final int MAX_DEPTH = 16;
    /** Longest decimal accepted for a string length (lengths above 99,999,999 never fit a packet). */
    private static final int MAX_LEN_DIGITS = 8;
    /** Longest integer literal accepted (a signed 64-bit value has 19 digits, sign aside). */
    private static final int MAX_INT_DIGITS = 19;

    private Bencode() {
    }

    /**
     * Skips one value starting at {@code pos}; returns the position after it, or INVALID/TRUNCATED.
     *
     * @param end exclusive end of the bytes to consider ({@code <= v.length()})
     */
    static int skip(PacketView v, int pos, int end) {
        return skip(v, pos, end, 0);
    }

    private static int skip(PacketView v, int pos, int end, int depth) {
        if (pos >= end) {
            return TRUNCATED;
        }
        int c = v.u8(pos);
        if (c >= '0' && c <= '9') {
            return skipString(v, pos, end);
        }
        switch (c) {
            case 'i':
                return skipInt(v, pos, end);
            case 'l': {
                if (depth >= MAX_DEPTH) {
                    return INVALID;
                }
                int p = pos + 1;
                while (true) {
                    if (p >= end) {
                        return TRUNCATED;
                    }
                    if (v.u8(p) == 'e') {
                        return p + 1;
                    }
                    p = skip(v, p, end, depth + 1);
                    if (p < 0) {
                        return p;
                    }
                }
            }
            case 'd': {
                if (depth >= MAX_DEPTH) {
                    return INVALID;
                }
                int p = pos + 1;
                while (true) {
                    if (p >= end) {
                        return TRUNCATED;
                    }
                    if (v.u8(p) == 'e') {
                        return p + 1;
                    }
                    p = skipString(v, p, end); // keys are strings
                    if (p < 0) {
                        return p;
                    }
                    p = skip(v, p, end, depth + 1);
                    if (p < 0) {
                        return p;
                    }
                }
            }
            default:
                return INVALID;
        }
    }

    /** Skips a byte string {@code <len>:<bytes>} at {@code pos}. */
    static int skipString(PacketView v, int pos, int end) {
        long len = stringLength(v, pos, end);
        if (len < 0) {
            return (int) len;
        }
        int colon = (int) (len >>> 32);
        int n = (int) len;
        long after = (long) colon + 1 + n;
        return after > end ? TRUNCATED : (int) after;
    }

    /**
     * Parses the length prefix of a string at {@code pos}: returns {@code (colonPos << 32) | length}, or
     * INVALID/TRUNCATED (as negative longs).
     */
    static long stringLength(PacketView v, int pos, int end) {
        if (pos >= end) {
            return TRUNCATED;
        }
        int c = v.u8(pos);
        if (c < '0' || c > '9') {
            return INVALID;
        }
        int n = c - '0';
        int p = pos + 1;
        int digits = 1;
        while (true) {
            if (p >= end) {
                return TRUNCATED;
            }
            c = v.u8(p);
            if (c == ':') {
                break;
            }
            if (c < '0' || c > '9' || n == 0 || ++digits > MAX_LEN_DIGITS) {
                return INVALID; // a non-digit, a leading zero, or an absurd length
            }
            n = n * 10 + (c - '0');
            p++;
        }
        return ((long) p << 32) | n;
    }

    /** Skips an integer {@code i<decimal>e} at {@code pos}. */
    static int skipInt(PacketView v, int pos, int end) {
        int p = pos + 1;
        if (p >= end) {
            return TRUNCATED;
        }
        boolean negative = v.u8(p) == '-';
        if (negative) {
            p++;
        }
        int first = p;
        while (true) {
            if (p >= end) {
                return TRUNCATED;
            }
            int c = v.u8(p);
            if (c == 'e') {
                break;
            }
            if (c < '0' || c > '9' || p - first >= MAX_INT_DIGITS) {
                return INVALID;
            }
            p++;
        }
        int digits = p - first;
        if (digits == 0) {
            return INVALID;
        }
        if (v.u8(first) == '0' && (digits > 1 || negative)) {
            return INVALID; // leading zero or "-0"
        }
        return p + 1;
    }

    /**
     * Finds key {@code key} (ASCII) among the entries of the dictionary at {@code dictPos}; returns the position of
     * its value, -3 when the dictionary (valid) lacks the key, or INVALID/TRUNCATED.
     */
    static int find(PacketView v, int dictPos, int end, byte[] key) {
        if (dictPos >= end) {
            return TRUNCATED;
        }
        if (v.u8(dictPos) != 'd') {
            return INVALID;
        }
        int p = dictPos + 1;
        while (true) {
            if (p >= end) {
                return TRUNCATED;
            }
            if (v.u8(p) == 'e') {
                return ABSENT;
            }
            long sl = stringLength(v, p, end);
            if (sl < 0) {
                return (int) sl;
            }
            int start = (int) (sl >>> 32) + 1;
            int n = (int) sl;
            if ((long) start + n > end) {
                return TRUNCATED;
            }
            if (n == key.length && v.startsWith(start, key)) {
                return start + n;
            }
            p = skip(v, start + n, end, 1);
            if (p < 0) {
                return p;
            }
        }
    }

    /** {@link #find} result: the dictionary has no such key. */
    static final int ABSENT = -3;
}
