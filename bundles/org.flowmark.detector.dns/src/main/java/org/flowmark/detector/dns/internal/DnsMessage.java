package org.flowmark.detector.dns.internal;

import java.util.ArrayList;
import java.util.List;

import org.flowmark.api.packet.PacketView;

/**
 * The decoded parts of one DNS message that the detector reports: header fields, the first question, and the
 * answer section's A, AAAA, CNAME, DNAME-free address data and SVCB/HTTPS address hints (at most
 * {@link DnsParser#MAX_RECORDS} records). Allocated once per flow, only for messages that validated.
 */
final class DnsMessage {

    /** One answer record of interest. */
    static final class Record {
        final String owner;
        final int type;
        final long ttl;
        /** A/AAAA address, or null. */
        final byte[] address;
        /** CNAME target, or null. */
        final String target;

        Record(String owner, int type, long ttl, byte[] address, String target) {
            this.owner = owner;
            this.type = type;
            this.ttl = ttl;
            this.address = address;
            this.target = target;
        }
    }

    int id;
    int flags;
    int qdcount;
    int ancount;
    int nscount;
    int arcount;
    int length;
    String qname;
    int qtype;
    int qclass;
    boolean questionComplete;
    int recordCount;
    final List<Record> records = new ArrayList<>();

    boolean response() {
        return DnsParser.isResponse(flags);
    }

    int rcode() {
        return DnsParser.rcode(flags);
    }

    /** Decodes the answer record at {@code pos} (validated) into {@link #records} when it is of interest. */
    void addRecord(PacketView p, int base, int pos, int type, int cls, long ttl, int rd, int rdlen) {
        recordCount++;
        if (cls != 1) {
            return;
        }
        switch (type) {
            case DnsParser.TYPE_A:
            case DnsParser.TYPE_AAAA: {
                if (rdlen != (type == DnsParser.TYPE_A ? 4 : 16)) {
                    return;
                }
                byte[] a = new byte[rdlen];
                p.copyTo(rd, a, 0, rdlen);
                records.add(new Record(DnsParser.readName(p, base, pos, rd), type, ttl, a, null));
                break;
            }
            case DnsParser.TYPE_CNAME: {
                String t = DnsParser.readName(p, base, rd, rd + rdlen);
                if (t != null) {
                    records.add(new Record(DnsParser.readName(p, base, pos, rd), type, ttl, null, t));
                }
                break;
            }
            case DnsParser.TYPE_SVCB:
            case DnsParser.TYPE_HTTPS:
                svcHints(p, base, pos, type, ttl, rd, rdlen);
                break;
            default:
                break;
        }
    }

    /**
     * RFC 9460 section 2.2: SvcPriority (2), TargetName (uncompressed), then SvcParams (key 2, length 2, value);
     * ipv4hint (key 4) holds 4-byte addresses, ipv6hint (key 6) 16-byte ones. AliasMode (priority 0) has none.
     * A malformed parameter list ends the walk (the record itself was length-checked already).
     */
    private void svcHints(PacketView p, int base, int pos, int type, long ttl, int rd, int rdlen) {
        int end = rd + rdlen;
        if (rdlen < 3 || p.u16(rd) == 0) {
            return;
        }
        int i = DnsParser.skipName(p, base, rd + 2, end);
        String owner = null;
        while (i >= 0 && i + 4 <= end) {
            int key = p.u16(i);
            int len = p.u16(i + 2);
            int v = i + 4;
            if (v + len > end) {
                return;
            }
            int size = key == 4 ? 4 : key == 6 ? 16 : 0;
            if (size > 0 && len % size == 0) {
                for (int a = v; a < v + len && records.size() < DnsParser.MAX_RECORDS * 2; a += size) {
                    byte[] addr = new byte[size];
                    p.copyTo(a, addr, 0, size);
                    if (owner == null) {
                        owner = DnsParser.readName(p, base, pos, rd);
                    }
                    records.add(new Record(owner, size == 4 ? DnsParser.TYPE_A : DnsParser.TYPE_AAAA, ttl, addr,
                        null));
                }
            }
            i = v + len;
        }
    }

    /**
     * Marks which address records answer the question: those owned by the question name or by a name the CNAME
     * chain starting at it reaches (compared without regard to ASCII case). Without a question (an mDNS
     * announcement) every address record is its own owner's.
     */
    boolean[] answersQuestion() {
        boolean[] mark = new boolean[records.size()];
        if (qname == null) {
            for (int i = 0; i < mark.length; i++) {
                mark[i] = records.get(i).address != null && records.get(i).owner != null;
            }
            return mark;
        }
        List<String> chain = new ArrayList<>(4);
        chain.add(qname);
        boolean grew = true;
        for (int round = 0; grew && round <= records.size(); round++) {
            grew = false;
            for (Record r : records) {
                if (r.target != null && r.owner != null && contains(chain, r.owner) && !contains(chain, r.target)) {
                    chain.add(r.target);
                    grew = true;
                }
            }
        }
        for (int i = 0; i < mark.length; i++) {
            Record r = records.get(i);
            mark[i] = r.address != null && r.owner != null && contains(chain, r.owner);
        }
        return mark;
    }

    private static boolean contains(List<String> names, String name) {
        for (String n : names) {
            if (n.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** Answer data as text: addresses and CNAME targets, in message order. */
    List<String> answerTexts(int max) {
        List<String> out = new ArrayList<>(Math.min(max, records.size()));
        for (Record r : records) {
            if (out.size() >= max) {
                break;
            }
            out.add(r.address != null ? addressText(r.address) : r.target);
        }
        return out;
    }

    /** Dotted quad for 4 bytes; RFC 5952 text (lowercase, longest zero run of two or more groups as ::) for 16. */
    static String addressText(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8;) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestStart = -1;
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
}
