/*
 * DHCPv6 detector.
 *
 * References: RFC 8415 (DHCPv6), RFC 4704 (Client FQDN option).
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
 * Detects DHCPv6 over UDP by payload: the first payload packet must be a valid DHCPv6 message
 * ({@link Dhcpv6Parser}: message type 1..13, options that exactly consume the payload, the identifiers the RFC
 * makes mandatory), else the flow is EXCLUDED; a valid one is DETECTED at once. The port is never used for the
 * verdict.
 *
 * <p><b>Metadata</b> ({@code protocol "DHCPV6"}, group {@code "dhcp"}, as for DHCPv4): {@code message_type} (the
 * RFC 8415 name of the first message's type, e.g. {@code "SOLICIT"}), {@code fingerprint} (the Option Request
 * option, 6, as comma-separated decimal option codes), {@code class_id} (Vendor Class option, 16: the enterprise
 * number, a colon, and the first vendor-class-data item as text), {@code hostname} (Client FQDN option, 39) and
 * {@code client_id} (the client DUID, option 1, colon-separated hex). Later messages of the flow (within the
 * extra-packet budget) fill in fields the first one lacked. Relay messages are not opened.
 *
 * <p>No risk flags. No per-flow state beyond the detection itself.
 */
@Component(service = Detector.class)
@DetectorProperties(name = "dhcpv6", transport = "udp", ports = {546, 547}, priority = 30, extraPackets = 4)
public final class Dhcpv6Detector implements Detector {

    static final String PROTOCOL = "DHCPV6";
    static final String GROUP = "dhcp";

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        int type = Dhcpv6Parser.messageType(payload);
        if (type == Dhcpv6Parser.INVALID) {
            return Verdict.EXCLUDED;
        }
        DetectionBuilder b = ctx.result();
        b.protocol(PROTOCOL);
        b.put(GROUP, "message_type", Dhcpv6Parser.typeName(type));
        fill(b, payload, type);
        return Verdict.DETECTED;
    }

    @Override
    public boolean collect(DetectorContext ctx, PacketView payload) {
        DetectionBuilder b = ctx.result();
        int type = Dhcpv6Parser.messageType(payload);
        if (type != Dhcpv6Parser.INVALID) {
            fill(b, payload, type);
        }
        return b.get(GROUP, "fingerprint") == null;
    }

    private static void fill(DetectionBuilder b, PacketView p, int type) {
        if (type >= Dhcpv6Parser.RELAY_FORW) {
            return;
        }
        if (b.get(GROUP, "fingerprint") == null) {
            int at = Dhcpv6Parser.find(p, type, Dhcpv6Parser.OPT_ORO);
            if (at > 0 && p.u16(at - 2) >= 2) {
                b.put(GROUP, "fingerprint", OptionText.decimals(p, at, p.u16(at - 2), 2));
            }
        }
        if (b.get(GROUP, "class_id") == null) {
            int at = Dhcpv6Parser.find(p, type, Dhcpv6Parser.OPT_VENDOR_CLASS);
            int len = at > 0 ? p.u16(at - 2) : 0;
            if (len >= 6) {
                int dlen = p.u16(at + 4);
                if (6 + dlen <= len) {
                    String data = OptionText.text(p, at + 6, dlen);
                    b.put(GROUP, "class_id", p.u32(at) + ":" + (data == null ? "" : data));
                }
            }
        }
        if (b.get(GROUP, "hostname") == null) {
            int at = Dhcpv6Parser.find(p, type, Dhcpv6Parser.OPT_CLIENT_FQDN);
            int len = at > 0 ? p.u16(at - 2) : 0;
            if (len >= 2) {
                String name = OptionText.dnsName(p, at + 1, len - 1); // after the flags octet
                if (name != null) {
                    b.put(GROUP, "hostname", name);
                }
            }
        }
        if (b.get(GROUP, "client_id") == null) {
            int at = Dhcpv6Parser.find(p, type, Dhcpv6Parser.OPT_CLIENT_ID);
            int len = at > 0 ? p.u16(at - 2) : 0;
            if (len > 0) {
                b.put(GROUP, "client_id", OptionText.hex(p, at, len));
            }
        }
    }
}
