/*
 * RTP / RTCP detector (standalone, on UDP).
 *
 * References: RFC 3550 (RTP and RTCP: version 2, padding, extension and CSRC count, payload type, sequence
 * number, timestamp, SSRC; RTCP packet types SR 200, RR 201, SDES 202, BYE 203, APP 204), RFC 4585 (RTPFB 205,
 * PSFB 206), RFC 5761 (RTP/RTCP multiplexing: RTP payload types 64..95 collide with RTCP 192..223), RFC 3551
 * (payload types), RFC 3711 (SRTP keeps the RTP header in clear).
 */
package org.flowmark.detector.stun.internal;

import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Component;

/**
 * Detects RTP (and RTCP-only flows) on UDP by consistency across packets, never by one packet and never by port.
 *
 * <p><b>RTP</b>: a packet is a candidate when its version is 2, its payload type is not in the RTCP-colliding
 * range 64..95 (RFC 5761 section 4), the CSRC list and header extension fit, and the padding count fits. The
 * first candidate fixes the stream (direction, SSRC); the flow is DETECTED as {@code RTP} once {@value #NEEDED}
 * candidates of that stream arrived with sequence numbers that advance by 1..{@value #MAX_GAP} each (duplicates
 * are ignored, a larger jump restarts the count). Packets of other SSRCs or of the other direction are neutral.
 * <b>RTCP</b>: version 2, packet type 200..206 and a length that fits; {@value #NEEDED_RTCP} such packets with
 * the same sender SSRC from one side, and no RTP stream, make the flow {@code RTCP}. STUN messages (first byte
 * 0..3, RFC 7983) are neutral; any other packet counts as a strike and the third strike EXCLUDES.
 *
 * <p>Metadata (group {@code rtp}): {@code payload_type} (Integer, of the detected stream), {@code ssrc} (hex).
 * No risks. Per-flow state: the 64-bit slot.
 */
@Component(service = Detector.class)
@DetectorProperties(name = "rtp", transport = "udp", priority = 200)
public final class RtpDetector implements Detector {

    static final int NEEDED = 3;
    static final int NEEDED_RTCP = 2;
    static final int MAX_GAP = 16;
    private static final int MAX_STRIKES = 3;

    // ---- slot layout: SSRC in bits 0..31, last sequence number in 32..47, count 48..51, strikes 52..53,
    // rtcp count 54..55, flags 56..
    private static final int SEQ_SHIFT = 32;
    private static final int COUNT_SHIFT = 48;
    private static final int STRIKE_SHIFT = 52;
    private static final int RTCP_SHIFT = 54;
    private static final long F_STREAM = 1L << 56;
    private static final long F_STREAM_INIT = 1L << 57;
    private static final long F_RTCP = 1L << 58;
    private static final long F_RTCP_INIT = 1L << 59;

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView p) {
        int len = p.length();
        int b0 = p.u8(0);
        if ((b0 & 0xC0) != 0x80 || len < 8) {
            return b0 <= 3 ? Verdict.NEED_MORE : strike(ctx);
        }
        int pt = p.u8(1);
        if (pt >= 192 && pt <= 223) {
            return rtcp(ctx, p, len, pt);
        }
        if (!RtpParser.rtpHeader(p)) {
            return strike(ctx);
        }
        long s = ctx.slot();
        long ssrc = p.u32(8);
        int seq = p.u16(2);
        boolean fromInit = ctx.fromInitiator();
        if ((s & F_STREAM) == 0) {
            s = (s & ~0xffffffffffffL & ~(0xfL << COUNT_SHIFT)) | F_STREAM | (fromInit ? F_STREAM_INIT : 0)
                | ssrc | ((long) seq << SEQ_SHIFT) | (1L << COUNT_SHIFT);
            ctx.slot(s);
            return Verdict.NEED_MORE;
        }
        if (((s & F_STREAM_INIT) != 0) != fromInit || (s & 0xffffffffL) != ssrc) {
            return Verdict.NEED_MORE; // another stream: neutral
        }
        int last = (int) ((s >>> SEQ_SHIFT) & 0xffff);
        int delta = (seq - last) & 0xffff;
        if (delta == 0) {
            return Verdict.NEED_MORE;
        }
        long count = (s >>> COUNT_SHIFT) & 0xf;
        count = delta <= MAX_GAP ? count + 1 : 1;
        s = (s & ~(0xffffL << SEQ_SHIFT) & ~(0xfL << COUNT_SHIFT)) | ((long) seq << SEQ_SHIFT)
            | (Math.min(count, 15) << COUNT_SHIFT);
        ctx.slot(s);
        if (count >= NEEDED) {
            ctx.result().protocol("RTP");
            ctx.result().put("rtp", "payload_type", p.u8(1) & 0x7f);
            ctx.result().put("rtp", "ssrc", String.format("%08x", ssrc));
            return Verdict.DETECTED;
        }
        return Verdict.NEED_MORE;
    }

    private Verdict rtcp(DetectorContext ctx, PacketView p, int len, int pt) {
        if (!RtpParser.rtcpHeader(p, 0, len) || pt < 200 || pt > 206) {
            return strike(ctx);
        }
        long s = ctx.slot();
        if ((s & F_STREAM) != 0) {
            return Verdict.NEED_MORE; // RTCP next to an RTP stream (rtcp-mux): the RTP stream decides
        }
        long ssrc = p.u32(4);
        boolean fromInit = ctx.fromInitiator();
        if ((s & F_RTCP) == 0 || ((s & F_RTCP_INIT) != 0) != fromInit || (s & 0xffffffffL) != ssrc) {
            if ((s & F_RTCP) != 0 && ((s & F_RTCP_INIT) != 0) != fromInit) {
                return Verdict.NEED_MORE; // the peer's reports: neutral
            }
            ctx.slot((s & ~0xffffffffL & ~(0x3L << RTCP_SHIFT)) | F_RTCP | (fromInit ? F_RTCP_INIT : 0) | ssrc
                | (1L << RTCP_SHIFT));
            return Verdict.NEED_MORE;
        }
        long n = ((s >>> RTCP_SHIFT) & 3) + 1;
        ctx.slot((s & ~(0x3L << RTCP_SHIFT)) | (Math.min(n, 3) << RTCP_SHIFT));
        if (n >= NEEDED_RTCP) {
            ctx.result().protocol("RTCP");
            ctx.result().put("rtp", "ssrc", String.format("%08x", ssrc));
            return Verdict.DETECTED;
        }
        return Verdict.NEED_MORE;
    }

    private static Verdict strike(DetectorContext ctx) {
        long s = ctx.slot();
        long n = ((s >>> STRIKE_SHIFT) & 3) + 1;
        if (n >= MAX_STRIKES) {
            return Verdict.EXCLUDED;
        }
        ctx.slot((s & ~(0x3L << STRIKE_SHIFT)) | (n << STRIKE_SHIFT));
        return Verdict.NEED_MORE;
    }
}
