package org.flowmark.capture.internal.decode;

import static org.flowmark.capture.internal.decode.Pkt.A;
import static org.flowmark.capture.internal.decode.Pkt.A6;
import static org.flowmark.capture.internal.decode.Pkt.B;
import static org.flowmark.capture.internal.decode.Pkt.B6;
import static org.flowmark.capture.internal.decode.Pkt.bytes;
import static org.flowmark.capture.internal.decode.Pkt.cat;
import static org.flowmark.capture.internal.decode.Pkt.eth;
import static org.flowmark.capture.internal.decode.Pkt.hex;
import static org.flowmark.capture.internal.decode.Pkt.ip;
import static org.flowmark.capture.internal.decode.Pkt.ipv4;
import static org.flowmark.capture.internal.decode.Pkt.ipv6;
import static org.flowmark.capture.internal.decode.Pkt.tcp;
import static org.flowmark.capture.internal.decode.Pkt.u16;
import static org.flowmark.capture.internal.decode.Pkt.u32;
import static org.flowmark.capture.internal.decode.Pkt.udp;
import static org.flowmark.capture.internal.decode.Pkt.vlan;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.flowmark.capture.internal.source.RawPacket;
import org.junit.jupiter.api.Test;

class DecoderTest {
    static final int BASE = 5; // packets sit at a non-zero offset, followed by junk, to catch relative reads
    static final byte[] DATA = "hello".getBytes();

    final Decoder decoder = new Decoder();
    final DecodedPacket out = new DecodedPacket();
    final RawPacket raw = new RawPacket();

    int decode(int linkType, byte[] pkt) {
        return decode(linkType, pkt, pkt.length, 1_000_000_000L);
    }

    int decode(int linkType, byte[] pkt, int caplen, long ts) {
        ByteBuffer buf = ByteBuffer.allocate(BASE + pkt.length + 64);
        Arrays.fill(buf.array(), (byte) 0xEE);
        System.arraycopy(pkt, 0, buf.array(), BASE, pkt.length);
        raw.buf = buf;
        raw.offset = BASE;
        raw.caplen = caplen;
        raw.wirelen = pkt.length;
        raw.linkType = linkType;
        raw.tsNanos = ts;
        return decoder.decode(raw, out);
    }

    byte[] payload() {
        byte[] p = new byte[out.payloadLength];
        out.buf.get(out.payloadOffset, p);
        return p;
    }

    void assertV4(int proto, int src, int dst, int sport, int dport) {
        assertEquals(4, out.ipVersion);
        assertEquals(proto, out.ipProtocol);
        assertEquals(src & 0xFFFFFFFFL, out.srcLo);
        assertEquals(dst & 0xFFFFFFFFL, out.dstLo);
        assertEquals(0, out.srcHi);
        assertEquals(sport, out.srcPort);
        assertEquals(dport, out.dstPort);
    }

    void assertV6(int proto, byte[] src, byte[] dst, int sport, int dport) {
        assertEquals(6, out.ipVersion);
        assertEquals(proto, out.ipProtocol);
        ByteBuffer s = ByteBuffer.wrap(src);
        ByteBuffer d = ByteBuffer.wrap(dst);
        assertEquals(s.getLong(0), out.srcHi);
        assertEquals(s.getLong(8), out.srcLo);
        assertEquals(d.getLong(0), out.dstHi);
        assertEquals(d.getLong(8), out.dstLo);
        assertEquals(sport, out.srcPort);
        assertEquals(dport, out.dstPort);
    }

    // ------------------------------------------------------------------ link types

    @Test
    void ethernetIpv4Tcp() {
        byte[] p = eth(0x0800, ipv4(6, A, B, tcp(40000, 443, 0x11223344L, 0xAABBCCDDL, 0x12, new byte[0], DATA)));
        assertEquals(Decoder.OK, decode(1, p));
        assertV4(6, A, B, 40000, 443);
        assertTrue(out.hasMac);
        assertEquals(0x001122334455L, out.dstMac);
        assertEquals(0x66778899aabbL, out.srcMac);
        assertEquals(0x12, out.tcpFlags);
        assertEquals(0x11223344L, out.tcpSeq);
        assertEquals(0xAABBCCDDL, out.tcpAck);
        assertEquals(45, out.ipLength);
        assertEquals(BASE + 14 + 20 + 20, out.payloadOffset);
        assertArrayEquals(DATA, payload());
        assertEquals(0, out.vlanId);
        assertEquals(DecodedPacket.TUNNEL_NONE, out.tunnel);
        assertFalse(out.fragment);
        assertEquals(1, decoder.counters[Decoder.OK]);
    }

    @Test
    void tcpOptionsAreSkipped() {
        byte[] opts = hex("020405b4 01030308 0101080a 00000001 00000002");
        assertEquals(Decoder.OK, decode(1, eth(0x0800, ipv4(6, A, B, tcp(1, 2, 0, 0, 0x02, opts, DATA)))));
        assertArrayEquals(DATA, payload());
    }

    @Test
    void ethernetPaddingIsNotPayload() {
        byte[] p = cat(eth(0x0800, ipv4(17, A, B, udp(5353, 53, hex("0102")))), bytes(16, 0));
        assertEquals(Decoder.OK, decode(1, p));
        assertArrayEquals(hex("0102"), payload());
    }

