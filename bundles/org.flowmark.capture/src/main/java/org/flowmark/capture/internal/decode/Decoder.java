package org.flowmark.capture.internal.decode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.flowmark.capture.internal.source.RawPacket;

/**
 * Decodes a captured packet down to its innermost IP flow: link layer, VLAN tags, MPLS, PPPoE, IPv4/IPv6 (with
 * options, extension headers and fragments), TCP/UDP/SCTP/ICMP, and the common tunnels (GRE incl. ERSPAN and
 * PPTP, VXLAN, GTP-U, CAPWAP data, IP-in-IP in all four combinations), which are decapsulated so that
 * {@link DecodedPacket} describes the inner flow.
 *
 * <p>Facts from: IEEE 802.3/802.1Q/802.1ad, libpcap LINKTYPE_ list and SLL/SLL2 headers, RFC 791, 8200 (IPv6 and
 * extension headers), 4302 (AH), 793/9293 (TCP), 768 (UDP), 4960 (SCTP), 2784/2890 (GRE), 2637 (PPTP enhanced
 * GRE), 7348 (VXLAN), 3GPP TS 29.281 (GTP-U), 5415/5416 (CAPWAP), 3032 (MPLS), 2516 (PPPoE), 1661/1662 (PPP).
 *
 * <p>The hot path allocates nothing and throws nothing: every length is checked before it is used, and a bad
 * packet yields {@link #TRUNCATED} (the capture cut it) or {@link #MALFORMED} (its own lengths contradict each
 * other). Only absolute getters are used on the buffer. Not thread-safe: one decoder per capture thread.
 *
 * <p>Snap length: a packet is {@link #OK} as soon as its flow key (innermost addresses, protocol and, for
 * TCP/UDP/SCTP, the two ports) was captured, even when the capture cut the rest of the transport header; its
 * payload is then empty (TCP flags, sequence and acknowledgement numbers are filled only when captured). A UDP
 * datagram on a tunnel port whose header was cut stays {@link #TRUNCATED}: its inner flow is unknown.
 *
 * <p>Fields of {@code out} after a result other than {@link #OK}/{@link #FRAGMENT_UNMATCHED} are partial (whatever
 * was decoded before the problem) and must not be used as a flow key.
 */
public final class Decoder {
    /** Decoded: {@code out} describes an IP flow. */
    public static final int OK = 0;
    /** A valid frame that carries no IP (ARP, LLDP, STP, ...): not a flow. */
    public static final int NOT_IP = 1;
    /** The capture cut the packet before a header needed for the flow key ended. */
    public static final int TRUNCATED = 2;
    /** The packet contradicts itself (lengths, versions). */
    public static final int MALFORMED = 3;
    /** The link type of the packet is not one the decoder knows. */
    public static final int UNSUPPORTED_LINK = 4;
    /** A later fragment whose first fragment was not seen: flow fields valid but ports 0, portsKnown false. */
    public static final int FRAGMENT_UNMATCHED = 5;
    /** Number of result codes (length of {@link #counters}). */
    public static final int RESULT_COUNT = 6;
    /** Names of the result codes, indexed by code. */
    public static final String[] RESULT_NAMES = {"ok", "not_ip", "truncated", "malformed", "unsupported_link",
        "fragment_unmatched"};

    /** Most tunnels decapsulated in one packet; deeper ones are reported as the flow of the last tunnel. */
    public static final int MAX_TUNNEL_DEPTH = 4;
    /** Most IPv6 extension headers walked before the packet is called malformed. */
    static final int MAX_EXTENSION_HEADERS = 16;

    // link types (libpcap LINKTYPE_ values)
    public static final int LINK_NULL = 0;
    public static final int LINK_ETHERNET = 1;
    public static final int LINK_PPP = 9;
    public static final int LINK_RAW_LEGACY_12 = 12;
    public static final int LINK_RAW_LEGACY_14 = 14;
    public static final int LINK_PPP_HDLC = 50;
    public static final int LINK_RAW = 101;
    public static final int LINK_C_HDLC = 104;
    public static final int LINK_IEEE802_11 = 105;
    public static final int LINK_LOOP = 108;
    public static final int LINK_LINUX_SLL = 113;
    public static final int LINK_IPV4 = 228;
    public static final int LINK_IPV6 = 229;
    public static final int LINK_LINUX_SLL2 = 276;

    private static final int ETH_IPV4 = 0x0800;
    private static final int ETH_IPV6 = 0x86DD;
    private static final int ETH_VLAN = 0x8100;
    private static final int ETH_QINQ = 0x88A8;
    private static final int ETH_QINQ_OLD = 0x9100;
    private static final int ETH_MPLS = 0x8847;
    private static final int ETH_MPLS_MC = 0x8848;
    private static final int ETH_PPPOE_SESSION = 0x8864;

