package org.flowmark.actuator.ctmark.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.flowmark.api.flow.FlowRecord;

/**
 * Builds ctnetlink requests (linux/netfilter/nfnetlink_conntrack.h): {@code IPCTNL_MSG_CT_NEW} without
 * {@code NLM_F_CREATE}, which updates the existing conntrack entry found by its tuple and fails with ENOENT when
 * there is none. Only the mark changes: {@code CTA_MARK} with {@code CTA_MARK_MASK}; the kernel computes
 * {@code new = (old & ~mask) ^ mark}, so the mark sent is already masked.
 *
 * <pre>
 * nlmsghdr   len u32, type u16 = NFNL_SUBSYS_CTNETLINK(1) << 8 | IPCTNL_MSG_CT_NEW(0), flags u16, seq u32, pid u32
 * nfgenmsg   family u8 (AF_INET 2 / AF_INET6 10), version u8 (0), res_id be16 (0)
 * CTA_TUPLE_ORIG (1, nested) or CTA_TUPLE_REPLY (2, nested)
 *   CTA_TUPLE_IP (1, nested): CTA_IP_V4_SRC (1) / CTA_IP_V4_DST (2), or CTA_IP_V6_SRC (3) / CTA_IP_V6_DST (4)
 *   CTA_TUPLE_PROTO (2, nested): CTA_PROTO_NUM (1) u8, CTA_PROTO_SRC_PORT (2) be16, CTA_PROTO_DST_PORT (3) be16
 * CTA_MARK (8) be32, CTA_MARK_MASK (21) be32
 * </pre>
 * Netlink headers and attribute headers are in host order, attribute payloads in network order.
 */
final class CtMessage {
    private CtMessage() {
    }

    static final short TYPE_CT_NEW = 0x100;
    static final short NLM_F_REQUEST = 0x1;
    static final short NLM_F_ACK = 0x4;
    static final short NLM_F_REPLACE = 0x100;
    static final int NLMSG_ERROR = 2;
    static final int HEADER = 16;

    private static final short NLA_F_NESTED = (short) 0x8000;
    private static final short CTA_TUPLE_ORIG = 1;
    private static final short CTA_TUPLE_REPLY = 2;
    private static final short CTA_TUPLE_IP = 1;
    private static final short CTA_TUPLE_PROTO = 2;
    private static final short CTA_MARK = 8;
    private static final short CTA_MARK_MASK = 21;

    /** Upper bound of one message's size (IPv6, all attributes). */
    static final int MAX_SIZE = 160;

    /** A conntrack tuple: addresses (4 or 16 bytes), protocol, ports (-1: protocol without ports). */
    record Tuple(byte[] src, byte[] dst, int proto, int srcPort, int dstPort) {
        boolean v6() {
            return src.length == 16;
        }

        Tuple reversed() {
            return new Tuple(dst, src, proto, dstPort, srcPort);
        }
    }

    /**
     * The original-direction tuple of {@code f} (initiator to responder) as the capture saw it.
     *
     * @throws IllegalArgumentException for flows conntrack cannot be addressed by (ICMP, GRE: no ids/keys here)
     */
    static Tuple originalTuple(FlowRecord f) {
        int p = f.ipProtocol();
        if (p == 1 || p == 58) {
            throw new IllegalArgumentException("flow " + f.id() + ": ICMP flows carry no identifier in the flow "
                    + "record; their conntrack entry cannot be addressed");
        }
        if (p == 47) {
            throw new IllegalArgumentException("flow " + f.id() + ": GRE conntrack entries need the GRE keys");
        }
        if (p < 0 || p > 255) {
            throw new IllegalArgumentException("flow " + f.id() + ": protocol " + p);
        }
        byte[] local = address(f.localIp(), f.ipVersion());
        byte[] other = address(f.otherIp(), f.ipVersion());
        boolean ports = p == 6 || p == 17 || p == 132 || p == 136 || p == 33;
        int lp = ports ? f.localPort() : -1;
        int op = ports ? f.otherPort() : -1;
        return f.localIsInitiator() ? new Tuple(local, other, p, lp, op) : new Tuple(other, local, p, op, lp);
    }

    static byte[] address(String text, int version) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            throw new IllegalArgumentException("bad address '" + text + "'");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            // literal only: never a host name look-up
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                throw new IllegalArgumentException("bad address '" + text + "'");
            }
        }
        byte[] b;
        try {
            b = InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address '" + text + "'");
        }
        if (b.length != (version == 6 ? 16 : 4)) {
            throw new IllegalArgumentException("address '" + text + "' is not IPv" + version);
        }
        return b;
    }

    /** Appends one request to {@code buf} (native order) and returns its length. */
    static int setMark(ByteBuffer buf, int seq, Tuple t, boolean replyDirection, int mark, int mask) {
        buf.order(ByteOrder.nativeOrder());
        int start = buf.position();
        buf.putInt(0); // length, patched below
        buf.putShort(TYPE_CT_NEW);
        buf.putShort((short) (NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE));
        buf.putInt(seq);
        buf.putInt(0);
        buf.put((byte) (t.v6() ? 10 : 2)).put((byte) 0).putShort((short) 0);
        Tuple tuple = replyDirection ? t.reversed() : t;
        int outer = begin(buf, (short) ((replyDirection ? CTA_TUPLE_REPLY : CTA_TUPLE_ORIG) | NLA_F_NESTED));
        int ip = begin(buf, (short) (CTA_TUPLE_IP | NLA_F_NESTED));
        bytes(buf, (short) (t.v6() ? 3 : 1), tuple.src());
        bytes(buf, (short) (t.v6() ? 4 : 2), tuple.dst());
        end(buf, ip);
        int proto = begin(buf, (short) (CTA_TUPLE_PROTO | NLA_F_NESTED));
        u8(buf, (short) 1, tuple.proto());
        if (tuple.srcPort() >= 0) {
            be16(buf, (short) 2, tuple.srcPort());
            be16(buf, (short) 3, tuple.dstPort());
        }
        end(buf, proto);
        end(buf, outer);
        be32(buf, CTA_MARK, mark & mask);
        be32(buf, CTA_MARK_MASK, mask);
        int len = buf.position() - start;
        buf.putInt(start, len);
        return len;
    }

    private static int begin(ByteBuffer buf, short type) {
        int at = buf.position();
        buf.putShort((short) 0).putShort(type);
        return at;
    }

    private static void end(ByteBuffer buf, int at) {
        buf.putShort(at, (short) (buf.position() - at));
    }

    private static void bytes(ByteBuffer buf, short type, byte[] v) {
        buf.putShort((short) (4 + v.length)).putShort(type).put(v);
        pad(buf);
    }

    private static void u8(ByteBuffer buf, short type, int v) {
        buf.putShort((short) 5).putShort(type).put((byte) v);
        pad(buf);
    }

    private static void be16(ByteBuffer buf, short type, int v) {
        buf.putShort((short) 6).putShort(type).put((byte) (v >> 8)).put((byte) v);
        pad(buf);
    }

    private static void be32(ByteBuffer buf, short type, int v) {
        buf.putShort((short) 8).putShort(type).put((byte) (v >>> 24)).put((byte) (v >>> 16)).put((byte) (v >>> 8))
                .put((byte) v);
    }

    private static void pad(ByteBuffer buf) {
        while ((buf.position() & 3) != 0) {
            buf.put((byte) 0);
        }
    }
}
