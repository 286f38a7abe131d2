package org.flowmark.capture.internal.decode;

import java.nio.ByteBuffer;

/**
 * The decoder's output for one packet: the innermost IP flow's key fields and where its L4 payload is. A plain
 * mutable struct, reused for every packet (no allocation on the packet path). Addresses are held as two longs
 * each: IPv4 in {@code lo} (unsigned, low 32 bits) with {@code hi == 0}; IPv6 as the high and low 64 bits.
 */
public final class DecodedPacket {
    // tunnel kinds
    public static final int TUNNEL_NONE = 0;
    public static final int TUNNEL_GRE = 1;
    public static final int TUNNEL_VXLAN = 2;
    public static final int TUNNEL_GTPU = 3;
    public static final int TUNNEL_6IN4 = 4;
    public static final int TUNNEL_4IN6 = 5;
    public static final int TUNNEL_IPIP = 6;
    public static final int TUNNEL_CAPWAP = 7;
    public static final int TUNNEL_6IN6 = 8;

    /** Names of the tunnel kinds, indexed by the constants above (null for none). */
    public static final String[] TUNNEL_NAMES = {null, "gre", "vxlan", "gtp", "6in4", "4in6", "ipip", "capwap", "6in6"};

    // link layer
    /** True when the link layer carried MAC addresses (Ethernet, cooked v1/v2 source only). */
    public boolean hasMac;
    /** Source MAC, 48 bits in the low bits. */
    public long srcMac;
    /** Destination MAC, 48 bits in the low bits (0 when unknown). */
    public long dstMac;
    /**
     * VLAN id of the flow: the innermost tag of the outermost link layer's tag stack (for Q-in-Q, the customer
     * tag), 0 when untagged. This is the VLAN the reference (nDPI) reports and matches flows on; tags of frames
     * inside tunnels (VXLAN, GRE/TEB) do not change it. With one tag it equals {@link #outerVlanId}.
     */
    public int vlanId;
    /** Outermost VLAN id (first 802.1Q/802.1ad tag; the service tag of Q-in-Q), 0 when untagged. */
    public int outerVlanId;
    /** Tunnel the flow was found inside (TUNNEL_*), of the outermost decapsulation. */
    public int tunnel;

    // network layer (innermost IP header)
    public int ipVersion;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    /** L4 protocol number after IPv6 extension headers. */
    public int ipProtocol;
    /** Length of the innermost IP packet per its header (IPv4 total length, IPv6 40 + payload length). */
    public int ipLength;
    /** True when the packet is a fragment (first or later) of a fragmented datagram. */
    public boolean fragment;
    /** True for a non-first fragment: no L4 header; ports came from the fragment table or are unknown. */
    public boolean laterFragment;
    /** False for a later fragment whose first fragment was not seen: ports are 0. */
    public boolean portsKnown;

    // transport layer
    public int srcPort;
    public int dstPort;
    /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10), 0 otherwise. */
    public int tcpFlags;
    public long tcpSeq;
    public long tcpAck;

    /** Buffer of the packet (same as the raw packet's). */
    public ByteBuffer buf;
    /**
     * Absolute index of the L4 payload in {@link #buf}. For a later fragment (no L4 header) the payload is left
     * empty ({@link #payloadLength} 0): its bytes continue a datagram and must not be parsed as a new message.
     */
    public int payloadOffset;
    /** Bytes of L4 payload present in the buffer (clamped to caplen and to the IP length). */
    public int payloadLength;

    /** Resets every field before decoding the next packet. */
    public void clear() {
        hasMac = false;
        srcMac = 0;
        dstMac = 0;
        vlanId = 0;
        outerVlanId = 0;
        tunnel = TUNNEL_NONE;
        ipVersion = 0;
        srcHi = srcLo = dstHi = dstLo = 0;
        ipProtocol = 0;
        ipLength = 0;
        fragment = false;
        laterFragment = false;
        portsKnown = true;
        srcPort = dstPort = 0;
        tcpFlags = 0;
        tcpSeq = tcpAck = 0;
        buf = null;
        payloadOffset = 0;
        payloadLength = 0;
    }
}