    private static final int VXLAN_PORT = 4789;
    private static final int GTPU_PORT = 2152;
    private static final int CAPWAP_DATA_PORT = 5247;

    /** Packets per result code, indexed by the code. */
    public final long[] counters = new long[RESULT_COUNT];

    private final FragmentTable fragments;

    // per-packet state (no allocation: fields of the reused decoder)
    private ByteBuffer b;
    private boolean littleEndian;
    private DecodedPacket o;
    private long now;
    private boolean vlanSet;
    /** Depth of the most recently decoded IP header (to know whether an L4 decode decapsulated). */
    private int ipDepth;

    public Decoder() {
        this(new FragmentTable());
    }

    public Decoder(FragmentTable fragments) {
        this.fragments = fragments;
    }

    public FragmentTable fragments() {
        return fragments;
    }

    /**
     * Decodes {@code raw} into {@code out} (cleared first) and counts the result.
     *
     * @return one of the result codes {@link #OK} .. {@link #FRAGMENT_UNMATCHED}
     */
    public int decode(RawPacket raw, DecodedPacket out) {
        int r = decode0(raw, out);
        counters[r]++;
        b = null;
        o = null;
        return r;
    }

    private int decode0(RawPacket raw, DecodedPacket out) {
        out.clear();
        ByteBuffer buf = raw.buf;
        if (buf == null) {
            return MALFORMED;
        }
        out.buf = buf;
        int off = raw.offset;
        int cap = raw.caplen;
        if (off < 0 || cap < 0 || off > buf.limit() - cap) {
            return MALFORMED;
        }
        int end = off + cap;
        b = buf;
        littleEndian = buf.order() == ByteOrder.LITTLE_ENDIAN;
        o = out;
        now = raw.tsNanos;
        vlanSet = false;
        ipDepth = -1;
        switch (raw.linkType) {
            case LINK_ETHERNET:
                return ethernet(off, end, 0);
            case LINK_LINUX_SLL:
                return sll(off, end);
            case LINK_LINUX_SLL2:
                return sll2(off, end);
            case LINK_RAW:
            case LINK_RAW_LEGACY_12:
            case LINK_RAW_LEGACY_14:
                return rawIp(off, end);
            case LINK_IPV4:
                return ipv4(off, end, 0);
            case LINK_IPV6:
                return ipv6(off, end, 0);
            case LINK_NULL:
            case LINK_LOOP:
                return loopback(off, end, raw.linkType == LINK_NULL);
            case LINK_PPP:
            case LINK_PPP_HDLC:
                return pppLink(off, end);
            case LINK_C_HDLC:
                if (end - off < 4) {
                    return TRUNCATED;
                }
                return etherType(u16(off + 2), off + 4, end, 0);
            case LINK_IEEE802_11: {
                int r = ieee80211(off, end, 0);
                return r < 0 ? NOT_IP : r;
            }
            default:
                return UNSUPPORTED_LINK;
        }
    }

    // ---------------------------------------------------------------- link layer

    private int ethernet(int off, int end, int depth) {
        if (end - off < 14) {
            return TRUNCATED;
        }
        if (depth == 0) {
            o.hasMac = true;
            o.dstMac = mac(off);
            o.srcMac = mac(off + 6);
        }
        return etherType(u16(off + 12), off + 14, end, depth);
    }

    private static boolean isVlanTag(int type) {
        return type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD || type == 0x9200 || type == 0x9300;
    }

    /** Decodes what follows an EtherType (VLAN tags first). */
    private int etherType(int type, int off, int end, int depth) {
        if (isVlanTag(type)) {
            // the first stack of tags seen (the outermost link layer's) names the VLAN; tags of a tunnelled
            // frame do not change it
            boolean record = !vlanSet;
            vlanSet = true;
            boolean first = true;
            do {
                if (end - off < 4) {
                    return TRUNCATED;
                }
                if (record) {
                    int id = u16(off) & 0x0FFF;
                    if (first) {
                        o.outerVlanId = id;
                        first = false;
                    }
                    o.vlanId = id;
                }
                type = u16(off + 2);
                off += 4;
            } while (isVlanTag(type));
        }
        switch (type) {
            case ETH_IPV4:
                return ipv4(off, end, depth);
            case ETH_IPV6:
                return ipv6(off, end, depth);
            case ETH_MPLS:
            case ETH_MPLS_MC:
                return mpls(off, end, depth);
            case ETH_PPPOE_SESSION:
                return pppoe(off, end, depth);
            default:
                if (type < 0x0600) { // 802.3 length: LLC, maybe SNAP
                    int llcEnd = Math.min(end, off + type);
                    if (llcEnd - off < 8) {
                        return llcEnd - off >= 3 && (u8(off) != 0xAA || u8(off + 1) != 0xAA) ? NOT_IP : TRUNCATED;
                    }
                    if (u8(off) == 0xAA && u8(off + 1) == 0xAA && u8(off + 2) == 0x03 && u16(off + 3) == 0
                            && u8(off + 5) == 0) {
                        int t = u16(off + 6);
                        if (t >= 0x0600 && !isVlanTag(t)) {
                            return etherType(t, off + 8, llcEnd, depth);
                        }
                    }
                }
                return NOT_IP;
        }
    }

