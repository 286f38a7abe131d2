package org.flowmark.detector.dhcp.internal;

import org.flowmark.api.packet.PacketView;

/**
 * Renders option values as metadata text. Allocates: called at most a few times per flow, never for matching.
 * Every method reads only {@code [pos, pos + len)}, which the caller has checked lies inside the payload.
 */
final class OptionText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private OptionText() {
    }

    /** Octets (width 1) or 16-bit values (width 2) as comma-separated decimal numbers, e.g. {@code "1,3,6,15"}. */
    static String decimals(PacketView p, int pos, int len, int width) {
        StringBuilder sb = new StringBuilder(len * 3);
        for (int i = 0; i + width <= len; i += width) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(width == 1 ? p.u8(pos + i) : p.u16(pos + i));
        }
        return sb.toString();
    }

    /** Octets as colon-separated lowercase hex, e.g. {@code "01:52:54:00:12:34:56"}. */
    static String hex(PacketView p, int pos, int len) {
        StringBuilder sb = new StringBuilder(len * 3);
        for (int i = 0; i < len; i++) {
            if (i > 0) {
                sb.append(':');
            }
            int b = p.u8(pos + i);
            sb.append(HEX[b >> 4]).append(HEX[b & 15]);
        }
        return sb.toString();
    }

    /** Text without trailing NULs (some clients count a terminating NUL in the length); null when empty. */
    static String text(PacketView p, int pos, int len) {
        int n = len;
        while (n > 0 && p.u8(pos + n - 1) == 0) {
            n--;
        }
        return n == 0 ? null : p.ascii(pos, n);
    }

    /**
     * A domain name in DNS wire format without compression (RFC 4704, RFC 1035 section 3.1), labels joined with
     * dots; a partial name (no root label) is accepted. Null when malformed or empty.
     */
    static String dnsName(PacketView p, int pos, int len) {
        StringBuilder sb = new StringBuilder(len);
        int i = 0;
        while (i < len) {
            int l = p.u8(pos + i);
            if (l == 0) {
                break;
            }
            if (l > 63 || i + 1 + l > len) {
                return null;
            }
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(p.ascii(pos + i + 1, l));
            i += 1 + l;
        }
        return sb.length() == 0 ? null : sb.toString();
    }
}
