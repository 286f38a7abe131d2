/*
 * DNS message parser (pure functions over a PacketView).
 *
 * References: RFC 1035 "Domain Names - Implementation and Specification" (section 4: header, question and
 * resource record formats, section 4.1.4 message compression), RFC 2181 (label and name length limits, TTL range),
 * RFC 3596 (AAAA), RFC 6891 (EDNS(0) OPT pseudo-record), RFC 9460 (SVCB and HTTPS records, SvcParams
 * ipv4hint/ipv6hint), RFC 6762 (multicast DNS: several questions, QU and cache-flush bits in the class),
 * RFC 4795 (LLMNR: header layout of the DNS one with the C and T bits), RFC 2136 (UPDATE), RFC 1996 (NOTIFY),
 * RFC 3425 (IQUERY, obsolete but still seen).
 */
package org.flowmark.detector.dns.internal;

import org.flowmark.api.packet.PacketView;

/**
 * Validates and decodes one DNS message that lies at {@code [base, base + msgLen)} of a view, of which only
 * {@code [base, end)} may be available (a TCP message not yet complete, a snapped capture).
 *
 * <p>Validation is strict so that random datagrams are not taken for DNS: a known opcode, the reserved Z bit
 * clear, a query's RCODE zero, section counts that fit in the message length (a question takes at least 5 bytes, a
 * record 11), per-kind count rules (a standard query holds exactly one question and no answer or authority
 * record), names made of labels of at most 63 bytes with at most 255 bytes in all, compression pointers that point
 * backwards past the header, at most {@link #MAX_JUMPS} pointer jumps per name, a known question class, A/AAAA
 * records of 4/16 bytes, name-valued RDATA that fills its RDATA exactly, and an OPT record owned by the root.
 *
 * <p>Results: {@link #OK}, {@link #TRUNC} (valid as far as the available bytes go, but the counted sections run
 * past them) or {@link #BAD} (malformed). Nothing here allocates except {@link #parse} with a non-null output and
 * {@link #readName}, which the detector calls once per flow.
 */
final class DnsParser {

    static final int HEADER = 12;
    /** RFC 1035 section 2.3.4: a name takes at most 255 bytes on the wire (length bytes and root included). */
    static final int MAX_NAME = 255;
    /** RFC 1035 section 2.3.4: a label holds at most 63 bytes. */
    static final int MAX_LABEL = 63;
    /** Bound on compression pointers followed for one name (loop protection besides the length bound). */
    static final int MAX_JUMPS = 32;
    /** Bound on records decoded into a {@link DnsMessage}. */
    static final int MAX_RECORDS = 32;

    static final int OK = 0;
    static final int TRUNC = -1;
    static final int BAD = -2;

    /** Message kinds (which rules apply). */
    static final int KIND_DNS = 0;
    static final int KIND_MDNS = 1;
    static final int KIND_LLMNR = 2;

    static final int TYPE_A = 1;
    static final int TYPE_NS = 2;
    static final int TYPE_CNAME = 5;
    static final int TYPE_SOA = 6;
    static final int TYPE_PTR = 12;
    static final int TYPE_MX = 15;
    static final int TYPE_AAAA = 28;
    static final int TYPE_DNAME = 39;
    static final int TYPE_OPT = 41;
    static final int TYPE_SVCB = 64;
    static final int TYPE_HTTPS = 65;

    private DnsParser() {
    }

    // ------------------------------------------------------------------ header

    static int id(PacketView p, int base) {
        return p.u16(base);
    }

    static int flags(PacketView p, int base) {
        return p.u16(base + 2);
    }

    static boolean isResponse(int flags) {
        return (flags & 0x8000) != 0;
    }

    static int opcode(int flags) {
        return (flags >>> 11) & 0xf;
    }

    static int rcode(int flags) {
        return flags & 0xf;
    }

    static boolean truncatedFlag(int flags) {
        return (flags & 0x0200) != 0;
    }

