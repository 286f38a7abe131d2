/*
 * STUN / TURN detector.
 *
 * References: RFC 8489 and RFC 5389 (STUN), RFC 3489 (classic STUN), RFC 8656 and RFC 5766 (TURN, ChannelData),
 * RFC 6062 (TURN TCP allocations), RFC 4571 (length-prefixed framing over TCP), RFC 7983 (demultiplexing DTLS and
 * RTP/RTCP on the STUN 5-tuple), RFC 5761 (RTP/RTCP multiplexing), [MS-TURN] / [MS-ICE2] (Microsoft attributes).
 */
package org.flowmark.detector.stun.internal;

import java.util.Locale;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.flow.FlowView;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Detects STUN and TURN on UDP and TCP by payload; the port is never a verdict.
 *
 * <p><b>Verdicts.</b> A UDP datagram is STUN when it holds exactly one message that passes
 * {@link StunParser#message}: top two type bits zero, a known method (RFC 8489/8656/6062 methods 1..12, or
 * WhatsApp's 0x0800..0x0805 types), length a multiple of 4 equal to the datagram length minus 20, the magic
 * cookie, attributes that tile the body exactly, well-formed address attributes, MESSAGE-INTEGRITY of 20 bytes,
 * and a correct FINGERPRINT when one is present (a wrong one rejects the packet). Such a message is DETECTED at
 * once. So is an [MS-TURN] message: no cookie in the header but the MAGIC-COOKIE attribute (0x000F =
 * 0x72C64BC6) first, a TURN method, and the exact length (MS-TURN does not pad attributes). Classic RFC 3489 messages (no cookie) are weaker evidence: a Binding or Shared Secret message from one
 * side is held (NEED_MORE) and the flow is DETECTED only when the other side answers with the same transaction
 * id (the first 48 bits are compared). Over TCP the segment must start with a complete message, bare (RFC 8489
 * section 6.2.2) or with the RFC 4571 2-byte length prefix Microsoft clients use; several messages per segment
 * are walked. Up to {@code maxLeadingPackets} non-STUN packets may come before the first message (a capture that
 * began after the start); one more EXCLUDES.
 *
 * <p><b>What runs afterwards.</b> {@link #collect} looks at up to 16 more packets: further STUN messages (for
 * metadata) and, by RFC 7983 first-byte demultiplexing, DTLS records and RTP/RTCP packets, recorded as
 * {@code stun.media = "dtls" | "rtp"}; ChannelData messages mark the flow {@code stun.turn = true}. DTLS records
 * are forwarded ({@code DetectorContext.forward}) to the {@code dtls} detector when it is deployed, which adds the
 * handshake's {@code ssl{...}} metadata (JA4, certificate names, risks). With
 * {@code dtlsAsProtocol} (default) a flow whose STUN is followed by DTLS is reported with protocol {@code DTLS}
 * (the STUN metadata stays), as nDPI does: STUN there is only the ICE connectivity check of a DTLS-SRTP session.
 * Otherwise the protocol stays {@code STUN}.
 *
 * <p><b>Metadata</b> (group {@code stun}): {@code software} (SOFTWARE), {@code mapped_address}
 * (XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS of classic STUN, as {@code ip:port}), {@code username}, {@code realm},
 * {@code classic} = true for RFC 3489 flows, {@code fingerprint} = true when a FINGERPRINT was verified,
 * {@code turn} = true for TURN methods (Allocate..ConnectionAttempt) or ChannelData, {@code framing} =
 * {@code "rfc4571"} for length-prefixed TCP, {@code media}.
 *
 * <p><b>Application</b> (only from explicit evidence): {@code teams} for Microsoft [MS-TURN]/[MS-ICE2]
 * attributes or a SOFTWARE naming Microsoft/Skype/Teams/Lync; {@code zoom} for classic STUN carrying the
 * non-standard attributes 0x0101..0x0103 of Zoom's NAT discovery or a SOFTWARE naming Zoom; {@code whatsapp}
 * for WhatsApp's attributes 0x4000..0x4007 or message types 0x0800..0x0805 or a SOFTWARE naming it;
 * {@code signal} for a SOFTWARE naming Signal.
 *
 * <p>No risks are raised. Per-flow state: the 64-bit slot only (flags, a leading-packet count and the classic
 * transaction-id prefix).
 */
@Component(service = Detector.class, configurationPid = "org.flowmark.detector.stun")
@Designate(ocd = StunDetector.Config.class)
@DetectorProperties(name = "stun", transport = {"udp", "tcp"}, ports = {3478, 3479, 5349, 5350, 19302, 19305},
    priority = 20, extraPackets = 16)
public final class StunDetector implements Detector {

    /** Configuration (PID {@code org.flowmark.detector.stun}). */
    @ObjectClassDefinition(name = "Flowmark STUN detector",
        description = "Detects STUN/TURN and what runs over it (DTLS, RTP) on the same 5-tuple.")
    @interface Config {
        @AttributeDefinition(name = "Leading non-STUN packets",
            description = "Packets that may precede the first STUN message before the flow is excluded (0 to 8).",
            min = "0", max = "8")
        int maxLeadingPackets() default 2;

        @AttributeDefinition(name = "Report DTLS after STUN as DTLS",
            description = "Report a flow whose STUN exchange is followed by DTLS with protocol DTLS (as nDPI).")
        boolean dtlsAsProtocol() default true;

        @AttributeDefinition(name = "Classic STUN",
            description = "Recognise RFC 3489 STUN without magic cookie (only when both sides agree on the "
                + "transaction id).")
        boolean classic() default true;
    }

    static final String PROTOCOL = "STUN";
    static final String GROUP = "stun";

    // ---- slot layout
    static final long F_DETECTED = 1L;
    static final long F_CLASSIC_INIT = 1L << 1;
    static final long F_CLASSIC_RESP = 1L << 2;
    static final long F_DTLS = 1L << 3;
    static final long F_RTP = 1L << 4;
    /** The detector that reads DTLS handshakes ({@code org.flowmark.detector.tls}), forwarded DTLS records. */
    static final String DTLS_DETECTOR = "dtls";
    static final long F_TURN = 1L << 5;
    static final long F_FINGERPRINT = 1L << 6;
    static final long F_APP = 1L << 7;
    private static final int LEAD_SHIFT = 8;
    private static final long LEAD_MASK = 0xfL << LEAD_SHIFT;
    private static final int TXID_SHIFT = 16;

    private static final int MAX_TEXT = 128;

    private final int maxLeading;
    private final boolean dtlsAsProtocol;
    private final boolean classic;

    @Activate
    public StunDetector(Config config) {
        this.maxLeading = Math.max(0, Math.min(8, config.maxLeadingPackets()));
        this.dtlsAsProtocol = config.dtlsAsProtocol();
        this.classic = config.classic();
    }

    static boolean tcp(DetectorContext ctx) {
        FlowView f = ctx.flow();
        return f != null ? f.ipProtocol() == 6 : ctx.tcpFlags() != 0;
    }

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView p) {
        int len = p.length();
        if (len < 4) {
            return notStun(ctx);
        }
        // RFC 7983: STUN starts with 0..3; RFC 4571 framing starts with the high length byte (small)
        if (p.u8(0) > 3) {
            return notStun(ctx);
        }
        boolean tcp = tcp(ctx);
        if (tcp) {
            return tcpSegment(ctx, p, len, false) ? detected(ctx) : notStun(ctx);
        }
        long r = StunParser.message(p, 0, len, classic);
        if (r == StunParser.INVALID || (r & StunParser.R_LEN_MASK) != len) {
            return notStun(ctx);
        }
        if ((r & (StunParser.R_MODERN | StunParser.R_MSTURN)) != 0) {
            record(ctx, p, 0, r);
            return detected(ctx);
        }
        // classic RFC 3489: wait for the other side to use the same transaction id
        long txid = p.u32(4) << 16 | p.u16(8);
        long s = ctx.slot();
        boolean fromInit = ctx.fromInitiator();
        long mine = fromInit ? F_CLASSIC_INIT : F_CLASSIC_RESP;
        long other = fromInit ? F_CLASSIC_RESP : F_CLASSIC_INIT;
        if ((s & other) != 0 && (s >>> TXID_SHIFT) == txid) {
            ctx.slot(s | mine);
            ctx.result().put(GROUP, "classic", Boolean.TRUE);
            record(ctx, p, 0, r);
            return detected(ctx);
        }
        ctx.slot((s & ~(F_CLASSIC_INIT | F_CLASSIC_RESP) & ((1L << TXID_SHIFT) - 1)) | mine | (txid << TXID_SHIFT));
        return Verdict.NEED_MORE;
    }

    private Verdict notStun(DetectorContext ctx) {
        long s = ctx.slot();
        long lead = ((s & LEAD_MASK) >>> LEAD_SHIFT) + 1;
        if (lead > maxLeading) {
            return Verdict.EXCLUDED;
        }
        ctx.slot((s & ~LEAD_MASK) | (lead << LEAD_SHIFT));
        return Verdict.NEED_MORE;
    }

    private static Verdict detected(DetectorContext ctx) {
        ctx.slot(ctx.slot() | F_DETECTED);
        if (ctx.result().protocol() == null) {
            ctx.result().protocol(PROTOCOL);
        }
        return Verdict.DETECTED;
    }

    /**
     * Walks the STUN messages of a TCP segment, bare or RFC 4571-framed; records their metadata. True when the
     * segment starts with a complete valid message. In {@code collect} mode ChannelData messages are accepted too.
     */
    private boolean tcpSegment(DetectorContext ctx, PacketView p, int len, boolean collecting) {
        int pos = 0;
        boolean any = false;
        while (pos + 4 <= len) {
            long r = StunParser.message(p, pos, len, false);
            if (r != StunParser.INVALID) {
                record(ctx, p, pos, r);
                pos += (int) (r & StunParser.R_LEN_MASK);
                any = true;
                continue;
            }
            int framed = p.u16(pos);
            if (framed >= StunParser.HEADER && pos + 2 + StunParser.HEADER <= len) {
                long f = StunParser.message(p, pos + 2, Math.min(len, pos + 2 + framed), false);
                if (f != StunParser.INVALID && (f & StunParser.R_LEN_MASK) == framed) {
                    ctx.result().put(GROUP, "framing", "rfc4571");
                    record(ctx, p, pos + 2, f);
                    pos += 2 + framed;
                    any = true;
                    continue;
                }
            }
            if (collecting || any) {
                int cd = StunParser.channelData(p, pos, len, true);
                if (cd > 0) {
                    turn(ctx);
                    pos += cd;
                    any = true;
                    continue;
                }
            }
            break;
        }
        return any;
    }

    @Override
    public boolean collect(DetectorContext ctx, PacketView p) {
        int len = p.length();
        if (len < 4) {
            return true;
        }
        int b = p.u8(0);
        if (tcp(ctx)) {
            if (b <= 3 || (b >= 64 && b <= 127)) {
                tcpSegment(ctx, p, len, true);
            }
            return (ctx.slot() & F_DTLS) == 0;
        }
        if (b <= 3) {
            long r = StunParser.message(p, 0, len, (ctx.slot() & (F_CLASSIC_INIT | F_CLASSIC_RESP)) != 0);
            if (r != StunParser.INVALID && (r & StunParser.R_LEN_MASK) == len) {
                record(ctx, p, 0, r);
            }
            return true;
        }
        if (b >= 64 && b <= 127) {
            if (StunParser.channelData(p, 0, len, false) > 0) {
                turn(ctx);
            }
            return true;
        }
        int m = StunParser.media(p);
        long s = ctx.slot();
        if (m == StunParser.MEDIA_DTLS) {
            if ((s & F_DTLS) == 0) {
                ctx.slot(s | F_DTLS);
                ctx.result().put(GROUP, "media", "dtls");
                if (dtlsAsProtocol) {
                    ctx.result().protocol("DTLS");
                }
            }
            // the handshake's own metadata (JA4, certificate, risks) is the DTLS detector's to read; once it is
            // done (or absent) there is nothing more to learn: the rest is encrypted
            return ctx.forward(DTLS_DETECTOR);
        }
        if ((m == StunParser.MEDIA_RTP || m == StunParser.MEDIA_RTCP) && (s & F_RTP) == 0) {
            ctx.slot(s | F_RTP);
            ctx.result().put(GROUP, "media", "rtp");
        }
        return true;
    }

    private static void turn(DetectorContext ctx) {
        long s = ctx.slot();
        if ((s & F_TURN) == 0) {
            ctx.slot(s | F_TURN);
            ctx.result().put(GROUP, "turn", Boolean.TRUE);
        }
    }

    /** Records the metadata of the valid message at {@code off} (result {@code r} of the parser). */
    private static void record(DetectorContext ctx, PacketView p, int off, long r) {
        DetectionBuilder b = ctx.result();
        long s = ctx.slot();
        if ((r & StunParser.R_FINGERPRINT) != 0 && (s & F_FINGERPRINT) == 0) {
            ctx.slot(s |= F_FINGERPRINT);
            b.put(GROUP, "fingerprint", Boolean.TRUE);
        }
        int type = p.u16(off);
        int method = StunParser.method(type);
        if ((r & StunParser.R_MODERN) != 0 && method >= 3 && method <= 12 && (r & StunParser.R_WHATSAPP) == 0) {
            turn(ctx);
        }
        boolean attrs = ((r >>> StunParser.R_ATTRS_SHIFT) & 0xff) != 0 && (r & StunParser.R_MSTURN) == 0;
        if (attrs && b.get(GROUP, "software") == null) {
            int at = StunParser.find(p, off, StunParser.ATTR_SOFTWARE);
            if (at >= 0) {
                String sw = StunParser.text(p, at, MAX_TEXT);
                if (!sw.isEmpty()) {
                    b.put(GROUP, "software", sw);
                    application(ctx, softwareApp(sw));
                }
            }
        }
        if (attrs && b.get(GROUP, "mapped_address") == null) {
            boolean modern = (r & StunParser.R_MODERN) != 0;
            int at = modern ? StunParser.find(p, off, StunParser.ATTR_XOR_MAPPED_ADDRESS) : -1;
            if (at >= 0) {
                b.put(GROUP, "mapped_address", StunParser.address(p, off, at, true));
            } else {
                at = StunParser.find(p, off, StunParser.ATTR_MAPPED_ADDRESS);
                if (at >= 0) {
                    b.put(GROUP, "mapped_address", StunParser.address(p, off, at, false));
                }
            }
        }
        if (attrs && b.get(GROUP, "username") == null) {
            int at = StunParser.find(p, off, StunParser.ATTR_USERNAME);
            if (at >= 0) {
                b.put(GROUP, "username", StunParser.text(p, at, MAX_TEXT));
            }
        }
        if (attrs && b.get(GROUP, "realm") == null) {
            int at = StunParser.find(p, off, StunParser.ATTR_REALM);
            if (at >= 0) {
                b.put(GROUP, "realm", StunParser.text(p, at, MAX_TEXT));
            }
        }
        if ((r & StunParser.R_MICROSOFT) != 0) {
            application(ctx, "teams");
        } else if ((r & StunParser.R_ZOOM_ATTR) != 0) {
            application(ctx, "zoom");
        } else if ((r & StunParser.R_WHATSAPP) != 0) {
            application(ctx, "whatsapp");
        }
    }

    private static void application(DetectorContext ctx, String app) {
        if (app != null && (ctx.slot() & F_APP) == 0) {
            ctx.slot(ctx.slot() | F_APP);
            ctx.result().application(app);
        }
    }

    /** The application a SOFTWARE value names, or null. */
    static String softwareApp(String software) {
        String s = software.toLowerCase(Locale.ROOT);
        if (s.contains("zoom")) {
            return "zoom";
        }
        if (s.contains("microsoft") || s.contains("skype") || s.contains("teams") || s.contains("lync")) {
            return "teams";
        }
        if (s.contains("whatsapp")) {
            return "whatsapp";
        }
        if (s.startsWith("signal")) {
            return "signal";
        }
        return null;
    }
}
