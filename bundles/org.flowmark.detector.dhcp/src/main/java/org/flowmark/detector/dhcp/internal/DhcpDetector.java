/*
 * DHCP (and BOOTP) detector.
 *
 * References: RFC 2131 (DHCP), RFC 2132 (options), RFC 951 / RFC 1542 (BOOTP).
 */
package org.flowmark.detector.dhcp.internal;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Component;

/**
 * Detects DHCP over UDP by payload: the first payload packet must be a valid DHCP or BOOTP message
 * ({@link DhcpParser}), else the flow is EXCLUDED; a valid one is DETECTED at once (DHCP flows are often a single
 * broadcast). The port is never used for the verdict.
 *
 * <p><b>Metadata</b> ({@code protocol "DHCP"}, group {@code "dhcp"}): {@code message_type} (the RFC name of the
 * first message's type, e.g. {@code "DHCPDISCOVER"}, or {@code "BOOTP"}), {@code fingerprint} (the parameter request
 * list, option 55, as comma-separated decimal codes, the form fingerbank uses), {@code class_id} (vendor class
 * identifier, option 60), {@code hostname} (option 12) and {@code client_id} (option 61, colon-separated hex).
 * The flow's next messages (within the extra-packet budget) fill in what the first one lacked, e.g. a server's
 * reply first and the client's request after it; the first value of each field wins.
 *
 * <p>No risk flags. No per-flow state beyond the detection itself.
 */
@Component(service = Detector.class)
@DetectorProperties(name = "dhcp", transport = "udp", ports = {67, 68}, priority = 30, extraPackets = 4)
public final class DhcpDetector implements Detector {

    static final String PROTOCOL = "DHCP";
    static final String GROUP = "dhcp";

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        int type = DhcpParser.messageType(payload);
        if (type == DhcpParser.INVALID) {
            return Verdict.EXCLUDED;
        }
        DetectionBuilder b = ctx.result();
        b.protocol(PROTOCOL);
        b.put(GROUP, "message_type", type == DhcpParser.BOOTP ? "BOOTP" : DhcpParser.typeName(type));
        fill(b, payload);
        return Verdict.DETECTED;
    }

    @Override
    public boolean collect(DetectorContext ctx, PacketView payload) {
        DetectionBuilder b = ctx.result();
        if (DhcpParser.messageType(payload) != DhcpParser.INVALID) {
            fill(b, payload);
        }
        return b.get(GROUP, "fingerprint") == null;
    }

    /** Puts the option-derived fields this message has and the detection still lacks. */
    private static void fill(DetectionBuilder b, PacketView p) {
        if (b.get(GROUP, "fingerprint") == null) {
            int at = DhcpParser.find(p, DhcpParser.OPT_PARAMETER_LIST);
            if (at > 0 && p.u8(at - 1) > 0) {
                b.put(GROUP, "fingerprint", OptionText.decimals(p, at, p.u8(at - 1), 1));
            }
        }
        text(b, p, DhcpParser.OPT_CLASS_ID, "class_id");
        text(b, p, DhcpParser.OPT_HOSTNAME, "hostname");
        if (b.get(GROUP, "client_id") == null) {
            int at = DhcpParser.find(p, DhcpParser.OPT_CLIENT_ID);
            if (at > 0 && p.u8(at - 1) > 0) {
                b.put(GROUP, "client_id", OptionText.hex(p, at, p.u8(at - 1)));
            }
        }
    }

    private static void text(DetectionBuilder b, PacketView p, int code, String key) {
        if (b.get(GROUP, key) != null) {
            return;
        }
        int at = DhcpParser.find(p, code);
        if (at > 0) {
            String s = OptionText.text(p, at, p.u8(at - 1));
            if (s != null) {
                b.put(GROUP, key, s);
            }
        }
    }
}
