package org.flowmark.policy.internal.expr;

/**
 * A mutable IPv4/IPv6 address as two longs, filled by {@link #parse} from text without allocating: the policy
 * engine keeps one per flow side in its {@link FlowContext} and reuses it. IPv4 {@code a.b.c.d} is held in the low
 * 32 bits of {@link #lo} with {@link #v6} false; IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) is reported as IPv4.
 */
public final class IpAddress {
    public long hi;
    public long lo;
    public boolean v6;
    public boolean valid;

    /** Parses {@code s} (an IPv6 zone {@code %eth0} is ignored); {@link #valid} tells whether it was an address. */
    public boolean parse(CharSequence s) {
        valid = false;
        if (s == null) {
            return false;
        }
        int end = s.length();
        for (int i = 0; i < end; i++) {
            if (s.charAt(i) == '%') {
                end = i;
                break;
            }
        }
        boolean colon = false;
        for (int i = 0; i < end; i++) {
            if (s.charAt(i) == ':') {
                colon = true;
                break;
            }
        }
        if (!colon) {
            long v = parseV4(s, 0, end);
            if (v < 0) {
                return false;
            }
            hi = 0;
            lo = v;
            v6 = false;
            return valid = true;
        }
        return valid = parseV6(s, end);
    }

    /** IPv4 dotted quad in s[from, to) as an unsigned 32-bit value, or -1. */
    static long parseV4(CharSequence s, int from, int to) {
        long v = 0;
        int parts = 0;
        int i = from;
        while (parts < 4) {
            int digits = 0;
            int octet = 0;
            while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                octet = octet * 10 + (s.charAt(i) - '0');
                if (++digits > 3 || octet > 255) {
                    return -1;
                }
                i++;
            }
            if (digits == 0) {
                return -1;
            }
            v = (v << 8) | octet;
            parts++;
            if (parts < 4) {
                if (i >= to || s.charAt(i) != '.') {
                    return -1;
                }
                i++;
            }
        }
        return i == to ? v : -1;
    }

    private boolean parseV6(CharSequence s, int end) {
        // pass 1 validates and counts the groups (an IPv4 tail counts two) and finds "::";
        // pass 2 places each group at its final position, so no temporary array is needed
        int groups = countV6Groups(s, end);
        if (groups < 0) {
            return false;
        }
        boolean gap = false;
        for (int i = 0; i + 1 < end; i++) {
            if (s.charAt(i) == ':' && s.charAt(i + 1) == ':') {
                gap = true;
                break;
            }
        }
        if (gap ? groups > 7 : groups != 8) {
            return false;
        }
        long h = 0;
        long l = 0;
        int pos = 0;
        int i = 0;
        while (i < end) {
            if (s.charAt(i) == ':') {
                if (i + 1 < end && s.charAt(i + 1) == ':') {
                    pos += 8 - groups; // the zero groups of "::"
                    i += 2;
                } else {
                    i++;
                }
                continue;
            }
            int j = i;
            boolean dot = false;
            while (j < end && s.charAt(j) != ':') {
                dot |= s.charAt(j) == '.';
                j++;
            }
            if (dot) {
                long v4 = parseV4(s, i, j);
                l |= v4; // always the last two groups
                pos += 2;
            } else {
                long val = 0;
                for (int k = i; k < j; k++) {
                    val = (val << 4) | Character.digit(s.charAt(k), 16);
                }
                if (pos < 4) {
                    h |= val << (48 - 16 * pos);
                } else {
                    l |= val << (48 - 16 * (pos - 4));
                }
                pos++;
            }
            i = j;
        }
        if (h == 0 && (l >>> 32) == 0xFFFFL) { // IPv4-mapped
            hi = 0;
            lo = l & 0xFFFFFFFFL;
            v6 = false;
        } else {
            hi = h;
            lo = l;
            v6 = true;
        }
        return true;
    }

    /** Number of groups of an IPv6 text, or -1 when malformed. */
    private static int countV6Groups(CharSequence s, int end) {
        int groups = 0;
        int gaps = 0;
        int i = 0;
        if (end == 0) {
            return -1;
        }
        if (s.charAt(0) == ':') {
            if (end < 2 || s.charAt(1) != ':') {
                return -1;
            }
        }
        while (i < end) {
            char c = s.charAt(i);
            if (c == ':') {
                if (i + 1 < end && s.charAt(i + 1) == ':') {
                    if (++gaps > 1) {
                        return -1;
                    }
                    i += 2;
                    if (i < end && s.charAt(i) == ':') {
                        return -1;
                    }
                    continue;
                }
                if (i + 1 == end || i == 0) {
                    return -1; // trailing or leading single ':'
                }
                i++;
                continue;
            }
            int j = i;
            boolean dot = false;
            while (j < end && s.charAt(j) != ':') {
                dot |= s.charAt(j) == '.';
                j++;
            }
            if (dot) {
                if (j != end || parseV4(s, i, j) < 0) {
                    return -1;
                }
                groups += 2;
            } else {
                if (j - i > 4) {
                    return -1;
                }
                for (int k = i; k < j; k++) {
                    if (Character.digit(s.charAt(k), 16) < 0) {
                        return -1;
                    }
                }
                groups++;
            }
            if (groups > 8) {
                return -1;
            }
            i = j;
        }
        return groups;
    }

    /** True when this address lies in the prefix {@code net}/{@code bits} of the same family. */
    public boolean in(IpAddress net, int bits) {
        if (!valid || !net.valid || v6 != net.v6) {
            return false;
        }
        if (!v6) {
            if (bits == 0) {
                return true;
            }
            long mask = (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
            return (lo & mask) == (net.lo & mask);
        }
        if (bits <= 64) {
            long mask = bits == 0 ? 0 : -1L << (64 - bits);
            return (hi & mask) == (net.hi & mask);
        }
        long mask = -1L << (128 - bits);
        return hi == net.hi && (lo & mask) == (net.lo & mask);
    }

    @Override
    public String toString() {
        if (!valid) {
            return "invalid";
        }
        if (!v6) {
            return (lo >>> 24) + "." + ((lo >>> 16) & 255) + "." + ((lo >>> 8) & 255) + "." + (lo & 255);
        }
        StringBuilder sb = new StringBuilder();
        for (int g = 0; g < 8; g++) {
            long w = g < 4 ? hi : lo;
            int sh = 48 - 16 * (g & 3);
            if (g > 0) {
                sb.append(':');
            }
            sb.append(Long.toHexString((w >>> sh) & 0xFFFF));
        }
        return sb.toString();
    }
}
