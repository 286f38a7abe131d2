/*
 * NTP detector.
 *
 * References: RFC 5905 (NTPv4), RFC 1305 (NTPv3), RFC 4330 (SNTPv4), RFC 9327 (mode 6 control messages).
 */
package org.flowmark.detector.ntp.internal;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Component;

/**
 * Detects NTP (and SNTP) over UDP by payload: the first payload packet of a flow must be a valid NTP message
 * ({@link NtpParser}) or the flow is EXCLUDED; a valid one is DETECTED at once, since many NTP flows hold a single
 * request or a single broadcast. The port is never used for the verdict.
 *
 * <p><b>Metadata</b> ({@code protocol "NTP"}, group {@code "ntp"}): {@code version} (1..4) and {@code mode} (1..7)
 * of the first message; {@code stratum} (modes 1..5), replaced by the stratum of the peer's reply when one comes
 * (a client request carries 0, the server's reply its real stratum).
 *
 * <p><b>Reply check</b>: the first packet from the other side, within the extra-packet budget, must be the answer
 * the first message calls for (client 3 with server 4, symmetric active 1 with passive 2 or active 1, control 6
 * and private 7 with the same mode and the response bit flipped). Otherwise the risk flag
 * {@code ntp_unexpected_reply} is added (a peer answering something else on an NTP flow: a misbehaving server,
 * or a tunnel riding on port 123).
 *
 * <p><b>Per-flow state</b>: the first message's mode and response bit in the 64-bit slot.
 */
@Component(service = Detector.class)
@DetectorProperties(name = "ntp", transport = "udp", ports = {123}, priority = 40, extraPackets = 2)
public final class NtpDetector implements Detector {

    static final String PROTOCOL = "NTP";
    static final String GROUP = "ntp";
    static final String RISK_UNEXPECTED_REPLY = "ntp_unexpected_reply";

    // slot: bits 0..2 first mode, bit 3 first came from the initiator, bit 4 its response bit (modes 6/7)
    private static final long MODE_MASK = 7L;
    private static final long F_FROM_INIT = 1L << 3;
    private static final long F_RESPONSE = 1L << 4;

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        int mode = NtpParser.mode(payload);
        if (mode == NtpParser.INVALID) {
            return Verdict.EXCLUDED;
        }
        DetectionBuilder b = ctx.result();
        b.protocol(PROTOCOL);
        b.put(GROUP, "version", NtpParser.version(payload));
        b.put(GROUP, "mode", mode);
        if (mode <= NtpParser.MODE_BROADCAST) {
            b.put(GROUP, "stratum", NtpParser.stratum(payload));
        }
        long s = mode | (ctx.fromInitiator() ? F_FROM_INIT : 0);
        if (mode >= NtpParser.MODE_CONTROL && (payload.u8(mode == NtpParser.MODE_CONTROL ? 1 : 0) & 0x80) != 0) {
            s |= F_RESPONSE;
        }
        ctx.slot(s);
        return Verdict.DETECTED;
    }

    @Override
    public boolean collect(DetectorContext ctx, PacketView payload) {
        long s = ctx.slot();
        if (((s & F_FROM_INIT) != 0) == ctx.fromInitiator()) {
            return true; // the same side again (a retransmission, the next poll): wait for the reply
        }
        int first = (int) (s & MODE_MASK);
        int mode = NtpParser.mode(payload);
        DetectionBuilder b = ctx.result();
        if (mode == NtpParser.INVALID || !answers(first, (s & F_RESPONSE) != 0, mode, payload)) {
            b.risk(RISK_UNEXPECTED_REPLY);
            return false;
        }
        if (mode <= NtpParser.MODE_BROADCAST && mode != NtpParser.MODE_CLIENT) {
            b.put(GROUP, "stratum", NtpParser.stratum(payload));
        }
        return false;
    }

    /** Whether a message of {@code mode} is a proper answer to (or request for) the flow's first message. */
    static boolean answers(int first, boolean firstResponse, int mode, PacketView p) {
        switch (first) {
            case NtpParser.MODE_CLIENT:
                return mode == NtpParser.MODE_SERVER;
            case NtpParser.MODE_SERVER:
                return mode == NtpParser.MODE_CLIENT;
            case NtpParser.MODE_SYMMETRIC_ACTIVE:
                return mode == NtpParser.MODE_SYMMETRIC_PASSIVE || mode == NtpParser.MODE_SYMMETRIC_ACTIVE;
            case NtpParser.MODE_SYMMETRIC_PASSIVE:
                return mode == NtpParser.MODE_SYMMETRIC_ACTIVE;
            case NtpParser.MODE_CONTROL:
                return mode == NtpParser.MODE_CONTROL && ((p.u8(1) & 0x80) != 0) != firstResponse;
            case NtpParser.MODE_PRIVATE:
                return mode == NtpParser.MODE_PRIVATE && ((p.u8(0) & 0x80) != 0) != firstResponse;
            default:
                return false; // broadcast: nobody answers
        }
    }
}