    /** Linux cooked capture v1: 16-byte header. */
    private int sll(int off, int end) {
        if (end - off < 16) {
            return TRUNCATED;
        }
        int haType = u16(off + 2);
        int addrLen = u16(off + 4);
        if (haType == 1 && addrLen == 6) {
            o.hasMac = true;
            o.srcMac = mac(off + 6);
        }
        return cookedProtocol(u16(off + 14), haType, off + 16, end);
    }

    /** Linux cooked capture v2: 20-byte header. */
    private int sll2(int off, int end) {
        if (end - off < 20) {
            return TRUNCATED;
        }
        int haType = u16(off + 8);
        int addrLen = u8(off + 11);
        if (haType == 1 && addrLen == 6) {
            o.hasMac = true;
            o.srcMac = mac(off + 12);
        }
        return cookedProtocol(u16(off), haType, off + 20, end);
    }

    private int cookedProtocol(int protocol, int haType, int off, int end) {
        if (haType == 824 || haType == 825) { // netlink, IEEE 802.15.4 (no EtherType)
            return NOT_IP;
        }
        if (protocol < 0x0600) { // 0x0001 802.3 frames, 0x0004 802.2 LLC, CAN, ...
            return NOT_IP;
        }
        return etherType(protocol, off, end, 0);
    }

    private int rawIp(int off, int end) {
        if (end <= off) {
            return TRUNCATED;
        }
        int v = u8(off) >> 4;
        if (v == 4) {
            return ipv4(off, end, 0);
        }
        if (v == 6) {
            return ipv6(off, end, 0);
        }
        return MALFORMED;
    }

    /** BSD loopback: a 4-byte address family, in the capturing host's order (NULL) or network order (LOOP). */
    private int loopback(int off, int end, boolean hostOrder) {
        if (end - off < 4) {
            return TRUNCATED;
        }
        int family = b.getInt(off);
        if (littleEndian) {
            family = Integer.reverseBytes(family);
        }
        if (hostOrder && (family & 0xFFFF0000) != 0) {
            family = Integer.reverseBytes(family);
        }
        switch (family) {
            case 2:
                return ipv4(off + 4, end, 0);
            case 24:
            case 28:
            case 30:
                return ipv6(off + 4, end, 0);
            default:
                return NOT_IP;
        }
    }

    /** PPP (9) and PPP in HDLC-like framing (50): optional FF 03, then a 1- or 2-byte protocol. */
    private int pppLink(int off, int end) {
        if (end - off < 2) {
            return TRUNCATED;
        }
        int a = u8(off);
        if (a == 0x0F || a == 0x8F) { // Cisco HDLC seen under DLT 50
            if (end - off < 4) {
                return TRUNCATED;
            }
            return etherType(u16(off + 2), off + 4, end, 0);
        }
        return ppp(off, end, 0, false);
    }

    /**
     * PPP payload: address/control (FF 03) optional, protocol field compressed or not.
     *
     * @param probe true to return -1 instead of NOT_IP for a non-IP protocol (the caller keeps its own flow)
     */
    private int ppp(int off, int end, int depth, boolean probe) {
        if (end - off >= 1 && u8(off) == 0xFF) { // all-stations address, then control 03
            if (end - off < 2) {
                return TRUNCATED;
            }
            if (u8(off + 1) != 0x03) {
                return probe ? -1 : MALFORMED;
            }
            off += 2;
        }
        if (end - off < 1) {
            return TRUNCATED;
        }
        int proto;
        if ((u8(off) & 1) != 0) {
            proto = u8(off);
            off += 1;
        } else {
            if (end - off < 2) {
                return TRUNCATED;
            }
            proto = u16(off);
            off += 2;
        }
        switch (proto) {
            case 0x21:
                return ipv4(off, end, depth);
            case 0x57:
                return ipv6(off, end, depth);
            case 0x281:
            case 0x283:
                return mpls(off, end, depth);
            default:
                return probe ? -1 : NOT_IP;
        }
    }

