/*
 * NetBIOS over TCP/IP detector (name, datagram and session services).
 *
 * References: RFC 1001, RFC 1002.
 */
package org.flowmark.detector.netbios.internal;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Component;

/**
 * Detects NetBIOS over TCP/IP by payload ({@link NetbiosParser}). On UDP the first payload packet must be a valid
 * datagram service message (tried first when its first octet is a datagram type) or name service message, else
 * the flow is EXCLUDED. On TCP a session request is DETECTED, and so is a session message carrying SMB unless
 * either port is 445 (direct-hosted SMB, which is not NetBIOS: EXCLUDED); the short control messages (positive
 * and negative response, retarget, keep-alive) are valid but too weak alone, so they give NEED_MORE, at most
 * {@value #MAX_CONTROL} times; anything else is EXCLUDED.
 *
 * <p><b>Metadata</b> ({@code protocol "NetBIOS"}, group {@code "netbios"}): {@code service} ({@code "name"},
 * {@code "datagram"} or {@code "session"}), {@code name} (the decoded NetBIOS name: the queried or registered name,
 * the datagram's source name, a query's destination name, the called name of a session request; 15 octets without
 * trailing blanks; {@code "*"} for the wildcard) and {@code suffix} (the 16th octet, as nbtstat writes it:
 * {@code "<20>"}). Error datagrams and SMB session messages carry no name.
 *
 * <p>No risk flags. Per-flow state: the count of control messages seen, in the slot.
 */
@Component(service = Detector.class)
@DetectorProperties(name = "netbios", transport = {"udp", "tcp"}, ports = {137, 138, 139}, priority = 45)
public final class NetbiosDetector implements Detector {

    static final String PROTOCOL = "NetBIOS";
    static final String GROUP = "netbios";
    static final int MAX_CONTROL = 3;
    private static final int IPPROTO_TCP = 6;
    private static final int SMB_DIRECT_PORT = 445;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        if (ctx.tcpFlags() != 0 || ctx.flow() != null && ctx.flow().ipProtocol() == IPPROTO_TCP) {
            return session(ctx, payload);
        }
        int first = payload.u8(0);
        if (first >= 0x10 && first <= 0x16) {
            int at = NetbiosParser.datagram(payload);
            if (at >= 0) {
                return detected(ctx, payload, "datagram", at);
            }
        }
        int at = NetbiosParser.nameService(payload);
        return at > 0 ? detected(ctx, payload, "name", at) : Verdict.EXCLUDED;
    }

    private static Verdict session(DetectorContext ctx, PacketView payload) {
        switch (NetbiosParser.session(payload)) {
            case NetbiosParser.SESSION_REQUEST:
                return detected(ctx, payload, "session", 4);
            case NetbiosParser.SESSION_SMB:
                if (ctx.srcPort() == SMB_DIRECT_PORT || ctx.dstPort() == SMB_DIRECT_PORT) {
                    return Verdict.EXCLUDED;
                }
                return detected(ctx, payload, "session", 0);
            case NetbiosParser.SESSION_CONTROL: {
                long n = ctx.slot() + 1;
                ctx.slot(n);
                return n > MAX_CONTROL ? Verdict.EXCLUDED : Verdict.NEED_MORE;
            }
            default:
                return Verdict.EXCLUDED;
        }
    }

    /** Fills the detection; {@code nameAt} is the offset of the encoded name to report, 0 for none. */
    private static Verdict detected(DetectorContext ctx, PacketView p, String service, int nameAt) {
        DetectionBuilder b = ctx.result();
        b.protocol(PROTOCOL);
        b.put(GROUP, "service", service);
        if (nameAt > 0) {
            b.put(GROUP, "name", NetbiosParser.decodeName(p, nameAt));
            int s = NetbiosParser.suffix(p, nameAt);
            b.put(GROUP, "suffix", new String(new char[] {'<', HEX[s >> 4], HEX[s & 15], '>'}));
        }
        return Verdict.DETECTED;
    }
}
