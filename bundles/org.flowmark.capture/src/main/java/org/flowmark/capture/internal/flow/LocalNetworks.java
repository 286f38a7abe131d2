package org.flowmark.capture.internal.flow;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The configured local networks (CIDR prefixes), tested once per new flow to orient it (local vs other side).
 * Default: RFC 1918, RFC 6598 shared space, loopback, link-local (IPv4 and IPv6) and IPv6 ULA.
 */
public final class LocalNetworks {
    public static final List<String> DEFAULTS = List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
            "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128");

    private final int[] versions;
    private final long[] hi;
    private final long[] lo;
    private final long[] maskHi;
    private final long[] maskLo;

    private LocalNetworks(int n) {
        versions = new int[n];
        hi = new long[n];
        lo = new long[n];
        maskHi = new long[n];
        maskLo = new long[n];
    }

    /**
     * Parses CIDR prefixes; throws IllegalArgumentException naming the bad entry. Literal addresses only (no
     * host name lookups).
     */
    public static LocalNetworks parse(List<String> cidrs) {
        LocalNetworks n = new LocalNetworks(cidrs.size());
        for (int i = 0; i < cidrs.size(); i++) {
            String c = cidrs.get(i).trim();
            int slash = c.indexOf('/');
            String addr = slash < 0 ? c : c.substring(0, slash);
            if (addr.isEmpty() || !(addr.indexOf(':') >= 0 || Character.digit(addr.charAt(0), 10) >= 0)) {
                throw new IllegalArgumentException("bad local network '" + c + "': not an address/prefix");
            }
            byte[] b;
            try {
                b = InetAddress.getByName(addr).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bad local network '" + c + "': " + e.getMessage());
            }
            int max = b.length * 8;
            int bits;
            try {
                bits = slash < 0 ? max : Integer.parseInt(c.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad local network '" + c + "': prefix length is not a number");
            }
            if (bits < 0 || bits > max) {
                throw new IllegalArgumentException("bad local network '" + c + "': prefix length out of 0.." + max);
            }
            n.versions[i] = b.length == 4 ? 4 : 6;
            long h = 0;
            long l = 0;
            if (b.length == 4) {
                for (byte x : b) {
                    l = (l << 8) | (x & 0xff);
                }
                long m = bits == 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL;
                n.maskLo[i] = m;
            } else {
                for (int k = 0; k < 8; k++) {
                    h = (h << 8) | (b[k] & 0xff);
                    l = (l << 8) | (b[8 + k] & 0xff);
                }
                n.maskHi[i] = bits == 0 ? 0 : bits >= 64 ? -1L : -1L << (64 - bits);
                n.maskLo[i] = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
            }
            n.hi[i] = h & n.maskHi[i];
            n.lo[i] = l & n.maskLo[i];
        }
        return n;
    }

    /** True when the address is inside one of the local networks. */
    public boolean contains(int ipVersion, long addrHi, long addrLo) {
        for (int i = 0; i < versions.length; i++) {
            if (versions[i] == ipVersion && (addrHi & maskHi[i]) == hi[i] && (addrLo & maskLo[i]) == lo[i]) {
                return true;
            }
        }
        return false;
    }
}
