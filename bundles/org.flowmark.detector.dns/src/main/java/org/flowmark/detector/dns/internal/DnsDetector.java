/*
 * DNS, multicast DNS and LLMNR detector.
 *
 * References: RFC 1035 (message format, UDP and TCP transport with a 2-byte length prefix), RFC 7766 (DNS over
 * TCP), RFC 3596 (AAAA), RFC 6891 (EDNS(0)), RFC 9460 (SVCB/HTTPS), RFC 6762 (multicast DNS, port 5353),
 * RFC 4795 (LLMNR, port 5355). Parsing rules: see DnsParser.
 */
package org.flowmark.detector.dns.internal;

import java.util.Arrays;
import java.util.Locale;

import org.flowmark.api.classify.HostnameHints;
import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.flow.FlowView;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Detects DNS over UDP and TCP, multicast DNS and LLMNR by parsing the message; the port only selects which
 * rules apply (5353: mDNS, protocol {@code MDNS}; 5355: LLMNR, protocol {@code LLMNR}; else {@code DNS}) and
 * NetBIOS name service flows (port 137, same wire format) are left to their own detector. DNS over UDP port 443
 * asking names under {@code securedns.avast.com} is Avast SecureDNS (protocol {@code AVASTSecureDNS}, nDPI's name).
 *
 * <p><b>Verdicts.</b> UDP: the first payload packet decides: a message that validates (see {@link DnsParser}) is
 * DETECTED, anything else EXCLUDED; a response whose answer records run past the datagram (a snapped capture)
 * still counts when its question is complete. TCP: the 2-byte length prefix must announce at least a header;
 * a message that spans segments is reassembled in a per-flow buffer ({@link DnsTcpState}, at most
 * {@code maxMessageBytes}, in sequence order: retransmitted bytes are skipped, a gap excludes) with NEED_MORE
 * until it is complete; a message longer than the cap is judged on its first {@code maxMessageBytes} bytes.
 *
 * <p><b>Metadata</b> (group {@code "dns"}): {@code query} (the first question's name as sent), {@code qtype}
 * ({@code "A"}, {@code "AAAA"}, {@code "HTTPS"}, ...), and from the response {@code rcode} ({@code "NOERROR"},
 * {@code "NXDOMAIN"}, ...) and {@code answers} (list of at most 16 addresses and CNAME targets, in message
 * order). The host name is the query name in lower case. When the query came first, the response is taken from
 * the next packets in {@link #collect} (same transaction id, other direction).
 *
 * <p><b>DNS hint cache.</b> Each A/AAAA answer and each SVCB/HTTPS ipv4hint/ipv6hint address whose owner is the
 * question name or a name its CNAME chain reaches is passed to {@link HostnameHints#learn} with the question name,
 * the record's TTL and the answer's capture timestamp (the hint is valid on the packets' clock, from the packet
 * that completed the answer), an optional, dynamic reference: without the service nothing is learnt.
 *
 * <p><b>Risks</b>: {@code dns_invalid_characters} (the query name holds bytes outside letters, digits, hyphen,
 * underscore), {@code dns_large_packet} (a UDP message over 512 bytes, RFC 1035's limit without EDNS),
 * {@code dns_error_code} (a response with a non-zero RCODE), {@code dns_malformed_packet} (a UDP response whose
 * counted records run past the datagram).
 *
 * <p><b>Per-flow state</b>: the query's id and flags in the slot; the TCP reassembly buffer in the state object.
 */
@Component(service = Detector.class, configurationPid = "org.flowmark.detector.dns")
@Designate(ocd = DnsDetector.Config.class)
@DetectorProperties(name = "dns", transport = {"udp", "tcp"}, ports = {53, 5353, 5355}, priority = 20,
    extraPackets = 6)
public final class DnsDetector implements Detector {

    /** Configuration (PID {@code org.flowmark.detector.dns}). */
    @ObjectClassDefinition(name = "Flowmark DNS detector",
        description = "Detects DNS, mDNS and LLMNR and feeds the DNS hint cache.")
    @interface Config {
        @AttributeDefinition(name = "Maximum TCP message bytes",
            description = "Bound on the reassembly of one DNS-over-TCP message (512 to 65537).",
            min = "512", max = "65537")
        int maxMessageBytes() default DEFAULT_MAX_MESSAGE;
    }

    static final int DEFAULT_MAX_MESSAGE = 4096;
    static final int MAX_ANSWERS = 16;

    static final String GROUP = "dns";
    static final String RISK_INVALID_CHARS = "dns_invalid_characters";
    static final String RISK_LARGE_PACKET = "dns_large_packet";
    static final String RISK_ERROR_CODE = "dns_error_code";
    static final String RISK_MALFORMED = "dns_malformed_packet";
    private static final String[] PROTOCOLS = {"DNS", "MDNS", "LLMNR"};
    static final String AVAST_SECURE_DNS = "AVASTSecureDNS";

    // slot: transaction id in bits 0..15, flags above
    static final long F_QUERY = 1L << 16;
    static final long F_QUERY_FROM_INIT = 1L << 17;
    static final long F_DONE = 1L << 18;
    static final long F_TCP = 1L << 19;
    private static final int KIND_SHIFT = 20;

    /** Outcomes of {@link #tcpFeed}. */
    private static final int T_NEED = 0;
    private static final int T_FAIL = 1;
    private static final int T_SEGMENT = 2;
    private static final int T_BUFFER = 3;

    private final int cap;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile HostnameHints hints;

    @Activate
    public DnsDetector(Config config) {
        this.cap = Math.max(512, Math.min(65537, config.maxMessageBytes()));
    }

    /** For tests: sets the hint cache as DS would. */
    void hints(HostnameHints h) {
        this.hints = h;
    }

    static int kind(int srcPort, int dstPort) {
        if (srcPort == 5353 || dstPort == 5353) {
            return DnsParser.KIND_MDNS;
        }
        if (srcPort == 5355 || dstPort == 5355) {
            return DnsParser.KIND_LLMNR;
        }
        return DnsParser.KIND_DNS;
    }

    private static boolean tcp(DetectorContext ctx) {
        FlowView f = ctx.flow();
        return f != null ? f.ipProtocol() == 6 : ctx.tcpFlags() != 0;
    }

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView p) {
        int sp = ctx.srcPort();
        int dp = ctx.dstPort();
        if (sp == 137 || dp == 137) {
            return Verdict.EXCLUDED; // NetBIOS name service (RFC 1002) shares the format: its own detector's
        }
        int kind = kind(sp, dp);
        if (tcp(ctx)) {
            return inspectTcp(ctx, p, kind);
        }
        int len = p.length();
        if (len < DnsParser.HEADER || DnsParser.checkHeader(p, 0, len, kind) != DnsParser.OK) {
            return Verdict.EXCLUDED;
        }
        int r = DnsParser.parse(p, 0, len, len, kind, null);
        if (r == DnsParser.BAD) {
            return Verdict.EXCLUDED;
        }
        DnsMessage m = new DnsMessage();
        DnsParser.parse(p, 0, len, len, kind, m);
        if (r == DnsParser.TRUNC && !(m.questionComplete && m.response() && m.qdcount >= 1)) {
            return Verdict.EXCLUDED;
        }
        report(ctx, m, kind, false, r == DnsParser.TRUNC);
        return Verdict.DETECTED;
    }

    private Verdict inspectTcp(DetectorContext ctx, PacketView p, int kind) {
        int t = tcpFeed(ctx, p, kind);
        if (t == T_NEED) {
            return Verdict.NEED_MORE;
        }
        if (t == T_FAIL) {
            ctx.state(null);
            return Verdict.EXCLUDED;
        }
        DnsMessage m = tcpMessage(ctx, p, t, kind);
        if (m == null) {
            return Verdict.EXCLUDED;
        }
        report(ctx, m, kind, true, false);
        return Verdict.DETECTED;
    }

    /**
     * Parses the TCP message that {@link #tcpFeed} said is ready (in the segment after its prefix, or in the
     * buffer); null when it is not a valid DNS message. Drops the buffer.
     */
    private DnsMessage tcpMessage(DetectorContext ctx, PacketView p, int t, int kind) {
        PacketView v = p;
        int msgLen;
        int end;
        if (t == T_SEGMENT) {
            msgLen = p.u16(0);
            end = 2 + msgLen;
        } else {
            DnsTcpState st = (DnsTcpState) ctx.state();
            v = new ByteArrayPacketView(st.buf, 0, st.used);
            msgLen = st.msgLen;
            end = st.used;
        }
        ctx.state(null);
        int r = DnsParser.parse(v, 2, msgLen, end, kind, null);
        boolean complete = end == 2 + msgLen;
        if (r == DnsParser.BAD || (r == DnsParser.TRUNC && complete)) {
            return null; // the counted sections do not fit in the declared length
        }
        DnsMessage m = new DnsMessage();
        DnsParser.parse(v, 2, msgLen, end, kind, m);
        if (r == DnsParser.TRUNC && !m.questionComplete) {
            return null;
        }
        return m;
    }

    /**
     * Feeds one TCP segment to this direction's pending message. Returns T_SEGMENT when a whole message lies in
     * the segment (nothing buffered), T_BUFFER when the buffer holds a whole message or is full, T_NEED for more,
     * T_FAIL when the bytes cannot be DNS (or a segment went missing).
     */
    private int tcpFeed(DetectorContext ctx, PacketView p, int kind) {
        boolean fromInit = ctx.fromInitiator();
        int len = p.length();
        long seq = ctx.tcpSeq();
        DnsTcpState st = ctx.state() instanceof DnsTcpState ? (DnsTcpState) ctx.state() : null;
        if (st != null && st.fromInitiator != fromInit) {
            st = null; // the other side spoke: the pending message will not continue
            ctx.state(null);
        }
        if (st == null) {
            if (len >= 2) {
                int msgLen = p.u16(0);
                if (msgLen < DnsParser.HEADER) {
                    return T_FAIL;
                }
                if (len >= 2 + DnsParser.HEADER && DnsParser.checkHeader(p, 2, msgLen, kind) != DnsParser.OK) {
                    return T_FAIL;
                }
                if (len >= 2 + msgLen) {
                    return T_SEGMENT;
                }
                st = new DnsTcpState(Math.min(cap, 2 + msgLen), fromInit, seq);
            } else {
                st = new DnsTcpState(2, fromInit, seq);
            }
            ctx.state(st);
        }
        int d = (int) (seq - st.nextSeq); // signed distance modulo 2^32
        if (d > 0) {
            return T_FAIL; // bytes are missing: the message cannot be completed
        }
        int off = -d;
        if (off >= len) {
            return T_NEED; // a retransmission of bytes already buffered
        }
        st.nextSeq = (seq + len) & 0xffffffffL;
        while (off < len) {
            if (st.used < 2) {
                st.buf[st.used++] = (byte) p.u8(off++);
                if (st.used == 2) {
                    int msgLen = ((st.buf[0] & 0xff) << 8) | (st.buf[1] & 0xff);
                    if (msgLen < DnsParser.HEADER) {
                        return T_FAIL;
                    }
                    st.msgLen = msgLen;
                    int size = Math.min(cap, 2 + msgLen);
                    if (st.buf.length < size) {
                        st.buf = Arrays.copyOf(st.buf, size);
                    }
                }
                continue;
            }
            if (st.msgLen < 0) {
                st.msgLen = ((st.buf[0] & 0xff) << 8) | (st.buf[1] & 0xff);
            }
            int n = Math.min(st.buf.length - st.used, len - off);
            if (n <= 0) {
                break;
            }
            p.copyTo(off, st.buf, st.used, n);
            st.used += n;
            off += n;
        }
        if (st.used < 2) {
            return T_NEED;
        }
        if (st.msgLen < 0) {
            st.msgLen = ((st.buf[0] & 0xff) << 8) | (st.buf[1] & 0xff);
        }
        if (st.used >= 2 + DnsParser.HEADER) {
            ByteArrayPacketView v = new ByteArrayPacketView(st.buf, 0, st.used);
            if (DnsParser.checkHeader(v, 2, st.msgLen, kind) != DnsParser.OK) {
                return T_FAIL;
            }
        }
        return st.used >= 2 + st.msgLen || st.used == st.buf.length ? T_BUFFER : T_NEED;
    }

    @Override
    public boolean collect(DetectorContext ctx, PacketView p) {
        long s = ctx.slot();
        if ((s & F_QUERY) == 0 || (s & F_DONE) != 0) {
            ctx.state(null);
            return false;
        }
        int kind = (int) ((s >>> KIND_SHIFT) & 3);
        if (kind == DnsParser.KIND_MDNS) {
            return false; // mDNS answers go to the multicast group: another flow
        }
        boolean fromQuerier = ((s & F_QUERY_FROM_INIT) != 0) == ctx.fromInitiator();
        DnsMessage m;
        boolean tcp = (s & F_TCP) != 0;
        if (tcp) {
            int t = tcpFeed(ctx, p, kind);
            if (t == T_NEED) {
                return true;
            }
            if (t == T_FAIL) {
                ctx.state(null);
                return fromQuerier;
            }
            m = tcpMessage(ctx, p, t, kind);
        } else {
            int len = p.length();
            if (fromQuerier || len < DnsParser.HEADER) {
                return true; // a retransmitted or further query: keep waiting for the answer
            }
            int r = DnsParser.parse(p, 0, len, len, kind, null);
            m = null;
            if (r != DnsParser.BAD) {
                m = new DnsMessage();
                DnsParser.parse(p, 0, len, len, kind, m);
                if (r == DnsParser.TRUNC && !m.questionComplete) {
                    m = null;
                }
            }
        }
        if (fromQuerier) {
            return true;
        }
        if (m == null || !m.response() || m.id != (int) (s & 0xffff)) {
            return true; // not the answer to our query (yet)
        }
        ctx.slot(s | F_DONE);
        reportResponse(ctx, m, tcp, false);
        return false;
    }

    // ------------------------------------------------------------------ reporting

    private void report(DetectorContext ctx, DnsMessage m, int kind, boolean tcp, boolean truncated) {
        DetectionBuilder b = ctx.result();
        b.protocol(avastSecureDns(ctx, m) ? AVAST_SECURE_DNS : PROTOCOLS[kind]).category("network");
        if (m.qname != null) {
            if (!".".equals(m.qname)) {
                b.hostname(m.qname.toLowerCase(Locale.ROOT));
            }
            b.put(GROUP, "query", m.qname);
            b.put(GROUP, "qtype", DnsParser.typeName(m.qtype));
            if (!DnsParser.hostnameChars(m.qname)) {
                b.risk(RISK_INVALID_CHARS);
            }
        }
        long slot = (m.id & 0xffffL) | ((long) kind << KIND_SHIFT) | (tcp ? F_TCP : 0);
        if (m.response()) {
            slot |= F_DONE;
            reportResponse(ctx, m, tcp, truncated);
        } else {
            slot |= F_QUERY | (ctx.fromInitiator() ? F_QUERY_FROM_INIT : 0);
            if (!tcp && m.length > 512) {
                b.risk(RISK_LARGE_PACKET);
            }
        }
        ctx.slot(slot);
    }

    /**
     * Avast SecureDNS (a DNS filtering product of Avast) carries DNS messages over UDP port 443 to Avast's resolvers
     * and asks names under {@code securedns.avast.com}; nDPI names it as a protocol of its own. Plain DNS never uses
     * port 443, so only that combination is named so.
     */
    static boolean avastSecureDns(DetectorContext ctx, DnsMessage m) {
        if (m.qname == null || (ctx.srcPort() != 443 && ctx.dstPort() != 443)) {
            return false;
        }
        String q = m.qname;
        int n = q.endsWith(".") ? q.length() - 1 : q.length();
        String suffix = "securedns.avast.com";
        return n >= suffix.length() && q.regionMatches(true, n - suffix.length(), suffix, 0, suffix.length())
            && (n == suffix.length() || q.charAt(n - suffix.length() - 1) == '.');
    }

    private void reportResponse(DetectorContext ctx, DnsMessage m, boolean tcp, boolean truncated) {
        DetectionBuilder b = ctx.result();
        if (b.hostname() == null && m.qname != null && !".".equals(m.qname)) {
            b.hostname(m.qname.toLowerCase(Locale.ROOT));
        }
        if (b.get(GROUP, "query") == null && m.qname != null) {
            b.put(GROUP, "query", m.qname);
            b.put(GROUP, "qtype", DnsParser.typeName(m.qtype));
        }
        b.put(GROUP, "rcode", DnsParser.rcodeName(m.rcode()));
        if (!m.records.isEmpty()) {
            b.put(GROUP, "answers", m.answerTexts(MAX_ANSWERS));
        }
        if (m.rcode() != 0) {
            b.risk(RISK_ERROR_CODE);
        }
        if (!tcp && m.length > 512) {
            b.risk(RISK_LARGE_PACKET);
        }
        if (truncated) {
            b.risk(RISK_MALFORMED);
        }
        HostnameHints h = hints;
        if (h != null && m.rcode() == 0 && !m.records.isEmpty()) {
            boolean[] mark = m.answersQuestion();
            String asked = m.qname != null ? m.qname.toLowerCase(Locale.ROOT) : null;
            long now = ctx.timestampNanos();
            for (int i = 0; i < mark.length; i++) {
                if (mark[i]) {
                    DnsMessage.Record r = m.records.get(i);
                    String name = asked != null ? asked : r.owner.toLowerCase(Locale.ROOT);
                    h.learn(r.address, r.address.length, name, r.ttl, now);
                }
            }
        }
    }
}