    /**
     * Checks the 12-byte header at {@code base} (which must be available) of a message of {@code msgLen} bytes.
     * Returns {@link #OK} or {@link #BAD}.
     */
    static int checkHeader(PacketView p, int base, int msgLen, int kind) {
        if (msgLen < HEADER) {
            return BAD;
        }
        int flags = flags(p, base);
        int opcode = opcode(flags);
        if ((flags & 0x0040) != 0) {
            return BAD; // Z: reserved, must be zero (RFC 1035 4.1.1; LLMNR and mDNS keep it zero too)
        }
        boolean qr = isResponse(flags);
        int rcode = rcode(flags);
        if (rcode > 11 || (!qr && rcode != 0)) {
            return BAD; // 12..15 unassigned; a query carries no error
        }
        int qd = p.u16(base + 4);
        int an = p.u16(base + 6);
        int ns = p.u16(base + 8);
        int ar = p.u16(base + 10);
        long min = qd * 5L + (an + (long) ns + ar) * 11L;
        if (HEADER + min > msgLen && !(qr && truncatedFlag(flags))) {
            return BAD;
        }
        switch (kind) {
            case KIND_MDNS:
                // RFC 6762 section 18: opcode 0 and rcode 0 in all mDNS messages
                if (opcode != 0 || rcode != 0) {
                    return BAD;
                }
                if (!qr) {
                    return qd >= 1 && qd <= 64 ? OK : BAD;
                }
                return qd <= 64 && an + ns + ar >= 1 ? OK : BAD;
            case KIND_LLMNR:
                // RFC 4795 section 2.1.1: opcode 0, exactly one question; the sender of a query sets no answer
                if (opcode != 0 || qd != 1) {
                    return BAD;
                }
                return qr || (an == 0 && ns == 0) ? OK : BAD;
            default:
                return checkDnsCounts(opcode, qr, rcode, qd, an, ns, ar);
        }
    }

    private static int checkDnsCounts(int opcode, boolean qr, int rcode, int qd, int an, int ns, int ar) {
        switch (opcode) {
            case 0: // QUERY
                if (!qr) {
                    return qd == 1 && an == 0 && ns == 0 && ar <= 3 ? OK : BAD;
                }
                if (qd == 1) {
                    return OK;
                }
                // an error answer may come without the question (FORMERR, NOTIMP, REFUSED)
                return qd == 0 && rcode != 0 && an == 0 ? OK : BAD;
            case 1: // IQUERY (RFC 3425 made it obsolete): one answer record, no or one question
                return qd <= 1 && (qr || an == 1) ? OK : BAD;
            case 2: // STATUS (never defined in detail)
                return qd <= 1 ? OK : BAD;
            case 4: // NOTIFY (RFC 1996): one question (the zone)
                return qd == 1 && an <= 1 ? OK : BAD;
            case 5: // UPDATE (RFC 2136): one zone
                return qd == 1 || (qr && qd == 0 && rcode != 0) ? OK : BAD;
            default:
                return BAD; // 3 unassigned, 6 DSO (TCP only, RFC 8490) and above: not seen as DNS here
        }
    }

    // ------------------------------------------------------------------ names

    /**
     * Walks the (possibly compressed) name at {@code pos}; returns the position just after the name's bytes at
     * {@code pos}, {@link #TRUNC} when the name runs past {@code end}, or {@link #BAD}. Pointers must point
     * backwards (RFC 1035: to a prior occurrence), into the message past its header; at most {@link #MAX_JUMPS}
     * are followed and the expanded name is bounded by {@link #MAX_NAME} bytes, so a pointer loop ends as BAD.
     */
    static int skipName(PacketView p, int base, int pos, int end) {
        int cur = pos;
        int after = -1;
        int total = 0;
        int jumps = 0;
        while (true) {
            if (cur >= end) {
                return after < 0 ? TRUNC : BAD;
            }
            int c = p.u8(cur);
            if (c == 0) {
                if (++total > MAX_NAME) {
                    return BAD;
                }
                return after >= 0 ? after : cur + 1;
            }
            int tag = c & 0xc0;
            if (tag == 0xc0) {
                if (cur + 1 >= end) {
                    return after < 0 ? TRUNC : BAD;
                }
                int target = base + (((c & 0x3f) << 8) | p.u8(cur + 1));
                if (target >= cur || target < base + HEADER || ++jumps > MAX_JUMPS) {
                    return BAD;
                }
                if (after < 0) {
                    after = cur + 2;
                }
                cur = target;
            } else if (tag == 0) {
                total += c + 1;
                if (total > MAX_NAME) {
                    return BAD;
                }
                if (cur + 1 + c > end) {
                    return after < 0 ? TRUNC : BAD;
                }
                cur += 1 + c;
            } else {
                return BAD; // 0x40 (extended label types, RFC 6891 deprecated them) and 0x80: reserved
            }
        }
    }

