/*
 * Steam local discovery detector (Steam remote client / In-Home Streaming / Remote Play LAN discovery).
 *
 * References: Valve's "steammessages_remoteclient_discovery.proto" (CMsgRemoteClientBroadcastHeader and the
 * ERemoteClientBroadcastMsg message types), public descriptions of the discovery exchange on UDP port 27036, and
 * the protobuf wire-format specification. See {@link SteamParser} for the datagram layout.
 */
package org.flowmark.detector.steam.internal;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Component;

/**
 * Detects the Steam client's LAN discovery datagrams (UDP, broadcast to port 27036 or answered from it) by
 * structure alone: the first payload packet of a flow must be a valid datagram ({@link SteamParser}: the 8-byte
 * magic, two little-endian lengths that add up to the datagram exactly, and a well-formed protobuf header and body)
 * or the flow is EXCLUDED. A valid one is DETECTED at once: discovery flows are often a single broadcast or a few
 * datagrams in one direction. Port 27036 only puts this detector early in the order; it never decides.
 *
 * <p><b>Result</b>: protocol {@code "Steam"}, application {@code "steam"}, category {@code "game"}; metadata group
 * {@code "steam"}: {@code msg_type} (the header's ERemoteClientBroadcastMsg value, an integer: 0 discovery,
 * 1 status, 2 offline, 3..10 device authorization/streaming/proof requests and responses) and {@code client_id}
 * (the sender's 64-bit client id as 16 lowercase hex digits). No risk flags.
 *
 * <p><b>Cost</b>: the magic test rejects almost every foreign packet after two 32-bit reads; nothing is allocated
 * except the metadata of a detected flow, once. No per-flow state.
 */
@Component(service = Detector.class)
@DetectorProperties(name = "steam", transport = "udp", ports = {27036}, priority = 15)
public final class SteamDetector implements Detector {

    static final String PROTOCOL = "Steam";
    static final String APPLICATION = "steam";
    static final String CATEGORY = "game";
    static final String GROUP = "steam";

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        int msgType = SteamParser.msgType(payload);
        if (msgType == SteamParser.INVALID) {
            return Verdict.EXCLUDED;
        }
        DetectionBuilder b = ctx.result();
        b.protocol(PROTOCOL);
        b.application(APPLICATION);
        b.category(CATEGORY);
        b.put(GROUP, "msg_type", msgType);
        b.put(GROUP, "client_id", hex16(SteamParser.clientId(payload)));
        return Verdict.DETECTED;
    }

    /** 16 lowercase hex digits, zero-padded. */
    static String hex16(long v) {
        char[] c = new char[16];
        for (int i = 15; i >= 0; i--) {
            c[i] = Character.forDigit((int) (v & 0xF), 16);
            v >>>= 4;
        }
        return new String(c);
    }
}