    private int pppoe(int off, int end, int depth) {
        if (end - off < 8) {
            return TRUNCATED;
        }
        if (u8(off) != 0x11 || u8(off + 1) != 0) {
            return MALFORMED;
        }
        int len = u16(off + 4);
        if (len < 2) {
            return MALFORMED;
        }
        int pEnd = Math.min(end, off + 6 + len);
        int proto = u16(off + 6);
        switch (proto) {
            case 0x0021:
                return ipv4(off + 8, pEnd, depth);
            case 0x0057:
                return ipv6(off + 8, pEnd, depth);
            default:
                return NOT_IP;
        }
    }

    private int mpls(int off, int end, int depth) {
        while (true) {
            if (end - off < 4) {
                return TRUNCATED;
            }
            int entry = b.getInt(off);
            if (littleEndian) {
                entry = Integer.reverseBytes(entry);
            }
            off += 4;
            if ((entry & 0x100) != 0) { // bottom of stack
                break;
            }
        }
        if (end <= off) {
            return TRUNCATED;
        }
        switch (u8(off) >> 4) {
            case 4:
                return ipv4(off, end, depth);
            case 6:
                return ipv6(off, end, depth);
            case 0: // pseudowire control word (RFC 4385), then an Ethernet frame
                if (depth >= MAX_TUNNEL_DEPTH) {
                    return NOT_IP;
                }
                return ethernet(off + 4, end, depth + 1);
            default:
                return NOT_IP;
        }
    }

    /**
     * An 802.11 data frame carrying LLC/SNAP.
     *
     * @return a result code, or -1 when the frame carries no IP (management, control, protected, null data)
     */
    private int ieee80211(int off, int end, int depth) {
        if (end - off < 24) {
            return TRUNCATED;
        }
        int fc0 = u8(off);
        int fc1 = u8(off + 1);
        if ((fc0 & 0x03) != 0 && (fc1 & 0x03) == 0) {
            // frame control byte-swapped (as some CAPWAP access points send it): protocol version must be 0
            int t = fc0;
            fc0 = fc1;
            fc1 = t;
        }
        int type = (fc0 >> 2) & 3;
        int subtype = (fc0 >> 4) & 0xF;
        if (type != 2 || (subtype & 0x4) != 0 || (fc1 & 0x40) != 0) {
            return -1;
        }
        int hdr = 24;
        if ((fc1 & 0x03) == 0x03) {
            hdr += 6;
        }
        if ((subtype & 0x8) != 0) {
            hdr += 2;
            if ((fc1 & 0x80) != 0) {
                hdr += 4;
            }
        }
        int llc = off + hdr;
        if (end - llc < 8) {
            return TRUNCATED;
        }
        if (u8(llc) != 0xAA || u8(llc + 1) != 0xAA || u8(llc + 2) != 0x03) {
            return -1;
        }
        int t = u16(llc + 6);
        if (t != ETH_IPV4 && t != ETH_IPV6 && !isVlanTag(t) && t != ETH_MPLS && t != ETH_MPLS_MC) {
            return -1;
        }
        return etherType(t, llc + 8, end, depth);
    }

    // ---------------------------------------------------------------- network layer

    /** A truncated or malformed header: {@code need} is where it should end, {@code ipEnd} the IP packet's end. */
    private static int shortHeader(int need, int ipEnd) {
        return need > ipEnd ? MALFORMED : TRUNCATED;
    }

    private int ipv4(int off, int end, int depth) {
        if (end - off < 20) {
            return TRUNCATED;
        }
        int vihl = u8(off);
        if ((vihl >> 4) != 4) {
            return MALFORMED;
        }
        int ihl = (vihl & 0x0F) << 2;
        if (ihl < 20) {
            return MALFORMED;
        }
        int total = u16(off + 2);
        if (total == 0) { // segmentation offload: the length was left for the NIC to fill
            total = end - off;
        }
        if (total < ihl) {
            return MALFORMED;
        }
        if (end - off < ihl) {
            return TRUNCATED;
        }
        int ipEnd = off + total; // may exceed the captured end (snap length), never used to read
        if (ipEnd < 0) {
            ipEnd = Integer.MAX_VALUE;
        }
        int capEnd = Math.min(end, ipEnd);
        int proto = u8(off + 9);
        o.ipVersion = 4;
        o.srcHi = 0;
        o.srcLo = u32(off + 12);
        o.dstHi = 0;
        o.dstLo = u32(off + 16);
        o.ipProtocol = proto;
        o.ipLength = total;
        o.srcPort = o.dstPort = 0;
        o.tcpFlags = 0;
        o.tcpSeq = o.tcpAck = 0;
        o.portsKnown = true;
        ipDepth = depth;
        int ff = u16(off + 6);
        int fragOffset = ff & 0x1FFF;
        boolean more = (ff & 0x2000) != 0;
        o.fragment = more || fragOffset != 0;
        o.laterFragment = fragOffset != 0;
        int l4 = off + ihl;
        int id = u16(off + 4);
        if (fragOffset != 0) {
            return laterFragment(proto, id, l4, capEnd);
        }
        int r = transport(proto, l4, capEnd, ipEnd, depth, 4);
        if (more && r == OK && ipDepth == depth) {
            fragments.put(o.srcHi, o.srcLo, o.dstHi, o.dstLo, proto, id, o.srcPort, o.dstPort, now);
        }
        return r;
    }