    @Test
    void vlanAndQinQ() {
        byte[] inner = ipv4(17, A, B, udp(1000, 53, DATA));
        assertEquals(Decoder.OK, decode(1, eth(0x8100, vlan(0x2064, 0x0800, inner))));
        assertEquals(100, out.vlanId);
        assertEquals(100, out.outerVlanId);
        assertV4(17, A, B, 1000, 53);

        // 802.1ad service tag 94 then customer tag 3: vlanId is the customer (innermost) tag, as nDPI reports it
        assertEquals(Decoder.OK, decode(1, eth(0x88a8, vlan(94, 0x8100, vlan(3, 0x0800, inner)))));
        assertEquals(3, out.vlanId);
        assertEquals(94, out.outerVlanId);

        // old QinQ ethertype 0x9100, three tags
        assertEquals(Decoder.OK, decode(1, eth(0x9100, vlan(7, 0x8100, vlan(8, 0x8100, vlan(9, 0x0800, inner))))));
        assertEquals(9, out.vlanId);
        assertEquals(7, out.outerVlanId);
        assertArrayEquals(DATA, payload());
    }

    @Test
    void linuxCookedV1AndV2() {
        byte[] ip6 = ipv6(17, A6, B6, udp(546, 547, DATA));
        byte[] sll = cat(hex("0000 0001 0006 66778899aabb 0000"), u16(0x86DD), ip6);
        assertEquals(Decoder.OK, decode(113, sll));
        assertV6(17, A6, B6, 546, 547);
        assertTrue(out.hasMac);
        assertEquals(0x66778899aabbL, out.srcMac);
        assertArrayEquals(DATA, payload());

        byte[] sll2 = cat(u16(0x86DD), hex("0000 00000002 0001 04 06 66778899aabb 0000"), ip6);
        assertEquals(Decoder.OK, decode(276, sll2));
        assertV6(17, A6, B6, 546, 547);
        assertEquals(0x66778899aabbL, out.srcMac);

        // netlink cooked capture and 802.2 frames carry no IP
        assertEquals(Decoder.NOT_IP, decode(113, cat(hex("0000 0338 0000 0000000000000000"), u16(0), ip6)));
        assertEquals(Decoder.NOT_IP, decode(113, cat(hex("0000 0001 0006 66778899aabb 0000"), u16(4), ip6)));
    }

    @Test
    void rawIpLinkTypes() {
        byte[] v4 = ipv4(6, A, B, tcp(1, 2, DATA));
        byte[] v6 = ipv6(6, A6, B6, tcp(3, 4, DATA));
        for (int lt : new int[] {101, 12, 14}) {
            assertEquals(Decoder.OK, decode(lt, v4));
            assertV4(6, A, B, 1, 2);
            assertFalse(out.hasMac);
            assertEquals(Decoder.OK, decode(lt, v6));
            assertV6(6, A6, B6, 3, 4);
        }
        assertEquals(Decoder.OK, decode(228, v4));
        assertEquals(Decoder.OK, decode(229, v6));
        assertEquals(Decoder.MALFORMED, decode(228, v6));
        assertEquals(Decoder.MALFORMED, decode(101, hex("50000000")));
    }

    @Test
    void bsdLoopbackBothOrdersAndLoop() {
        byte[] v4 = ipv4(17, A, B, udp(1, 2, DATA));
        byte[] v6 = ipv6(17, A6, B6, udp(1, 2, DATA));
        assertEquals(Decoder.OK, decode(0, cat(hex("02000000"), v4))); // little-endian host
        assertV4(17, A, B, 1, 2);
        assertEquals(Decoder.OK, decode(0, cat(hex("00000002"), v4))); // big-endian host
        for (int family : new int[] {24, 28, 30}) {
            assertEquals(Decoder.OK, decode(0, cat(new byte[] {(byte) family, 0, 0, 0}, v6)));
            assertV6(17, A6, B6, 1, 2);
            assertEquals(Decoder.OK, decode(108, cat(u32(family), v6)));
        }
        assertEquals(Decoder.OK, decode(108, cat(u32(2), v4)));
        assertEquals(Decoder.NOT_IP, decode(0, cat(hex("07000000"), v4)));
    }

    @Test
    void pppPppHdlcAndPppoe() {
        byte[] v4 = ipv4(6, A, B, tcp(1, 2, DATA));
        assertEquals(Decoder.OK, decode(9, cat(hex("ff030021"), v4)));
        assertV4(6, A, B, 1, 2);
        assertEquals(Decoder.OK, decode(9, cat(hex("21"), v4))); // address/control and protocol compressed
        assertEquals(Decoder.OK, decode(50, cat(hex("ff030057"), ipv6(6, A6, B6, tcp(1, 2, DATA)))));
        assertV6(6, A6, B6, 1, 2);
        assertEquals(Decoder.NOT_IP, decode(50, cat(hex("ff03c021"), bytes(20, 1)))); // LCP

        byte[] pppoe = cat(hex("1100 1234"), u16(2 + v4.length), hex("0021"), v4);
        assertEquals(Decoder.OK, decode(1, eth(0x8864, pppoe)));
        assertV4(6, A, B, 1, 2);
        assertArrayEquals(DATA, payload());
        assertEquals(Decoder.NOT_IP, decode(1, eth(0x8863, hex("1109000000000000"))));
    }

