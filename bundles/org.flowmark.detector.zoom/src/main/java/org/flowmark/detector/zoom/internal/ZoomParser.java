/*
 * Zoom media transport, as described by public reverse-engineering work: Michel, Sengupta, Kim, Netravali,
 * Rexford, "Enabling Passive Measurement of Zoom Performance in Production Networks" (ACM IMC 2022) and its
 * later re-validations; Zoom's published firewall settings (UDP 8801-8810 to its multimedia routers, 3478/3479
 * for STUN). Layout understood from those descriptions (nothing here is copied):
 *
 *   server-relayed (SFU) datagram:  type(1) = 5 | sequence(2) | unknown(4) | direction(1) | media encapsulation
 *   peer-to-peer datagram:          media encapsulation
 *   media encapsulation:            media type(1) | ... | RTP or RTCP at a type-dependent offset:
 *                                   15 audio +19, 16 video +24, 13 and 30 screen share +27, 33/34/35 RTCP +16
 *
 * Besides type 5, server flows start with a handshake: the client's type 1 packet (01 00 02|03, then a 16-byte
 * session token) answered by the server's type 2 packet (02 00 01|02|03) echoing the token; and type 3 probes
 * that the peer answers with type 4 echoing the probe's header.
 */
package org.flowmark.detector.zoom.internal;

import org.flowmark.api.packet.PacketView;

/** Pure checks of Zoom's encapsulation headers over a {@link PacketView}. */
final class ZoomParser {

    static final int SFU_HEADER = 8;

    static final int MEDIA_SCREEN = 13;
    static final int MEDIA_AUDIO = 15;
    static final int MEDIA_VIDEO = 16;
    static final int MEDIA_SCREEN_OPT = 30;
    static final int MEDIA_RTCP_SR = 33;
    static final int MEDIA_RTCP_SR_SDES = 34;
    static final int MEDIA_RTCP_OTHER = 35;

    private ZoomParser() {
    }

    /** First Zoom multimedia router port. */
    static final int PORT_FIRST = 8801;
    /** Last Zoom multimedia router port. */
    static final int PORT_LAST = 8810;

    static boolean zoomPort(int port) {
        return port >= PORT_FIRST && port <= PORT_LAST;
    }

    /**
     * Offset of the RTP/RTCP header from the start of a media encapsulation of type {@code type}, or -1 for types
     * that carry no RTP (or are not known).
     */
    static int rtpOffset(int type) {
        switch (type) {
            case MEDIA_AUDIO: return 19;
            case MEDIA_VIDEO: return 24;
            case MEDIA_SCREEN:
            case MEDIA_SCREEN_OPT: return 27;
            case MEDIA_RTCP_SR:
            case MEDIA_RTCP_SR_SDES:
            case MEDIA_RTCP_OTHER: return 16;
            default: return -1;
        }
    }

    /** Media types observed inside the SFU encapsulation that carry no RTP (control, probing, keep-alive). */
    static boolean controlType(int type) {
        switch (type) {
            case 1: case 7: case 10: case 12: case 21: case 32:
                return true;
            default:
                return false;
        }
    }

    /** Name of a media type for the report. */
    static String mediaName(int type) {
        switch (type) {
            case MEDIA_AUDIO: return "audio";
            case MEDIA_VIDEO: return "video";
            case MEDIA_SCREEN:
            case MEDIA_SCREEN_OPT: return "screen_share";
            case MEDIA_RTCP_SR:
            case MEDIA_RTCP_SR_SDES:
            case MEDIA_RTCP_OTHER: return "rtcp";
            default: return null;
        }
    }

    /**
     * True when {@code p[off, ...)} is a media encapsulation whose type carries RTP/RTCP and whose inner header is
     * a version-2 RTP (or RTCP for the RTCP types) header at the documented offset.
     */
    static boolean mediaWithRtp(PacketView p, int off) {
        int len = p.length();
        if (len - off < 1) {
            return false;
        }
        int type = p.u8(off);
        int ro = rtpOffset(type);
        if (ro < 0) {
            return false;
        }
        int at = off + ro;
        if (type >= MEDIA_RTCP_SR) {
            if (len - at < 8 || (p.u8(at) & 0xC0) != 0x80) {
                return false;
            }
            int pt = p.u8(at + 1);
            return pt >= 200 && pt <= 206 && at + (p.u16(at + 2) + 1) * 4 <= len;
        }
        if (len - at < 12 || (p.u8(at) & 0xC0) != 0x80) {
            return false;
        }
        int pt = p.u8(at + 1) & 0x7f;
        return pt < 64 || pt > 95;
    }

    /** SSRC of the RTP header inside a media encapsulation at {@code off} (call after {@link #mediaWithRtp}). */
    static long innerSsrc(PacketView p, int off) {
        int at = off + rtpOffset(p.u8(off));
        return p.u8(off) >= MEDIA_RTCP_SR ? p.u32(at + 4) : p.u32(at + 8);
    }

    /** Sequence number of the RTP header inside a media encapsulation (RTCP types: 0). */
    static int innerSeq(PacketView p, int off) {
        int type = p.u8(off);
        return type >= MEDIA_RTCP_SR ? 0 : p.u16(off + rtpOffset(type) + 2);
    }

    /**
     * True when {@code p} is an SFU-encapsulated packet (type 5) whose media encapsulation type is known: an RTP
     * type with a valid inner RTP/RTCP header, or one of the control types (which must be long enough to hold a
     * media header).
     */
    static boolean sfuMedia(PacketView p) {
        int len = p.length();
        if (len < SFU_HEADER + 16 || p.u8(0) != 5) {
            return false;
        }
        int dir = p.u8(7);
        if ((dir & ~0x05) != 0) {
            return false; // direction: 0 to the server, 4 from it, bit 0 seen set as well
        }
        int type = p.u8(SFU_HEADER);
        return controlType(type) || mediaWithRtp(p, SFU_HEADER);
    }

    /** True for the client's handshake packet: 01 00 02|03 and a 16-byte token. */
    static boolean clientHello(PacketView p) {
        return p.length() >= 19 && p.u8(0) == 1 && p.u8(1) == 0 && (p.u8(2) == 2 || p.u8(2) == 3);
    }

    /** True for the server's handshake answer: 02 00 01|02|03 and the echoed 16-byte token. */
    static boolean serverHello(PacketView p) {
        return p.length() >= 19 && p.u8(0) == 2 && p.u8(1) == 0 && p.u8(2) >= 1 && p.u8(2) <= 3;
    }

    /** 48 bits of the handshake token (bytes 3..8). */
    static long token(PacketView p) {
        return ((long) p.u24(3) << 24) | p.u24(6);
    }

    /** 48 bits of a type 3/4 probe header (bytes 1..6). */
    static long probe(PacketView p) {
        return ((long) p.u24(1) << 24) | p.u24(4);
    }
}