    /**
     * Decodes the name at {@code pos} (validated by {@link #skipName} first) as text: labels joined by dots,
     * {@code "."} for the root; bytes outside printable ASCII and a dot inside a label are written as
     * {@code \DDD} (the master-file escape, RFC 1035 section 5.1). Returns null when the name is malformed.
     */
    static String readName(PacketView p, int base, int pos, int end) {
        StringBuilder sb = new StringBuilder(32);
        int cur = pos;
        int total = 0;
        int jumps = 0;
        while (true) {
            if (cur >= end) {
                return null;
            }
            int c = p.u8(cur);
            if (c == 0) {
                return sb.length() == 0 ? "." : sb.toString();
            }
            int tag = c & 0xc0;
            if (tag == 0xc0) {
                if (cur + 1 >= end) {
                    return null;
                }
                int target = base + (((c & 0x3f) << 8) | p.u8(cur + 1));
                if (target >= cur || target < base + HEADER || ++jumps > MAX_JUMPS) {
                    return null;
                }
                cur = target;
            } else if (tag == 0) {
                total += c + 1;
                if (total > MAX_NAME || cur + 1 + c > end) {
                    return null;
                }
                if (sb.length() > 0) {
                    sb.append('.');
                }
                for (int i = cur + 1; i <= cur + c; i++) {
                    int b = p.u8(i);
                    if (b > 0x20 && b < 0x7f && b != '.' && b != '\\') {
                        sb.append((char) b);
                    } else {
                        sb.append('\\').append((char) ('0' + b / 100)).append((char) ('0' + b / 10 % 10))
                            .append((char) ('0' + b % 10));
                    }
                }
                cur += 1 + c;
            } else {
                return null;
            }
        }
    }

