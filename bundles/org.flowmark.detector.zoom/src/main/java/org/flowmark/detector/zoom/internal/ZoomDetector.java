/*
 * Zoom media detector (UDP). See ZoomParser for the references (Michel et al., IMC 2022, and Zoom's firewall
 * documentation) and the layout as understood from them.
 */
package org.flowmark.detector.zoom.internal;

import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Component;

/**
 * Detects Zoom's own UDP media transport: protocol {@code Zoom}, application {@code zoom}.
 *
 * <p><b>Server flows</b> (one side on a Zoom multimedia router port, 8801..8810; the port is a precondition,
 * never the verdict). DETECTED on any of, all cross-checked between packets:
 * <ul>
 * <li>the handshake: a client type-1 packet and a server type-2 packet from the other side carrying the same
 *     session token (48 bits compared);</li>
 * <li>a probe: a type-3 packet answered from the other side by a type-4 packet with the same header bytes;</li>
 * <li>{@value #NEEDED} SFU-encapsulated (type 5) packets from one side whose media encapsulation is known (an RTP
 *     type with a version-2 RTP/RTCP header at its documented offset, or a known control type) and whose SFU
 *     sequence numbers advance by 1..16.</li>
 * </ul>
 * Other packets are strikes; the third strike EXCLUDES (STUN and DTLS on port 8801 are left to their detectors).
 *
 * <p><b>Peer-to-peer flows</b> (no Zoom port): {@value #NEEDED} packets from one side that start with a media
 * encapsulation carrying RTP (audio, video, screen share) with the same inner SSRC and inner RTP sequence numbers
 * advancing by 1..16. A first packet that is not such a packet EXCLUDES.
 *
 * <p><b>Metadata</b> (group {@code zoom}): {@code encapsulation} = {@code "sfu"} or {@code "p2p"}; {@code media}
 * (audio, video, screen_share, rtcp) from the first media packet seen within the extra packets. No risks.
 * Per-flow state: the 64-bit slot.
 */
@Component(service = Detector.class)
@DetectorProperties(name = "zoom", transport = "udp",
    ports = {8801, 8802, 8803, 8804, 8805, 8806, 8807, 8808, 8809, 8810}, priority = 15, extraPackets = 8)
public final class ZoomDetector implements Detector {

    static final int NEEDED = 3;
    private static final int MAX_GAP = 16;
    private static final int MAX_STRIKES = 3;