    @Test
    void mplsLabelStack() {
        byte[] v4 = ipv4(17, A, B, udp(7, 8, DATA));
        assertEquals(Decoder.OK, decode(1, eth(0x8847, cat(hex("00064040 00065140"), v4))));
        assertV4(17, A, B, 7, 8);
        assertEquals(Decoder.OK, decode(1, eth(0x8847, cat(hex("00065140"), ipv6(17, A6, B6, udp(7, 8, DATA))))));
        assertV6(17, A6, B6, 7, 8);
        // pseudowire: control word then Ethernet
        assertEquals(Decoder.OK, decode(1, eth(0x8847, cat(hex("00065140 00000000"), eth(0x0800, v4)))));
        assertV4(17, A, B, 7, 8);
    }

    @Test
    void nonIpFrames() {
        assertEquals(Decoder.NOT_IP, decode(1, eth(0x0806, hex("0001080006040001" + "00".repeat(20)))));
        assertEquals(Decoder.NOT_IP, decode(1, eth(0x88cc, bytes(30, 2))));
        // spanning tree: 802.3 length + LLC 42 42 03
        assertEquals(Decoder.NOT_IP, decode(1, eth(38, cat(hex("424203"), bytes(35, 0)))));
        // LLC/SNAP carrying IPv4 is IP
        byte[] v4 = ipv4(17, A, B, udp(7, 8, DATA));
        assertEquals(Decoder.OK, decode(1, eth(8 + v4.length, cat(hex("aaaa03000000 0800"), v4))));
        assertV4(17, A, B, 7, 8);
        assertEquals(Decoder.UNSUPPORTED_LINK, decode(147, v4));
        assertEquals(1, decoder.counters[Decoder.UNSUPPORTED_LINK]);
        assertEquals(3, decoder.counters[Decoder.NOT_IP]);
    }

    // ------------------------------------------------------------------ IP

    @Test
    void ipv4OptionsAndTotalLength() {
        byte[] opts = hex("94040000 01010100"); // router alert + NOPs + EOL
        assertEquals(Decoder.OK, decode(1, eth(0x0800, ipv4(17, A, B, 9, 0, opts, udp(1, 2, DATA)))));
        assertV4(17, A, B, 1, 2);
        assertArrayEquals(DATA, payload());
        assertEquals(28 + 8 + DATA.length, out.ipLength);
    }

    @Test
    void ipv4Fragments() {
        byte[] udpFull = udp(5000, 53, bytes(40, 7));
        byte[] first = Arrays.copyOfRange(udpFull, 0, 24);
        byte[] rest = Arrays.copyOfRange(udpFull, 24, udpFull.length);
        byte[] f1 = eth(0x0800, ipv4(17, A, B, 0x4242, 0x2000, new byte[0], first));
        byte[] f2 = eth(0x0800, ipv4(17, A, B, 0x4242, 3, new byte[0], rest)); // offset 24 bytes

        // later before first: unmatched
        assertEquals(Decoder.FRAGMENT_UNMATCHED, decode(1, f2));
        assertTrue(out.fragment);
        assertTrue(out.laterFragment);
        assertFalse(out.portsKnown);
        assertV4(17, A, B, 0, 0);
        assertEquals(1, decoder.counters[Decoder.FRAGMENT_UNMATCHED]);

        assertEquals(Decoder.OK, decode(1, f1));
        assertTrue(out.fragment);
        assertFalse(out.laterFragment);
        assertV4(17, A, B, 5000, 53);

        assertEquals(Decoder.OK, decode(1, f2, f2.length, 2_000_000_000L));
        assertTrue(out.laterFragment);
        assertTrue(out.portsKnown);
        assertV4(17, A, B, 5000, 53);
        assertEquals(0, out.payloadLength);

        // a different id, or another source, is not matched
        assertEquals(Decoder.FRAGMENT_UNMATCHED, decode(1, eth(0x0800, ipv4(17, A, B, 0x4243, 3, new byte[0], rest))));
        assertEquals(Decoder.FRAGMENT_UNMATCHED, decode(1, eth(0x0800, ipv4(17, B, A, 0x4242, 3, new byte[0], rest))));
        // expired after 30 s of packet time
        assertEquals(Decoder.FRAGMENT_UNMATCHED, decode(1, f2, f2.length, 40_000_000_000L));
        // later fragments of port-less protocols need no table
        assertEquals(Decoder.OK, decode(1, eth(0x0800, ipv4(1, A, B, 0x4244, 3, new byte[0], rest))));
        assertTrue(out.laterFragment);
    }

    @Test
    void fragmentTableIsBoundedAndOverwritesOldest() {
        FragmentTable t = new FragmentTable(16, FragmentTable.DEFAULT_TIMEOUT_NANOS);
        assertEquals(16, t.capacity());
        for (int i = 0; i < 1000; i++) {
            t.put(0, i, 0, 99, 17, i, i & 0xFFFF, 53, i);
        }
        assertEquals(999 << 16 | 53, t.get(0, 999, 0, 99, 17, 999, 1000));
        int found = 0;
        for (int i = 0; i < 1000; i++) {
            if (t.get(0, i, 0, 99, 17, i, 1000) != -1) {
                found++;
            }
        }
        assertTrue(found <= 16 && found >= 8, "live entries " + found);
        assertTrue(t.evictions() > 0);
        t.clear();
        assertEquals(-1, t.get(0, 999, 0, 99, 17, 999, 1000));
    }

