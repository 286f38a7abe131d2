/*
 * IPsec detector: IKEv1/ISAKMP, IKEv2, ESP, AH, and their UDP encapsulation.
 *
 * References: RFC 7296 (IKEv2), RFC 2408 (ISAKMP), RFC 2409 (IKEv1), RFC 3947 (NAT-T negotiation in IKE),
 * RFC 3948 (UDP encapsulation of ESP: port 4500, non-ESP marker, NAT-keepalive), RFC 4303 (ESP), RFC 4302 (AH).
 */
package org.flowmark.detector.ipsec.internal;

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
 * Detects IPsec: IKE messages on UDP (any port; behind the non-ESP marker on NAT-T flows), ESP and AH as IP
 * protocols 50 and 51 (flows without ports, transport "other"), and ESP-in-UDP on port 4500.
 *
 * <p><b>Verdicts.</b>
 * <ul>
 * <li>IP protocol 50: DETECTED when the payload has an ESP header (SPI at least 256, non-zero sequence number,
 *     at least 16 bytes), else EXCLUDED; IP protocol 51 likewise with the AH header (length, reserved zero, SPI,
 *     sequence number). Nothing but ESP/AH uses these protocol numbers, so one packet decides. Other non-UDP
 *     flows are EXCLUDED at once.</li>
 * <li>UDP: DETECTED on one IKE message that passes {@link IkeParser#ike} (version, exchange type, reserved flag
 *     bits, length equal to the datagram, SPIs, and the whole payload chain); with the four zero bytes of the
 *     non-ESP marker first, the message is read after them. A NAT-keepalive (one 0xFF byte) on a port-4500 flow
 *     is NEED_MORE. On a flow with port 4500, ESP packets (the capture missed IKE) are followed per direction:
 *     the same SPI and a sequence number growing by 1 to 1024; DETECTED once the consistent runs total
 *     {@code espRun} packets. Any other payload EXCLUDES.</li>
 * </ul>
 *
 * <p><b>Result</b>: protocol {@code IPSec}, category {@code vpn}, group {@code ipsec}: {@code kind}
 * ({@code ike} for IKE messages, also behind the non-ESP marker, {@code nat-t} for ESP-in-UDP, {@code esp},
 * {@code ah}); for IKE {@code ike_version} (Integer 1 or 2), {@code exchange} (e.g. {@code ike_sa_init},
 * {@code main_mode}) and {@code nat_t} (Boolean, the message came behind the non-ESP marker); for ESP and AH
 * {@code spi} (8 hex digits). No risk flags.
 *
 * <p><b>Per-flow state</b>: one bit in the slot (the tolerated malformed datagram), and an {@link EspRunState}
 * for port-4500 flows that start with ESP.
 */
@Component(service = Detector.class, configurationPid = "org.flowmark.detector.ipsec")
@Designate(ocd = IpsecDetector.Config.class)
@DetectorProperties(name = "ipsec", transport = {"udp", "other"}, ports = {500, 4500}, priority = 25)
public final class IpsecDetector implements Detector {

    /** Configuration (PID {@code org.flowmark.detector.ipsec}). */
    @ObjectClassDefinition(name = "Flowmark IPsec detector",
        description = "Detects IKE, ESP, AH and ESP-in-UDP (NAT traversal).")
    @interface Config {
        @AttributeDefinition(name = "ESP-in-UDP run",
            description = "Consistent ESP packets on a port-4500 flow that decide when no IKE message was seen "
                + "(2 to 16).", min = "2", max = "16")
        int espRun() default DEFAULT_ESP_RUN;
    }

    static final int DEFAULT_ESP_RUN = 3;
    static final String PROTOCOL = "IPSec";
    static final String GROUP = "ipsec";
    static final int NAT_T_PORT = 4500;
    static final int IKE_PORT = 500;
    /** Slot bit: the one tolerated non-IKE datagram of an IKE-port flow was seen. */
    static final long SLOT_STRUCK = 1;
    static final int IP_ESP = 50;
    static final int IP_AH = 51;
    static final int IP_UDP = 17;
    /** Largest sequence-number step inside an ESP run. */
    static final long MAX_SEQ_STEP = 1024;

    private final int espRun;

    @Activate
    public IpsecDetector(Config config) {
        this.espRun = Math.max(2, Math.min(16, config.espRun()));
    }

