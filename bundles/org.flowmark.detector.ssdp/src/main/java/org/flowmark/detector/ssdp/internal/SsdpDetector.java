/*
 * SSDP (UPnP discovery) detector.
 *
 * References: UPnP Device Architecture 2.0, section 1 (Discovery); multicast 239.255.255.250:1900, ff02::c,
 * ff05::c and unicast search responses.
 */
package org.flowmark.detector.ssdp.internal;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Component;

/**
 * Detects SSDP over UDP only (HTTP over TCP is the HTTP detector's; the two never meet) by payload: the first
 * payload packet must be an M-SEARCH, a NOTIFY or a search response with the headers UDA requires
 * ({@link SsdpParser}), else the flow is EXCLUDED; a valid one is DETECTED at once. The port is never used for the
 * verdict.
 *
 * <p><b>Metadata</b> ({@code protocol "SSDP"}, group {@code "ssdp"}): {@code method} ({@code "M-SEARCH"},
 * {@code "NOTIFY"} or {@code "RESPONSE"}, of the first message), {@code st} (search target), {@code nt} and
 * {@code nts} (NOTIFY's notification type and sub type), {@code usn}, {@code server}, {@code user_agent},
 * {@code location}. Later messages of the flow (within the extra-packet budget: a unicast reply to a search, the
 * next NOTIFY) fill in fields still missing; the first value of each wins.
 *
 * <p>No risk flags. No per-flow state beyond the detection itself.
 */
@Component(service = Detector.class)
@DetectorProperties(name = "ssdp", transport = "udp", ports = {1900}, priority = 35, extraPackets = 4)
public final class SsdpDetector implements Detector {

    static final String PROTOCOL = "SSDP";
    static final String GROUP = "ssdp";
    private static final String[] KEYS = {null, "st", "nt", "nts", "usn", "server", "user_agent", "location"};

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        int kind = SsdpParser.kind(payload);
        if (kind == SsdpParser.INVALID) {
            return Verdict.EXCLUDED;
        }
        DetectionBuilder b = ctx.result();
        b.protocol(PROTOCOL);
        b.put(GROUP, "method", SsdpParser.methodName(kind));
        fill(b, payload);
        return Verdict.DETECTED;
    }

    @Override
    public boolean collect(DetectorContext ctx, PacketView payload) {
        DetectionBuilder b = ctx.result();
        if (SsdpParser.kind(payload) != SsdpParser.INVALID) {
            fill(b, payload);
        }
        return b.get(GROUP, "usn") == null || b.get(GROUP, "server") == null;
    }

    private static void fill(DetectionBuilder b, PacketView p) {
        for (int id = 1; id < KEYS.length; id++) {
            if (b.get(GROUP, KEYS[id]) != null) {
                continue;
            }
            long v = SsdpParser.value(p, id);
            if (v >= 0) {
                int vs = (int) (v >>> 32);
                int ve = (int) v;
                if (ve > vs) {
                    b.put(GROUP, KEYS[id], p.ascii(vs, ve - vs));
                }
            }
        }
    }
}