    @Test
    void ipv6ExtensionHeaders() {
        byte[] tcpSeg = tcp(1234, 80, DATA);
        // hop-by-hop(0) -> routing(43) -> destination(60) -> AH(51) -> TCP
        byte[] ah = cat(hex("06 04 0000"), u32(0x100), u32(1), bytes(12, 0xAB)); // (4+2)*4 = 24 bytes
        byte[] dst = cat(hex("33 00"), bytes(6, 0));
        byte[] rt = cat(hex("3c 00 00 00"), bytes(4, 0));
        byte[] hbh = cat(hex("2b 00 0502 0000 0100"));
        byte[] p = ipv6(0, A6, B6, cat(hbh, rt, dst, ah, tcpSeg));
        assertEquals(Decoder.OK, decode(101, p));
        assertV6(6, A6, B6, 1234, 80);
        assertArrayEquals(DATA, payload());

        assertEquals(Decoder.OK, decode(101, ipv6(59, A6, B6, new byte[0])));
        assertEquals(59, out.ipProtocol);
        assertEquals(0, out.payloadLength);

        // an extension header longer than the payload length is malformed
        assertEquals(Decoder.MALFORMED, decode(101, ipv6(0, A6, B6, cat(hex("06 05 000000000000"), tcpSeg))));
    }

    @Test
    void ipv6Fragments() {
        byte[] udpFull = udp(4000, 443, bytes(64, 3));
        byte[] first = Arrays.copyOfRange(udpFull, 0, 32);
        byte[] rest = Arrays.copyOfRange(udpFull, 32, udpFull.length);
        byte[] f1 = ipv6(44, A6, B6, cat(hex("11 00 0001"), u32(0xCAFE), first));
        byte[] f2 = ipv6(44, A6, B6, cat(hex("11 00"), u16(32), u32(0xCAFE), rest));
        assertEquals(Decoder.FRAGMENT_UNMATCHED, decode(229, f2));
        assertV6(17, A6, B6, 0, 0);
        assertFalse(out.portsKnown);
        assertEquals(Decoder.OK, decode(229, f1));
        assertTrue(out.fragment);
        assertV6(17, A6, B6, 4000, 443);
        assertEquals(Decoder.OK, decode(229, f2));
        assertTrue(out.laterFragment);
        assertV6(17, A6, B6, 4000, 443);
        // atomic fragment (offset 0, M=0) is not a fragment
        assertEquals(Decoder.OK, decode(229, ipv6(44, A6, B6, cat(hex("11 00 0000"), u32(1), udpFull))));
        assertFalse(out.fragment);
        assertV6(17, A6, B6, 4000, 443);
    }

    @Test
    void otherTransports() {
        assertEquals(Decoder.OK, decode(101, ipv4(1, A, B, cat(hex("0800 0000 0001 0001"), DATA))));
        assertV4(1, A, B, 0, 0);
        assertArrayEquals(DATA, payload());
        assertEquals(Decoder.OK, decode(101, ipv6(58, A6, B6, cat(hex("8000 0000 0001 0001"), DATA))));
        assertV6(58, A6, B6, 0, 0);
        assertArrayEquals(DATA, payload());
        assertEquals(Decoder.OK, decode(101, ipv4(132, A, B, cat(hex("0b59 0b59 00000000 00000000"), DATA))));
        assertV4(132, A, B, 2905, 2905);
        assertArrayEquals(DATA, payload());
        byte[] esp = cat(u32(0x1001), u32(1), DATA);
        assertEquals(Decoder.OK, decode(101, ipv4(50, A, B, esp)));
        assertV4(50, A, B, 0, 0);
        assertArrayEquals(esp, payload());
        assertEquals(Decoder.OK, decode(101, ipv4(2, A, B, hex("1600fa00"))));
        assertEquals(2, out.ipProtocol);
    }

    // ------------------------------------------------------------------ tunnels

    static final int IA = ip(172, 16, 0, 1);
    static final int IB = ip(8, 8, 4, 4);
    static final byte[] INNER_TCP = ipv4(6, IA, IB, tcp(50000, 443, DATA));

    void assertInner(int tunnel) {
        assertV4(6, IA, IB, 50000, 443);
        assertEquals(tunnel, out.tunnel);
        assertArrayEquals(DATA, payload());
    }