    /** True when every byte of the name's labels is a letter, digit, hyphen or underscore (host name syntax). */
    static boolean hostnameChars(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '_' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ messages

    /** Question classes accepted: IN, CH, HS, NONE, ANY (mDNS may set the QU bit, RFC 6762 section 5.4). */
    private static boolean knownClass(int qclass, int kind) {
        int c = kind == KIND_MDNS ? qclass & 0x7fff : qclass;
        return c == 1 || c == 3 || c == 4 || c == 254 || c == 255;
    }

    /**
     * Validates the message at {@code [base, base + msgLen)}, of which {@code [base, end)} is available
     * ({@code end <= base + msgLen}), and fills {@code out} when it is not null. Returns {@link #OK},
     * {@link #TRUNC} (valid up to {@code end}; {@code out.questionComplete} tells whether the question section was
     * complete) or {@link #BAD}.
     */
    static int parse(PacketView p, int base, int msgLen, int end, int kind, DnsMessage out) {
        if (end - base < HEADER) {
            return TRUNC;
        }
        if (checkHeader(p, base, msgLen, kind) != OK) {
            return BAD;
        }
        int flags = flags(p, base);
        int qd = p.u16(base + 4);
        int an = p.u16(base + 6);
        int ns = p.u16(base + 8);
        int ar = p.u16(base + 10);
        if (out != null) {
            out.id = id(p, base);
            out.flags = flags;
            out.qdcount = qd;
            out.ancount = an;
            out.nscount = ns;
            out.arcount = ar;
            out.length = msgLen;
        }
        int pos = base + HEADER;
        for (int i = 0; i < qd; i++) {
            int n = skipName(p, base, pos, end);
            if (n < 0) {
                return n;
            }
            if (n + 4 > end) {
                return TRUNC;
            }
            int qtype = p.u16(n);
            int qclass = p.u16(n + 2);
            if (qtype == 0 || !knownClass(qclass, kind)) {
                return BAD;
            }
            if (out != null && i == 0) {
                out.qname = readName(p, base, pos, end);
                out.qtype = qtype;
                out.qclass = qclass;
            }
            pos = n + 4;
        }
        if (out != null) {
            out.questionComplete = true;
        }
        int records = an + ns + ar;
        for (int i = 0; i < records; i++) {
            int section = i < an ? 1 : i < an + ns ? 2 : 3;
            int r = record(p, base, pos, end, kind, section, out);
            if (r < 0) {
                return r;
            }
            pos = r;
        }
        return OK;
    }

    /** Validates one resource record at {@code pos}; returns the position after it, TRUNC or BAD. */
    private static int record(PacketView p, int base, int pos, int end, int kind, int section, DnsMessage out) {
        int n = skipName(p, base, pos, end);
        if (n < 0) {
            return n;
        }
        if (n + 10 > end) {
            return TRUNC;
        }
        int type = p.u16(n);
        int rclass = p.u16(n + 2);
        long ttl = p.u32(n + 4);
        int rdlen = p.u16(n + 8);
        int rd = n + 10;
        if (rd + rdlen > end) {
            return TRUNC;
        }
        int cls = kind == KIND_MDNS ? rclass & 0x7fff : rclass; // mDNS cache-flush bit (RFC 6762 section 10.2)
        switch (type) {
            case 0:
                return BAD;
            case TYPE_A: // an empty RDATA: UPDATE deletions (RFC 2136 2.5) and IQUERY questions (RFC 1035 6.4.1)
                if (cls == 1 && rdlen != 4 && rdlen != 0) {
                    return BAD;
                }
                break;
            case TYPE_AAAA:
                if (cls == 1 && rdlen != 16 && rdlen != 0) {
                    return BAD;
                }
                break;
            case TYPE_CNAME:
            case TYPE_NS:
            case TYPE_PTR:
            case TYPE_DNAME:
                // an empty RDATA only in UPDATE prerequisites and deletions (RFC 2136 section 2.4)
                if (rdlen > 0 && skipName(p, base, rd, rd + rdlen) != rd + rdlen) {
                    return BAD;
                }
                break;
            case TYPE_OPT:
                if (section != 3 || p.u8(pos) != 0) {
                    return BAD; // RFC 6891 section 6.1.1: in the additional section, owned by the root
                }
                break;
            default:
                break;
        }
        if (out != null && section == 1 && out.recordCount < MAX_RECORDS) {
            out.addRecord(p, base, pos, type, cls, ttl, rd, rdlen);
        }
        return rd + rdlen;
    }

    /** Text of a record type (RFC 1035, 3596, 6891, 9460 and other common ones), else {@code "TYPE<n>"}. */
    static String typeName(int type) {
        switch (type) {
            case 1: return "A";
            case 2: return "NS";
            case 5: return "CNAME";
            case 6: return "SOA";
            case 12: return "PTR";
            case 13: return "HINFO";
            case 15: return "MX";
            case 16: return "TXT";
            case 28: return "AAAA";
            case 33: return "SRV";
            case 35: return "NAPTR";
            case 39: return "DNAME";
            case 41: return "OPT";
            case 43: return "DS";
            case 46: return "RRSIG";
            case 47: return "NSEC";
            case 48: return "DNSKEY";
            case 50: return "NSEC3";
            case 52: return "TLSA";
            case 64: return "SVCB";
            case 65: return "HTTPS";
            case 99: return "SPF";
            case 251: return "IXFR";
            case 252: return "AXFR";
            case 255: return "ANY";
            case 256: return "URI";
            case 257: return "CAA";
            default: return "TYPE" + type;
        }
    }

    /** Text of an RCODE (RFC 1035, 2136, 8490). */
    static String rcodeName(int rcode) {
        switch (rcode) {
            case 0: return "NOERROR";
            case 1: return "FORMERR";
            case 2: return "SERVFAIL";
            case 3: return "NXDOMAIN";
            case 4: return "NOTIMP";
            case 5: return "REFUSED";
            case 6: return "YXDOMAIN";
            case 7: return "YXRRSET";
            case 8: return "NXRRSET";
            case 9: return "NOTAUTH";
            case 10: return "NOTZONE";
            case 11: return "DSOTYPENI";
            default: return "RCODE" + rcode;
        }
    }
}
