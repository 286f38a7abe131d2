/*
 * QUIC flows whose capture starts after the handshake: 1-RTT short-header packets only.
 *
 * References: RFC 9000 sections 5.1, 12.2, 17.2, 17.3.1; RFC 9001 sections 5.3, 5.4; RFC 9287 (see
 * ShortHeaderEvidence for the rule and why each part holds).
 */
package org.flowmark.detector.quic.internal;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Component;

/**
 * Names as QUIC a UDP flow made only of 1-RTT (short header) packets, from its structure over several datagrams
 * ({@link ShortHeaderEvidence}): header form 0 and fixed bit 1 in every datagram of both directions, a constant
 * Destination Connection ID of 4..20 bytes in one direction followed by header-protected bytes, the other
 * direction with its own DCID or a zero-length one, sizes that fit the AEAD tag and header protection sample.
 * The {@link QuicDetector} excludes such flows at their first packet (a single 1-RTT packet cannot be told from
 * random bytes); this detector needs 5 to {@value ShortHeaderEvidence#MAX_DATAGRAMS} datagrams.
 *
 * <p><b>Dispatch.</b> No hint ports and the last priority of the UDP detectors (RTP is 200): every other detector
 * has had each packet first, so a flow that any of them recognises never reaches a verdict here. The first
 * datagram that fails {@link ShortHeaderEvidence#plausible} excludes the flow before any state is allocated.
 *
 * <p><b>Metadata</b>: protocol {@code QUIC}; group {@code quic}: {@code short_header_only = true},
 * {@code dcid_length} (bytes, of the direction whose DCID decided). No host name: everything after the DCID is
 * encrypted. No risk flags.
 *
 * <p><b>Per-flow state</b>: one {@link ShortHeaderEvidence} (about 100 bytes) while the flow is undecided, dropped
 * at the verdict.
 */
@Component(service = Detector.class)
@DetectorProperties(name = "quic-short-header", transport = "udp", priority = 250)
public final class QuicShortHeaderDetector implements Detector {

    static final String PROTOCOL = "QUIC";
    static final String GROUP = "quic";

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView p) {
        Object o = ctx.state();
        ShortHeaderEvidence ev;
        if (o instanceof ShortHeaderEvidence) {
            ev = (ShortHeaderEvidence) o;
        } else {
            if (!ShortHeaderEvidence.plausible(p)) {
                return Verdict.EXCLUDED;
            }
            ev = new ShortHeaderEvidence();
            ctx.state(ev);
        }
        switch (ev.offer(p, ctx.fromInitiator())) {
            case ShortHeaderEvidence.QUIC:
                DetectionBuilder b = ctx.result();
                b.protocol(PROTOCOL);
                b.put(GROUP, "short_header_only", Boolean.TRUE);
                b.put(GROUP, "dcid_length", ev.dcidLength());
                ctx.state(null);
                return Verdict.DETECTED;
            case ShortHeaderEvidence.NOT_QUIC:
                ctx.state(null);
                return Verdict.EXCLUDED;
            default:
                return Verdict.NEED_MORE;
        }
    }
}