    @Test
    void greVariants() {
        // plain GRE, IPv4 inside
        assertEquals(Decoder.OK, decode(1, eth(0x0800, ipv4(47, A, B, cat(hex("0000 0800"), INNER_TCP)))));
        assertInner(DecodedPacket.TUNNEL_GRE);
        assertTrue(out.hasMac);
        // checksum + key + sequence
        assertEquals(Decoder.OK, decode(1, eth(0x0800, ipv4(47, A, B,
                cat(hex("b000 0800 00000000 0000002a 00000001"), INNER_TCP)))));
        assertInner(DecodedPacket.TUNNEL_GRE);
        // IPv6 inside
        assertEquals(Decoder.OK, decode(101, ipv4(47, A, B, cat(hex("0000 86dd"), ipv6(17, A6, B6, udp(1, 2, DATA))))));
        assertV6(17, A6, B6, 1, 2);
        // transparent Ethernet bridging, inner VLAN does not replace the outer one
        assertEquals(Decoder.OK, decode(1, eth(0x8100, vlan(10, 0x0800, ipv4(47, A, B,
                cat(hex("2000 6558 00000001"), eth(0x8100, vlan(20, 0x0800, INNER_TCP))))))));
        assertInner(DecodedPacket.TUNNEL_GRE);
        assertEquals(10, out.vlanId);
        assertEquals(0x66778899aabbL, out.srcMac);
        // ERSPAN type II (sequence flag, 8-byte header) and type III (12 bytes)
        assertEquals(Decoder.OK, decode(1, eth(0x0800, ipv4(47, A, B,
                cat(hex("1000 88be 00000001 10640001 00000000"), eth(0x0800, INNER_TCP))))));
        assertInner(DecodedPacket.TUNNEL_GRE);
        assertEquals(Decoder.OK, decode(1, eth(0x0800, ipv4(47, A, B,
                cat(hex("1000 22eb 00000001 20000001 00000000 00000000"), eth(0x0800, INNER_TCP))))));
        assertInner(DecodedPacket.TUNNEL_GRE);
        // GRE carrying something else, or with routing: the GRE flow itself
        assertEquals(Decoder.OK, decode(101, ipv4(47, A, B, cat(hex("0000 88bb"), DATA))));
        assertV4(47, A, B, 0, 0);
        assertEquals(DecodedPacket.TUNNEL_NONE, out.tunnel);
        // inner non-IP frame (ARP) bridged: GRE flow
        assertEquals(Decoder.OK, decode(101, ipv4(47, A, B, cat(hex("0000 6558"), eth(0x0806, bytes(28, 0))))));
        assertV4(47, A, B, 0, 0);
    }

    @Test
    void pptpEnhancedGre() {
        byte[] ppp = cat(hex("ff03 0021"), INNER_TCP);
        byte[] gre = cat(hex("3001 880b"), u16(ppp.length), hex("0007 00000005"), ppp);
        assertEquals(Decoder.OK, decode(101, ipv4(47, A, B, gre)));
        assertInner(DecodedPacket.TUNNEL_GRE);
        // ack only: the GRE flow
        assertEquals(Decoder.OK, decode(101, ipv4(47, A, B, hex("2081 880b 0000 0007 00000005"))));
        assertV4(47, A, B, 0, 0);
        assertEquals(DecodedPacket.TUNNEL_NONE, out.tunnel);
        // LCP inside: the GRE flow
        assertEquals(Decoder.OK, decode(101, ipv4(47, A, B, cat(hex("3001 880b 0008 0007 00000006 ff03 c021"),
                bytes(4, 1)))));
        assertV4(47, A, B, 0, 0);
        assertEquals(DecodedPacket.TUNNEL_NONE, out.tunnel);
    }

    @Test
    void vxlan() {
        byte[] v = cat(hex("08000000 00007b00"), eth(0x0800, INNER_TCP));
        assertEquals(Decoder.OK, decode(1, eth(0x8100, vlan(5, 0x0800, ipv4(17, A, B, udp(33333, 4789, v))))));
        assertInner(DecodedPacket.TUNNEL_VXLAN);
        assertEquals(5, out.vlanId);
        assertEquals(0x66778899aabbL, out.srcMac);
        // ARP inside VXLAN: the UDP flow of the tunnel
        byte[] arp = cat(hex("08000000 00007b00"), eth(0x0806, bytes(28, 0)));
        assertEquals(Decoder.OK, decode(101, ipv4(17, A, B, udp(33333, 4789, arp))));
        assertV4(17, A, B, 33333, 4789);
        assertEquals(DecodedPacket.TUNNEL_NONE, out.tunnel);
        // no I flag: not VXLAN
        assertEquals(Decoder.OK, decode(101, ipv4(17, A, B, udp(33333, 4789, cat(hex("00000000 00000000"),
                eth(0x0800, INNER_TCP))))));
        assertV4(17, A, B, 33333, 4789);
    }

    @Test
    void gtpU() {
        byte[] plain = cat(hex("30ff"), u16(INNER_TCP.length), u32(0x1234), INNER_TCP);
        assertEquals(Decoder.OK, decode(101, ipv4(17, A, B, udp(2152, 2152, plain))));
        assertInner(DecodedPacket.TUNNEL_GTPU);
        // sequence number + extension header chain (PDU session container, 1 unit) + a second one
        byte[] ext = hex("0001 00 85" + "01 0009 c0" + "01 0000 00");
        byte[] withExt = cat(hex("36ff"), u16(ext.length + INNER_TCP.length), u32(0x1234), ext, INNER_TCP);
        assertEquals(Decoder.OK, decode(101, ipv4(17, A, B, udp(2152, 2152, withExt))));
        assertInner(DecodedPacket.TUNNEL_GTPU);
        // IPv6 inside
        byte[] in6 = ipv6(17, A6, B6, udp(1, 2, DATA));
        assertEquals(Decoder.OK, decode(101, ipv4(17, A, B, udp(2152, 2152, cat(hex("30ff"), u16(in6.length),
                u32(1), in6)))));
        assertV6(17, A6, B6, 1, 2);
        assertEquals(DecodedPacket.TUNNEL_GTPU, out.tunnel);
        // echo request: the UDP flow
        assertEquals(Decoder.OK, decode(101, ipv4(17, A, B, udp(2152, 2152, hex("3201 0004 00000000 0001 0000")))));
        assertV4(17, A, B, 2152, 2152);
        assertEquals(DecodedPacket.TUNNEL_NONE, out.tunnel);
    }