    private int ipv6(int off, int end, int depth) {
        if (end - off < 40) {
            return TRUNCATED;
        }
        if ((u8(off) >> 4) != 6) {
            return MALFORMED;
        }
        int plen = u16(off + 4);
        int total = plen == 0 ? end - off : 40 + plen; // 0: jumbogram or segmentation offload
        int ipEnd = off + total;
        if (ipEnd < 0) {
            ipEnd = Integer.MAX_VALUE;
        }
        int capEnd = Math.min(end, ipEnd);
        o.ipVersion = 6;
        o.srcHi = s64(off + 8);
        o.srcLo = s64(off + 16);
        o.dstHi = s64(off + 24);
        o.dstLo = s64(off + 32);
        o.ipLength = total;
        o.srcPort = o.dstPort = 0;
        o.tcpFlags = 0;
        o.tcpSeq = o.tcpAck = 0;
        o.portsKnown = true;
        o.fragment = false;
        o.laterFragment = false;
        ipDepth = depth;
        int nh = u8(off + 6);
        int p = off + 40;
        boolean firstFragment = false;
        long fragId = 0;
        int walked = 0;
        while (true) {
            if (nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140 || nh == 51) {
                if (++walked > MAX_EXTENSION_HEADERS) {
                    return MALFORMED;
                }
                if (capEnd - p < 8) {
                    return shortHeader(p + 8, ipEnd);
                }
                int len = nh == 51 ? (u8(p + 1) + 2) << 2 : (u8(p + 1) + 1) << 3;
                int next = u8(p);
                if (p + len > ipEnd) {
                    return MALFORMED;
                }
                if (p + len > capEnd) {
                    return TRUNCATED;
                }
                nh = next;
                p += len;
            } else if (nh == 44) {
                if (++walked > MAX_EXTENSION_HEADERS) {
                    return MALFORMED;
                }
                if (capEnd - p < 8) {
                    return shortHeader(p + 8, ipEnd);
                }
                int next = u8(p);
                int fo = u16(p + 2);
                int fragOffset = fo >>> 3;
                boolean more = (fo & 1) != 0;
                long id = u32(p + 4);
                p += 8;
                nh = next;
                if (fragOffset != 0 || more) {
                    o.fragment = true;
                    fragId = id;
                    if (fragOffset != 0) {
                        o.laterFragment = true;
                        o.ipProtocol = nh;
                        return laterFragment(nh, id, p, capEnd);
                    }
                    firstFragment = true;
                }
            } else {
                break;
            }
        }
        o.ipProtocol = nh;
        if (nh == 59) { // no next header
            payload(p, p);
            return OK;
        }
        int r = transport(nh, p, capEnd, ipEnd, depth, 6);
        if (firstFragment && r == OK && ipDepth == depth) {
            fragments.put(o.srcHi, o.srcLo, o.dstHi, o.dstLo, nh, fragId, o.srcPort, o.dstPort, now);
        }
        return r;
    }

    /** A non-first fragment: no L4 header; ports from the fragment table. Payload is left empty. */
    private int laterFragment(int proto, long id, int dataOff, int capEnd) {
        payload(dataOff, dataOff);
        if (proto != 6 && proto != 17 && proto != 132) {
            return OK; // no ports to find
        }
        int ports = fragments.get(o.srcHi, o.srcLo, o.dstHi, o.dstLo, proto, id, now);
        if (ports == -1) {
            o.portsKnown = false;
            return FRAGMENT_UNMATCHED;
        }
        o.srcPort = ports >>> 16;
        o.dstPort = ports & 0xFFFF;
        return OK;
    }

    // ---------------------------------------------------------------- transport layer and tunnels

    private void payload(int from, int to) {
        o.payloadOffset = from;
        o.payloadLength = to > from ? to - from : 0;
    }