    int espRun() {
        return espRun;
    }

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        FlowView flow = ctx.flow();
        int proto = flow != null ? flow.ipProtocol() : IP_UDP;
        if (proto == IP_ESP) {
            return IkeParser.esp(payload) ? securityProtocol(ctx, payload, "esp", 0) : Verdict.EXCLUDED;
        }
        if (proto == IP_AH) {
            return IkeParser.ah(payload) ? securityProtocol(ctx, payload, "ah", 4) : Verdict.EXCLUDED;
        }
        if (proto != IP_UDP) {
            return Verdict.EXCLUDED;
        }
        int len = payload.length();
        boolean natT = ctx.srcPort() == NAT_T_PORT || ctx.dstPort() == NAT_T_PORT;
        boolean ikePort = natT || ctx.srcPort() == IKE_PORT || ctx.dstPort() == IKE_PORT;
        if (IkeParser.natKeepalive(payload)) {
            return natT ? Verdict.NEED_MORE : Verdict.EXCLUDED;
        }
        if (len < IkeParser.MIN_ESP) {
            return strike(ctx, ikePort);
        }
        if (IkeParser.nonEspMarker(payload)) {
            int r = IkeParser.ike(payload, 4, len);
            return r >= 0 ? ike(ctx, r, true) : strike(ctx, ikePort);
        }
        int r = IkeParser.ike(payload, 0, len);
        if (r >= 0) {
            return ike(ctx, r, false);
        }
        if (natT && IkeParser.esp(payload)) {
            return espInUdp(ctx, payload);
        }
        return strike(ctx, ikePort);
    }

    /**
     * A payload that is neither IKE nor ESP. On the IKE ports (500, 4500) one such datagram per flow is
     * tolerated (a malformed or corrupted message, answered properly by the peer); the second one, or the first
     * on any other port, EXCLUDES.
     */
    private static Verdict strike(DetectorContext ctx, boolean ikePort) {
        if (ikePort && (ctx.slot() & SLOT_STRUCK) == 0) {
            ctx.slot(ctx.slot() | SLOT_STRUCK);
            return Verdict.NEED_MORE;
        }
        return exclude(ctx);
    }

    private Verdict espInUdp(DetectorContext ctx, PacketView p) {
        Object o = ctx.state();
        EspRunState st;
        if (o instanceof EspRunState) {
            st = (EspRunState) o;
        } else {
            st = new EspRunState();
            ctx.state(st);
        }
        int dir = ctx.fromInitiator() ? 0 : 1;
        long spi = p.u32(0);
        long seq = p.u32(4);
        if (st.spi[dir] == spi && seq > st.seq[dir] && seq - st.seq[dir] <= MAX_SEQ_STEP) {
            st.run[dir]++;
        } else {
            st.spi[dir] = spi;
            st.run[dir] = 1;
        }
        st.seq[dir] = seq;
        if (st.run[0] + st.run[1] >= espRun && (st.run[0] > 1 || st.run[1] > 1)) {
            ctx.state(null);
            ctx.result().protocol(PROTOCOL).category("vpn")
                .put(GROUP, "kind", "nat-t")
                .put(GROUP, "spi", hex(spi));
            return Verdict.DETECTED;
        }
        return Verdict.NEED_MORE;
    }

    private static Verdict exclude(DetectorContext ctx) {
        ctx.state(null);
        return Verdict.EXCLUDED;
    }

    private static Verdict ike(DetectorContext ctx, int versionExchange, boolean natT) {
        int version = versionExchange >>> 8;
        ctx.state(null);
        ctx.result().protocol(PROTOCOL).category("vpn")
            .put(GROUP, "kind", "ike")
            .put(GROUP, "ike_version", version)
            .put(GROUP, "exchange", IkeParser.exchangeName(version, versionExchange & 0xff))
            .put(GROUP, "nat_t", natT);
        return Verdict.DETECTED;
    }

    private static Verdict securityProtocol(DetectorContext ctx, PacketView p, String kind, int spiOffset) {
        DetectionBuilder b = ctx.result().protocol(PROTOCOL).category("vpn");
        b.put(GROUP, "kind", kind).put(GROUP, "spi", hex(p.u32(spiOffset)));
        return Verdict.DETECTED;
    }

    private static String hex(long spi) {
        String h = Long.toHexString(spi);
        return "00000000".substring(h.length()) + h;
    }
}