    @Test
    void ipInIp() {
        assertEquals(Decoder.OK, decode(101, ipv4(4, A, B, INNER_TCP)));
        assertInner(DecodedPacket.TUNNEL_IPIP);
        byte[] in6 = ipv6(6, A6, B6, tcp(1, 2, DATA));
        assertEquals(Decoder.OK, decode(101, ipv4(41, A, B, in6)));
        assertV6(6, A6, B6, 1, 2);
        assertEquals(DecodedPacket.TUNNEL_6IN4, out.tunnel);
        assertEquals(Decoder.OK, decode(101, ipv6(4, B6, A6, INNER_TCP)));
        assertInner(DecodedPacket.TUNNEL_4IN6);
        assertEquals(Decoder.OK, decode(101, ipv6(41, B6, A6, in6)));
        assertV6(6, A6, B6, 1, 2);
        assertEquals(DecodedPacket.TUNNEL_6IN6, out.tunnel);
        // outermost kind is recorded: 6in4 carrying 4in6
        assertEquals(Decoder.OK, decode(101, ipv4(41, A, B, ipv6(4, B6, A6, INNER_TCP))));
        assertInner(DecodedPacket.TUNNEL_6IN4);
    }

    @Test
    void tunnelDepthIsBounded() {
        byte[] p = INNER_TCP;
        for (int i = 0; i < 10; i++) {
            p = ipv4(4, ip(10, 9, 9, i), B, p);
        }
        assertEquals(Decoder.OK, decode(101, p));
        // the 5th header from the outside (4 decapsulations) is the reported flow
        assertEquals(4, out.ipProtocol);
        assertEquals(ip(10, 9, 9, 5) & 0xFFFFFFFFL, out.srcLo);
        assertEquals(DecodedPacket.TUNNEL_IPIP, out.tunnel);
    }

    @Test
    void capwapData() {
        // T=0: 802.3 frame; header 8 bytes (HLEN 2)
        byte[] c8023 = cat(hex("00100000 00000000"), eth(0x0800, INNER_TCP));
        assertEquals(Decoder.OK, decode(101, ipv4(17, A, B, udp(41000, 5247, c8023))));
        assertInner(DecodedPacket.TUNNEL_CAPWAP);
        // T=1, WBID 1: 802.11 data frame with LLC/SNAP, frame control byte-swapped (Cisco) and not
        byte[] hdr = hex("00200320 00000000 04bf2300 00000000"); // HLEN 4, wireless info present
        byte[] wlanSwapped = cat(hex("1108 2c00"), bytes(18, 0x11), hex("0000"), hex("aaaa03000000 0800"), INNER_TCP);
        assertEquals(Decoder.OK, decode(101, ipv4(17, A, B, udp(41000, 5247, cat(hdr, wlanSwapped)))));
        assertInner(DecodedPacket.TUNNEL_CAPWAP);
        byte[] wlanQos = cat(hex("8801 2c00"), bytes(20, 0x11), hex("0000"), hex("aaaa03000000 0800"), INNER_TCP);
        assertEquals(Decoder.OK, decode(101, ipv4(17, A, B, udp(41000, 5247, cat(hdr, wlanQos)))));
        assertInner(DecodedPacket.TUNNEL_CAPWAP);
        // protected frame: the CAPWAP UDP flow
        byte[] prot = cat(hex("0841 2c00"), bytes(20, 0x11), bytes(40, 0x22));
        assertEquals(Decoder.OK, decode(101, ipv4(17, A, B, udp(41000, 5247, cat(hdr, prot)))));
        assertV4(17, A, B, 41000, 5247);
        assertEquals(DecodedPacket.TUNNEL_NONE, out.tunnel);
    }