    private int transport(int proto, int p, int capEnd, int ipEnd, int depth, int ipVersion) {
        switch (proto) {
            case 6: {
                int have = capEnd - p;
                if (have < 20) {
                    if (p + 20 > ipEnd) {
                        return MALFORMED;
                    }
                    if (have < 4) {
                        return TRUNCATED;
                    }
                    // the snap length cut the header after the ports: the flow is known, the rest may be
                    o.srcPort = u16(p);
                    o.dstPort = u16(p + 2);
                    if (have >= 8) {
                        o.tcpSeq = u32(p + 4);
                    }
                    if (have >= 12) {
                        o.tcpAck = u32(p + 8);
                    }
                    if (have >= 13 && (u8(p + 12) >> 4) < 5) {
                        return MALFORMED;
                    }
                    if (have >= 14) {
                        o.tcpFlags = u8(p + 13);
                    }
                    payload(capEnd, capEnd);
                    return OK;
                }
                o.srcPort = u16(p);
                o.dstPort = u16(p + 2);
                o.tcpSeq = u32(p + 4);
                o.tcpAck = u32(p + 8);
                o.tcpFlags = u8(p + 13);
                int doff = (u8(p + 12) >> 4) << 2;
                if (doff < 20) {
                    return MALFORMED;
                }
                if (have < doff) {
                    if (p + doff > ipEnd) {
                        return MALFORMED;
                    }
                    payload(capEnd, capEnd); // options cut by the snap length: no payload to inspect
                    return OK;
                }
                payload(p + doff, capEnd);
                return OK;
            }
            case 17: {
                if (capEnd - p < 8) {
                    if (p + 8 > ipEnd) {
                        return MALFORMED;
                    }
                    if (capEnd - p < 4) {
                        return TRUNCATED;
                    }
                    int sport = u16(p);
                    int dport = u16(p + 2);
                    if (depth < MAX_TUNNEL_DEPTH && isTunnelPort(sport, dport)) {
                        return TRUNCATED; // might be a tunnel whose inner flow the capture cut off
                    }
                    o.srcPort = sport;
                    o.dstPort = dport;
                    payload(capEnd, capEnd);
                    return OK;
                }
                int sport = u16(p);
                int dport = u16(p + 2);
                o.srcPort = sport;
                o.dstPort = dport;
                int ulen = u16(p + 4);
                if (ulen != 0 && ulen < 8) {
                    return MALFORMED;
                }
                int uEnd = ulen != 0 && p + ulen < capEnd ? p + ulen : capEnd;
                // where the datagram ends per its headers; beyond uEnd only when the capture cut it
                int declEnd = ulen != 0 ? Math.min(p + ulen, ipEnd) : ipEnd;
                if (declEnd < 0) {
                    declEnd = Integer.MAX_VALUE;
                }
                int q = p + 8;
                payload(q, uEnd);
                if (depth < MAX_TUNNEL_DEPTH) {
                    int r = -1;
                    if (dport == VXLAN_PORT) {
                        r = vxlan(q, uEnd, declEnd, depth);
                    } else if (sport == GTPU_PORT || dport == GTPU_PORT) {
                        r = gtpu(q, uEnd, declEnd, depth);
                    } else if (sport == CAPWAP_DATA_PORT || dport == CAPWAP_DATA_PORT) {
                        r = capwap(q, uEnd, declEnd, depth);
                    }
                    if (r >= 0) {
                        return r;
                    }
                }
                return OK;
            }
            case 132: {
                if (capEnd - p < 12) {
                    if (p + 12 > ipEnd) {
                        return MALFORMED;
                    }
                    if (capEnd - p < 4) {
                        return TRUNCATED;
                    }
                    o.srcPort = u16(p);
                    o.dstPort = u16(p + 2);
                    payload(capEnd, capEnd);
                    return OK;
                }
                o.srcPort = u16(p);
                o.dstPort = u16(p + 2);
                payload(p + 12, capEnd);
                return OK;
            }
            case 1:
            case 58: {
                if (capEnd - p < 8) {
                    if (p + 8 > ipEnd) {
                        return MALFORMED;
                    }
                    payload(capEnd, capEnd); // the flow key has no ports: the IP header suffices
                    return OK;
                }
                payload(p + 8, capEnd);
                return OK;
            }
            case 47: {
                payload(p, capEnd);
                if (depth >= MAX_TUNNEL_DEPTH) {
                    return OK;
                }
                int r = gre(p, capEnd, ipEnd, depth);
                return r >= 0 ? r : OK;
            }
            case 4:
            case 41: {
                payload(p, capEnd);
                if (depth >= MAX_TUNNEL_DEPTH) {
                    return OK;
                }
                int kind = proto == 4 ? (ipVersion == 4 ? DecodedPacket.TUNNEL_IPIP : DecodedPacket.TUNNEL_4IN6)
                        : (ipVersion == 4 ? DecodedPacket.TUNNEL_6IN4 : DecodedPacket.TUNNEL_6IN6);
                markTunnel(kind);
                return proto == 4 ? ipv4(p, capEnd, depth + 1) : ipv6(p, capEnd, depth + 1);
            }
            default:
                payload(p, capEnd);
                return OK;
        }
    }