    // ---- slot layout: a 48-bit key in bits 0..47; flags and counters above
    private static final long KEY_MASK = (1L << 48) - 1;
    private static final long F_HELLO = 1L << 48;
    private static final long F_HELLO_INIT = 1L << 49;
    private static final long F_REPLY = 1L << 50;
    private static final long F_PROBE = 1L << 51;
    private static final long F_PROBE_INIT = 1L << 52;
    private static final long F_MEDIA_INIT = 1L << 53;
    private static final int COUNT_SHIFT = 54;
    private static final int STRIKE_SHIFT = 57;
    private static final long F_MEDIA_SEEN = 1L << 59;

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView p) {
        if (p.length() < 9) {
            return strike(ctx);
        }
        boolean server = ZoomParser.zoomPort(ctx.srcPort()) || ZoomParser.zoomPort(ctx.dstPort());
        return server ? serverFlow(ctx, p) : p2p(ctx, p);
    }

    private Verdict serverFlow(DetectorContext ctx, PacketView p) {
        long s = ctx.slot();
        boolean fromInit = ctx.fromInitiator();
        int type = p.u8(0);
        switch (type) {
            case 1:
            case 2: {
                boolean hello = type == 1 ? ZoomParser.clientHello(p) : ZoomParser.serverHello(p);
                if (!hello) {
                    return strike(ctx);
                }
                long token = ZoomParser.token(p);
                boolean storedInit = (s & F_HELLO_INIT) != 0;
                boolean storedReply = (s & F_REPLY) != 0;
                if ((s & F_HELLO) != 0 && storedInit != fromInit && storedReply != (type == 2)
                    && (s & KEY_MASK) == token) {
                    return detected(ctx, "sfu");
                }
                ctx.slot((s & ~KEY_MASK & ~(F_HELLO | F_HELLO_INIT | F_REPLY | F_PROBE)) | token | F_HELLO
                    | (fromInit ? F_HELLO_INIT : 0) | (type == 2 ? F_REPLY : 0));
                return Verdict.NEED_MORE;
            }
            case 3: {
                if ((s & F_PROBE) != 0 && ((s & F_PROBE_INIT) != 0) != fromInit) {
                    return Verdict.NEED_MORE; // both sides probe: keep the first probe, its answer decides
                }
                ctx.slot((s & ~KEY_MASK & ~(F_HELLO | F_PROBE | F_PROBE_INIT)) | ZoomParser.probe(p) | F_PROBE
                    | (fromInit ? F_PROBE_INIT : 0));
                return Verdict.NEED_MORE;
            }
            case 4: {
                if ((s & F_PROBE) != 0 && ((s & F_PROBE_INIT) != 0) != fromInit
                    && (s & KEY_MASK) == ZoomParser.probe(p)) {
                    return detected(ctx, "sfu");
                }
                return Verdict.NEED_MORE; // an answer to a probe sent before the capture began: neutral
            }
            case 5: {
                if (!ZoomParser.sfuMedia(p)) {
                    return strike(ctx);
                }
                return count(ctx, fromInit, p.u16(1)) ? detected(ctx, "sfu") : Verdict.NEED_MORE;
            }
            default:
                return strike(ctx);
        }
    }

    private Verdict p2p(DetectorContext ctx, PacketView p) {
        int type = p.u8(0);
        int ro = ZoomParser.rtpOffset(type);
        if (ro < 0 || type >= ZoomParser.MEDIA_RTCP_SR) {
            return (ctx.slot() & (0x7L << COUNT_SHIFT)) == 0 ? Verdict.EXCLUDED : strike(ctx);
        }
        if (!ZoomParser.mediaWithRtp(p, 0)) {
            return Verdict.EXCLUDED;
        }
        long s = ctx.slot();
        long ssrc = ZoomParser.innerSsrc(p, 0);
        long key = ssrc & 0xffffffffL;
        if ((s & (0x7L << COUNT_SHIFT)) != 0 && (s & 0xffffffffL) != key) {
            return strike(ctx);
        }
        // the key holds the SSRC; the SFU-style counter below tracks the inner RTP sequence in bits 32..47
        return countP2p(ctx, ctx.fromInitiator(), ssrc, ZoomParser.innerSeq(p, 0))
            ? detected(ctx, "p2p") : Verdict.NEED_MORE;
    }

    /** Counts type-5 packets of one side whose SFU sequence advances; true when enough were seen. */
    private static boolean count(DetectorContext ctx, boolean fromInit, int seq) {
        long s = ctx.slot();
        long n = (s >>> COUNT_SHIFT) & 0x7;
        boolean sameSide = n > 0 && ((s & F_MEDIA_INIT) != 0) == fromInit;
        if (n > 0 && !sameSide) {
            return false; // the other side's stream: neutral
        }
        int last = (int) (s & 0xffff);
        int delta = (seq - last) & 0xffff;
        if (n > 0 && delta == 0) {
            return false;
        }
        n = n == 0 || delta > MAX_GAP ? 1 : n + 1;
        // the SFU counter shares the key bits only while no handshake/probe key is pending
        long keep = s & ~(0x7L << COUNT_SHIFT) & ~F_MEDIA_INIT;
        if ((s & (F_HELLO | F_PROBE)) == 0) {
            keep = (keep & ~0xffffL) | seq;
        } else {
            return n >= NEEDED; // keep the pending key; count without sequence checks is not enough
        }
        ctx.slot(keep | (Math.min(n, 7) << COUNT_SHIFT) | (fromInit ? F_MEDIA_INIT : 0));
        return n >= NEEDED;
    }

    private static boolean countP2p(DetectorContext ctx, boolean fromInit, long ssrc, int seq) {
        long s = ctx.slot();
        long n = (s >>> COUNT_SHIFT) & 0x7;
        if (n > 0 && ((s & F_MEDIA_INIT) != 0) != fromInit) {
            return false;
        }
        int last = (int) ((s >>> 32) & 0xffff);
        int delta = (seq - last) & 0xffff;
        if (n > 0 && delta == 0) {
            return false;
        }
        n = n == 0 || delta > MAX_GAP ? 1 : n + 1;
        ctx.slot((s & ~KEY_MASK & ~(0x7L << COUNT_SHIFT) & ~F_MEDIA_INIT) | (ssrc & 0xffffffffL)
            | ((long) seq << 32) | (Math.min(n, 7) << COUNT_SHIFT) | (fromInit ? F_MEDIA_INIT : 0));
        return n >= NEEDED;
    }

    private static Verdict strike(DetectorContext ctx) {
        long s = ctx.slot();
        long n = ((s >>> STRIKE_SHIFT) & 0x3) + 1;
        if (n >= MAX_STRIKES) {
            return Verdict.EXCLUDED;
        }
        ctx.slot((s & ~(0x3L << STRIKE_SHIFT)) | (n << STRIKE_SHIFT));
        return Verdict.NEED_MORE;
    }

    private static Verdict detected(DetectorContext ctx, String encapsulation) {
        ctx.result().protocol("Zoom").application("zoom").category("video");
        ctx.result().put("zoom", "encapsulation", encapsulation);
        return Verdict.DETECTED;
    }

    @Override
    public boolean collect(DetectorContext ctx, PacketView p) {
        if ((ctx.slot() & F_MEDIA_SEEN) != 0) {
            return false;
        }
        int off = -1;
        if (p.length() > ZoomParser.SFU_HEADER && p.u8(0) == 5 && ZoomParser.sfuMedia(p)) {
            off = ZoomParser.SFU_HEADER;
        } else if (p.length() > 0 && ZoomParser.mediaWithRtp(p, 0)) {
            off = 0;
        }
        if (off >= 0) {
            String m = ZoomParser.mediaName(p.u8(off));
            if (m != null) {
                ctx.result().put("zoom", "media", m);
                ctx.slot(ctx.slot() | F_MEDIA_SEEN);
                return false;
            }
        }
        return true;
    }
}
