package org.flowmark.capture.internal.flow;

/** Text forms of addresses held as two longs (IPv4 in the low 32 bits of {@code lo}) and of MACs. */
public final class Addresses {
    private Addresses() {
    }

    /** Dotted quad for IPv4, RFC 5952 compressed form for IPv6. Allocates: for records, not for packets. */
    public static String format(int ipVersion, long hi, long lo) {
        if (ipVersion == 4) {
            return ((lo >>> 24) & 0xff) + "." + ((lo >>> 16) & 0xff) + "." + ((lo >>> 8) & 0xff) + "." + (lo & 0xff);
        }
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) ((hi >>> (48 - 16 * i)) & 0xffff);
            g[4 + i] = (int) ((lo >>> (48 - 16 * i)) & 0xffff);
        }
        // longest run of zero groups (length >= 2), first one on ties
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8;) {
            if (g[i] == 0) {
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /** Writes the address bytes (4 or 16) into {@code dst}; returns the count. */
    public static int toBytes(int ipVersion, long hi, long lo, byte[] dst) {
        if (ipVersion == 4) {
            for (int i = 0; i < 4; i++) {
                dst[i] = (byte) (lo >>> (24 - 8 * i));
            }
            return 4;
        }
        for (int i = 0; i < 8; i++) {
            dst[i] = (byte) (hi >>> (56 - 8 * i));
            dst[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return 16;
    }

    /** {@code aa:bb:cc:dd:ee:ff}. */
    public static String mac(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            int b = (int) ((mac >>> (8 * i)) & 0xff);
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xf, 16));
            if (i > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}