    /** UDP ports on which {@link #transport} looks for a tunnel (VXLAN, GTP-U, CAPWAP data). */
    private static boolean isTunnelPort(int sport, int dport) {
        return dport == VXLAN_PORT || sport == GTPU_PORT || dport == GTPU_PORT || sport == CAPWAP_DATA_PORT
                || dport == CAPWAP_DATA_PORT;
    }

    /**
     * A tunnel header would end at {@code need} but the data ends at {@code end}: TRUNCATED when the capture cut
     * the datagram there ({@code declEnd > end}), else -1 (too short to be the tunnel: keep the outer flow).
     */
    private static int cut(int need, int end, int declEnd) {
        return need > end && declEnd > end ? TRUNCATED : -1;
    }

    private void markTunnel(int kind) {
        if (o.tunnel == DecodedPacket.TUNNEL_NONE) {
            o.tunnel = kind;
        }
    }

    /**
     * An Ethernet frame inside a tunnel: decapsulated only when it carries IP (possibly behind VLAN tags, MPLS or
     * PPPoE).
     *
     * @return a result code, or -1 when the frame carries no IP and the tunnel's own flow is kept
     */
    private int innerEthernet(int off, int end, int depth, int kind) {
        if (end - off < 14) {
            return TRUNCATED;
        }
        int t = u16(off + 12);
        int q = off + 14;
        while (isVlanTag(t)) {
            if (end - q < 4) {
                return TRUNCATED;
            }
            t = u16(q + 2);
            q += 4;
        }
        if (t != ETH_IPV4 && t != ETH_IPV6 && t != ETH_MPLS && t != ETH_MPLS_MC && t != ETH_PPPOE_SESSION) {
            return -1;
        }
        markTunnel(kind);
        return ethernet(off, end, depth + 1);
    }

    /** Inner IP by its version nibble; -1 when it is neither IPv4 nor IPv6. */
    private int innerIp(int off, int end, int depth, int kind) {
        if (end <= off) {
            return TRUNCATED;
        }
        int v = u8(off) >> 4;
        if (v != 4 && v != 6) {
            return -1;
        }
        markTunnel(kind);
        return v == 4 ? ipv4(off, end, depth + 1) : ipv6(off, end, depth + 1);
    }

    /** RFC 7348: 8-byte header, I flag, then an Ethernet frame. */
    private int vxlan(int q, int end, int declEnd, int depth) {
        if (end - q < 8) {
            return cut(q + 8, end, declEnd);
        }
        if ((u8(q) & 0x08) == 0) {
            return -1;
        }
        return innerEthernet(q + 8, end, depth, DecodedPacket.TUNNEL_VXLAN);
    }

    /** 3GPP TS 29.281: GTP-U version 1, G-PDU (255) only; optional fields and extension header chain. */
    private int gtpu(int q, int end, int declEnd, int depth) {
        if (end - q < 8) {
            return cut(q + 8, end, declEnd);
        }
        int flags = u8(q);
        if ((flags >> 5) != 1 || (flags & 0x10) == 0 || u8(q + 1) != 0xFF) {
            return -1; // not GTPv1 (GTP' or v2 control), or not a G-PDU (echo, error indication, ...)
        }
        int gEnd = q + 8 + u16(q + 2);
        if (gEnd > end) {
            gEnd = end;
        }
        int h = q + 8;
        if ((flags & 0x07) != 0) {
            if (gEnd - h < 4) {
                return TRUNCATED;
            }
            int next = u8(h + 3);
            h += 4;
            if ((flags & 0x04) != 0) {
                int chain = 0;
                while (next != 0) {
                    if (++chain > 16) {
                        return MALFORMED;
                    }
                    if (gEnd - h < 4) {
                        return TRUNCATED;
                    }
                    int len = u8(h) << 2;
                    if (len == 0) {
                        return MALFORMED;
                    }
                    if (gEnd - h < len) {
                        return TRUNCATED;
                    }
                    next = u8(h + len - 1);
                    h += len;
                }
            }
        }
        return innerIp(h, gEnd, depth, DecodedPacket.TUNNEL_GTPU);
    }