    @Test
    void teredoIsNotDecapsulated() {
        byte[] in6 = ipv6(17, A6, B6, udp(1, 2, DATA));
        assertEquals(Decoder.OK, decode(101, ipv4(17, A, B, udp(3544, 50000, in6))));
        assertV4(17, A, B, 3544, 50000);
        assertArrayEquals(in6, payload());
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void malformedHeaders() {
        byte[] v4 = ipv4(6, A, B, tcp(1, 2, DATA));
        byte[] badIhl = v4.clone();
        badIhl[0] = 0x44;
        assertEquals(Decoder.MALFORMED, decode(101, badIhl));
        byte[] shortTotal = v4.clone();
        shortTotal[2] = 0;
        shortTotal[3] = 10;
        assertEquals(Decoder.MALFORMED, decode(101, shortTotal));
        byte[] totalCutsTcp = v4.clone();
        totalCutsTcp[3] = 30; // IP says 30 bytes: TCP header cannot fit
        assertEquals(Decoder.MALFORMED, decode(101, totalCutsTcp));
        byte[] badDoff = v4.clone();
        badDoff[20 + 12] = 0x30;
        assertEquals(Decoder.MALFORMED, decode(101, badDoff));
        byte[] u = ipv4(17, A, B, udp(1, 2, DATA));
        u[20 + 5] = 4; // UDP length 4 < 8
        assertEquals(Decoder.MALFORMED, decode(101, u));
        assertEquals(Decoder.MALFORMED, decode(229, v4)); // IPv6 link, IPv4 packet
        assertEquals(Decoder.MALFORMED, decode(1, eth(0x86dd, v4)));
        assertEquals(Decoder.MALFORMED, decode(1, eth(0x8864, hex("2100 0001 0004 0021 4500"))));
        // caplen beyond the buffer
        raw.caplen = 1 << 20;
        assertEquals(Decoder.MALFORMED, decoder.decode(raw, out));
        raw.buf = null;
        assertEquals(Decoder.MALFORMED, decoder.decode(raw, out));
    }

    /** Every valid vector of this class (link type, bytes). */
    static List<Object[]> vectors() {
        List<Object[]> v = new ArrayList<>();
        byte[] t4 = ipv4(6, A, B, tcp(1, 2, DATA));
        byte[] t6 = ipv6(6, A6, B6, tcp(1, 2, DATA));
        v.add(new Object[] {1, eth(0x0800, t4)});
        v.add(new Object[] {1, eth(0x88a8, vlan(1, 0x8100, vlan(2, 0x86dd, t6)))});
        v.add(new Object[] {113, cat(hex("0000 0001 0006 66778899aabb 0000 0800"), t4)});
        v.add(new Object[] {276, cat(hex("86dd 0000 00000002 0001 04 06 66778899aabb 0000"), t6)});
        v.add(new Object[] {0, cat(hex("1e000000"), t6)});
        v.add(new Object[] {108, cat(hex("00000002"), t4)});
        v.add(new Object[] {9, cat(hex("ff030021"), t4)});
        v.add(new Object[] {50, cat(hex("ff030057"), t6)});
        v.add(new Object[] {1, eth(0x8864, cat(hex("1100 1234"), u16(2 + t4.length), hex("0021"), t4))});
        v.add(new Object[] {1, eth(0x8847, cat(hex("00064040 00065140"), t4))});
        byte[] snap = cat(hex("aaaa03000000 0800"), ipv4(17, A, B, udp(1, 2, hex("0102"))));
        v.add(new Object[] {1, eth(snap.length, snap)});
        v.add(new Object[] {101, ipv4(17, A, B, 9, 0, hex("94040000"), udp(1, 2, DATA))});
        v.add(new Object[] {101, ipv4(1, A, B, cat(hex("0800 0000 0001 0001"), DATA))});
        v.add(new Object[] {101, ipv4(132, A, B, cat(hex("0b59 0b59 00000000 00000000"), DATA))});
        v.add(new Object[] {101, ipv6(0, A6, B6, cat(hex("2b00 0502 0000 0100"), hex("3c00 0000 00000000"),
                hex("3300 0000 00000000"), cat(hex("0604 0000"), u32(1), u32(1), bytes(12, 0)), tcp(1, 2, DATA)))});
        v.add(new Object[] {101, ipv6(44, A6, B6, cat(hex("11 00 0001"), u32(0xCAFE), udp(1, 2, DATA)))});
        v.add(new Object[] {1, eth(0x0800, ipv4(47, A, B, cat(hex("b000 0800 00000000 0000002a 00000001"),
                INNER_TCP)))});
        v.add(new Object[] {1, eth(0x0800, ipv4(47, A, B, cat(hex("2000 6558 00000001"), eth(0x0800, INNER_TCP))))});
        v.add(new Object[] {101, ipv4(47, A, B, cat(hex("1000 22eb 00000001 20000001 00000000 00000000"),
                eth(0x0800, INNER_TCP)))});
        byte[] ppp = cat(hex("ff03 0021"), INNER_TCP);
        v.add(new Object[] {101, ipv4(47, A, B, cat(hex("3001 880b"), u16(ppp.length), hex("0007 00000005"), ppp))});
        v.add(new Object[] {1, eth(0x8100, vlan(5, 0x0800, ipv4(17, A, B, udp(33333, 4789,
                cat(hex("08000000 00007b00"), eth(0x0800, INNER_TCP))))))});
        byte[] ext = hex("0001 00 85" + "01 0009 00");
        v.add(new Object[] {101, ipv4(17, A, B, udp(2152, 2152, cat(hex("36ff"), u16(ext.length + INNER_TCP.length),
                u32(0x1234), ext, INNER_TCP)))});
        v.add(new Object[] {101, ipv4(41, A, B, t6)});
        v.add(new Object[] {101, ipv6(4, A6, B6, INNER_TCP)});
        v.add(new Object[] {101, ipv4(4, A, B, INNER_TCP)});
        v.add(new Object[] {101, ipv6(41, A6, B6, t6)});
        v.add(new Object[] {101, ipv4(17, A, B, udp(41000, 5247, cat(hex("00200320 00000000 04bf2300 00000000"),
                hex("1108 2c00"), bytes(18, 0x11), hex("0000"), hex("aaaa03000000 0800"), INNER_TCP)))});
        v.add(new Object[] {101, ipv4(17, A, B, udp(41000, 5247, cat(hex("00100000 00000000"),
                eth(0x0800, INNER_TCP))))});
        return v;
    }

    @Test
    void everyTruncationPointIsReportedNeverThrown() {
        for (Object[] vec : vectors()) {
            int lt = (Integer) vec[0];
            byte[] p = (byte[]) vec[1];
            assertEquals(Decoder.OK, decode(lt, p), () -> "vector " + lt + " " + Pkt.toHex(p));
            int payloadAt = out.payloadOffset - BASE;
            long srcLo = out.srcLo;
            int srcPort = out.srcPort;
            int dstPort = out.dstPort;
            int tunnel = out.tunnel;
            int proto = out.ipProtocol;
            // where the innermost flow key ends: the two ports of TCP/UDP/SCTP, the IP header for ICMP
            int l4HeaderLen = proto == 6 ? 20 : proto == 17 ? 8 : proto == 132 ? 12 : 8;
            int keyEnd = payloadAt - l4HeaderLen + (proto == 1 || proto == 58 ? 0 : 4);
            for (int cut = 0; cut < p.length; cut++) {
                int c = cut;
                int r = decode(lt, p, cut, 1_000_000_000L);
                if (cut < keyEnd) {
                    assertEquals(Decoder.TRUNCATED, r, () -> "cut at " + c + " of " + lt + " " + Pkt.toHex(p));
                } else if (cut < payloadAt) {
                    // the snap length cut the transport header after the flow key: same flow, no payload
                    assertEquals(Decoder.OK, r, () -> "cut at " + c + " of " + lt + " " + Pkt.toHex(p));
                    assertEquals(srcLo, out.srcLo);
                    assertEquals(srcPort, out.srcPort);
                    assertEquals(dstPort, out.dstPort);
                    assertEquals(tunnel, out.tunnel);
                    assertEquals(0, out.payloadLength);
                } else {
                    assertEquals(Decoder.OK, r, () -> "cut at " + c + " of " + lt + " " + Pkt.toHex(p));
                    assertEquals(srcLo, out.srcLo);
                    assertEquals(srcPort, out.srcPort);
                    assertEquals(tunnel, out.tunnel);
                    assertEquals(cut - payloadAt, out.payloadLength);
                }
            }
        }
    }

    @Test
    void snapLengthCutTcpOptionsKeepsTheFlowAndItsFlags() {
        // SYN with 12 bytes of options, cut inside the options (as by editcap -s 64 on Ethernet + IPv4)
        byte[] p = eth(0x0800, ipv4(6, A, B, tcp(40000, 443, 7, 0, 0x02, hex("020405b4 0402080a 00000001"),
                new byte[0])));
        assertEquals(Decoder.OK, decode(1, p, 64, 1L));
        assertEquals(40000, out.srcPort);
        assertEquals(443, out.dstPort);
        assertEquals(0x02, out.tcpFlags);
        assertEquals(7, out.tcpSeq);
        assertEquals(0, out.payloadLength);
        // IPv6: cut after the ports, before the flags byte
        byte[] q = eth(0x86dd, ipv6(6, A6, B6, tcp(40000, 443, 7, 9, 0x11, new byte[0], DATA)));
        assertEquals(Decoder.OK, decode(1, q, 14 + 40 + 10, 1L));
        assertEquals(40000, out.srcPort);
        assertEquals(443, out.dstPort);
        assertEquals(0, out.tcpFlags);
        assertEquals(0, out.payloadLength);
        // the flags byte captured, data offset below 5: malformed, captured or not
        byte[] bad = eth(0x0800, ipv4(6, A, B, hex("9c40 01bb 00000007 00000000 40 02 ffff")));
        assertEquals(Decoder.MALFORMED, decode(1, bad, bad.length, 1L));
    }

    @Test
    void aHeaderCutByItsOwnIpLengthIsMalformedNotTruncated() {
        // total length says 20 + 10: a TCP header cannot fit, whatever the capture holds
        byte[] p = ipv4(6, A, B, tcp(1, 2, DATA));
        p[2] = 0;
        p[3] = 30;
        assertEquals(Decoder.MALFORMED, decode(101, p, p.length, 1L));
        byte[] u = ipv4(17, A, B, udp(1, 2, DATA));
        u[2] = 0;
        u[3] = 26;
        assertEquals(Decoder.MALFORMED, decode(101, u, u.length, 1L));
    }

    @Test
    void udpOnATunnelPortCutInItsHeaderStaysTruncated() {
        byte[] vx = ipv4(17, A, B, udp(33333, 4789, cat(hex("08000000 00007b00"), eth(0x0800, INNER_TCP))));
        assertEquals(Decoder.TRUNCATED, decode(101, vx, 20 + 6, 1L));
        byte[] gtp = ipv4(17, A, B, udp(2152, 2152, bytes(40, 0)));
        assertEquals(Decoder.TRUNCATED, decode(101, gtp, 20 + 6, 1L));
        byte[] dns = ipv4(17, A, B, udp(5353, 53, bytes(40, 0)));
        assertEquals(Decoder.OK, decode(101, dns, 20 + 6, 1L));
        assertEquals(5353, out.srcPort);
        assertEquals(53, out.dstPort);
        assertEquals(0, out.payloadLength);
    }

    @Test
    void aFirstFragmentCutAfterItsPortsStillNamesThePortsOfLaterFragments() {
        byte[] first = ipv4(17, A, B, 77, 0x2000, new byte[0], udp(5353, 53, bytes(64, 1)));
        assertEquals(Decoder.OK, decode(101, first, 20 + 4, 1L));
        byte[] later = ipv4(17, A, B, 77, 9, new byte[0], bytes(24, 2));
        assertEquals(Decoder.OK, decode(101, later, later.length, 2L));
        assertEquals(5353, out.srcPort);
        assertEquals(53, out.dstPort);
    }
}