    /** RFC 5415 CAPWAP data channel: 802.3 frame (T=0) or native 802.11 frame (T=1, WBID 1). */
    private int capwap(int q, int end, int declEnd, int depth) {
        if (end - q < 8) {
            return cut(q + 8, end, declEnd);
        }
        int w = b.getInt(q);
        if (littleEndian) {
            w = Integer.reverseBytes(w);
        }
        if ((w >>> 24) != 0) {
            return -1; // DTLS-protected (type 1) or another version
        }
        int hlen = ((w >>> 19) & 0x1F) << 2;
        int wbid = (w >>> 9) & 0x1F;
        boolean native80211 = ((w >>> 8) & 1) != 0;
        boolean fragmented = ((w >>> 7) & 1) != 0;
        if (hlen < 8 || fragmented) {
            return -1;
        }
        int inner = q + hlen;
        if (inner >= end) {
            return cut(inner + 1, end, declEnd); // keep-alive or empty, unless the capture cut it
        }
        if (!native80211) {
            return innerEthernet(inner, end, depth, DecodedPacket.TUNNEL_CAPWAP);
        }
        if (wbid != 1) {
            return -1;
        }
        int saveTunnel = o.tunnel;
        markTunnel(DecodedPacket.TUNNEL_CAPWAP);
        int r = ieee80211(inner, end, depth + 1);
        if (r < 0) {
            o.tunnel = saveTunnel;
        }
        return r;
    }

    /**
     * GRE (RFC 2784/2890) version 0 and PPTP's enhanced GRE version 1 (RFC 2637).
     *
     * @return a result code, or -1 to keep the GRE flow itself
     */
    private int gre(int p, int capEnd, int ipEnd, int depth) {
        if (capEnd - p < 4) {
            return shortHeader(p + 4, ipEnd);
        }
        int flags = u16(p);
        int ptype = u16(p + 2);
        int version = flags & 0x7;
        int h = p + 4;
        boolean seq = (flags & 0x1000) != 0;
        if (version == 0) {
            if ((flags & 0x4000) != 0) {
                return -1; // source routing (RFC 1701): not decapsulated
            }
            if ((flags & 0x8000) != 0) {
                h += 4;
            }
            if ((flags & 0x2000) != 0) {
                h += 4;
            }
            if (seq) {
                h += 4;
            }
        } else if (version == 1) {
            if (ptype != 0x880B || (flags & 0x2000) == 0) {
                return -1;
            }
            h += 4;
            if (seq) {
                h += 4;
            }
            if ((flags & 0x0080) != 0) {
                h += 4;
            }
        } else {
            return -1;
        }
        if (h > capEnd) {
            return shortHeader(h, ipEnd);
        }
        switch (ptype) {
            case ETH_IPV4:
                markTunnel(DecodedPacket.TUNNEL_GRE);
                return ipv4(h, capEnd, depth + 1);
            case ETH_IPV6:
                markTunnel(DecodedPacket.TUNNEL_GRE);
                return ipv6(h, capEnd, depth + 1);
            case ETH_MPLS:
            case ETH_MPLS_MC:
                markTunnel(DecodedPacket.TUNNEL_GRE);
                return mpls(h, capEnd, depth + 1);
            case 0x6558: // transparent Ethernet bridging
                return innerEthernet(h, capEnd, depth, DecodedPacket.TUNNEL_GRE);
            case 0x88BE: // ERSPAN type II (8-byte header; type I has no header and no sequence number)
                return innerEthernet(seq ? h + 8 : h, capEnd, depth, DecodedPacket.TUNNEL_GRE);
            case 0x22EB: { // ERSPAN type III: 12 bytes, plus 8 of platform sub-header when O is set
                if (capEnd - h < 12) {
                    return TRUNCATED;
                }
                int e = h + 12 + ((u8(h + 11) & 1) != 0 ? 8 : 0);
                return innerEthernet(e, capEnd, depth, DecodedPacket.TUNNEL_GRE);
            }
            case 0x880B: { // PPP inside PPTP
                if (h == capEnd) {
                    return cut(h + 1, capEnd, ipEnd); // acknowledgement only, unless the capture cut it
                }
                int saveTunnel = o.tunnel;
                markTunnel(DecodedPacket.TUNNEL_GRE);
                int r = ppp(h, capEnd, depth + 1, true);
                if (r < 0) {
                    o.tunnel = saveTunnel; // LCP, CCP, compressed or encrypted PPP: stays a GRE flow
                }
                return r;
            }
            default:
                return -1;
        }
    }

    // ---------------------------------------------------------------- absolute reads

    private int u8(int i) {
        return b.get(i) & 0xFF;
    }

    private int u16(int i) {
        short v = b.getShort(i);
        return (littleEndian ? Short.reverseBytes(v) : v) & 0xFFFF;
    }

    private long u32(int i) {
        int v = b.getInt(i);
        return (littleEndian ? Integer.reverseBytes(v) : v) & 0xFFFFFFFFL;
    }

    private long s64(int i) {
        long v = b.getLong(i);
        return littleEndian ? Long.reverseBytes(v) : v;
    }

    private long mac(int i) {
        return ((long) u16(i) << 32) | u32(i + 2);
    }
}
