/*
 * WireGuard detector.
 *
 * References: J. A. Donenfeld, "WireGuard: Next Generation Kernel Network Tunnel" (whitepaper, section 5.4
 * "Messages" and 5.4.2-5.4.6), wireguard.com "Protocol & Cryptography". WireGuard runs on any UDP port (51820 is
 * only the customary default).
 */
package org.flowmark.detector.wireguard.internal;

import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Detects WireGuard on UDP by message shapes ({@link WireGuardParser}) and by indices that must agree across
 * the two directions.
 *
 * <p><b>Verdicts.</b> Every payload of a WireGuard flow is one of the four messages: any other payload EXCLUDES
 * the flow (cheapest test first: length, type byte, three reserved zero bytes). DETECTED when
 * <ul>
 * <li>a handshake response (92 bytes) comes from the other direction than an initiation (148 bytes) seen before
 *     and its receiver index equals that initiation's sender index (evidence {@code handshake});</li>
 * <li>a cookie reply (64 bytes) answers an initiation from the other direction with the initiation's sender
 *     index as its receiver index (evidence {@code cookie});</li>
 * <li>a response was seen without its initiation and a transport message then names one of the response's
 *     indices as receiver from the matching direction (evidence {@code handshake});</li>
 * <li>the capture missed the handshake: transport messages form consistent runs, per direction the same
 *     receiver index with strictly increasing counters (by less than 2^20 per step), of {@code dataRun}
 *     packets in total with both directions present, or {@code dataRun + 2} packets in one direction
 *     (evidence {@code transport}).</li>
 * </ul>
 * Otherwise NEED_MORE.
 *
 * <p><b>Result</b>: protocol {@code WireGuard}, category {@code vpn}, metadata group {@code wireguard} with
 * {@code evidence} ({@code handshake|cookie|transport}). No risk flags.
 *
 * <p><b>Per-flow state</b>: a {@link WireGuardFlowState} allocated once, when the flow's first payload is a
 * well-formed WireGuard message; the detector's fields hold configuration only.
 */
@Component(service = Detector.class, configurationPid = "org.flowmark.detector.wireguard")
@Designate(ocd = WireGuardDetector.Config.class)
@DetectorProperties(name = "wireguard", transport = "udp", ports = {51820}, priority = 20)
public final class WireGuardDetector implements Detector {

    /** Configuration (PID {@code org.flowmark.detector.wireguard}). */
    @ObjectClassDefinition(name = "Flowmark WireGuard detector",
        description = "Detects WireGuard by its handshake or by consistent runs of transport messages.")
    @interface Config {
        @AttributeDefinition(name = "Transport run",
            description = "Consistent transport messages (both directions) needed when the handshake was not "
                + "captured (3 to 16); one direction alone needs two more.", min = "3", max = "16")
        int dataRun() default DEFAULT_DATA_RUN;
    }

    static final int DEFAULT_DATA_RUN = 4;
    static final String PROTOCOL = "WireGuard";
    static final String GROUP = "wireguard";
    /** Largest counter step accepted inside a run: bigger jumps look random, not like a sender's counter. */
    static final long MAX_COUNTER_STEP = 1L << 20;

    private final int dataRun;

    @Activate
    public WireGuardDetector(Config config) {
        this.dataRun = Math.max(3, Math.min(16, config.dataRun()));
    }

    int dataRun() {
        return dataRun;
    }

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        int type = WireGuardParser.messageType(payload);
        if (type == WireGuardParser.NONE) {
            ctx.state(null);
            return Verdict.EXCLUDED;
        }
        WireGuardFlowState st;
        Object o = ctx.state();
        if (o instanceof WireGuardFlowState) {
            st = (WireGuardFlowState) o;
        } else {
            st = new WireGuardFlowState();
            ctx.state(st);
        }
        int dir = ctx.fromInitiator() ? 0 : 1;
        switch (type) {
            case WireGuardParser.INITIATION:
                st.initSender = WireGuardParser.senderIndex(payload);
                st.initDir = dir;
                return Verdict.NEED_MORE;
            case WireGuardParser.RESPONSE: {
                long receiver = WireGuardParser.receiverIndex(payload, type);
                if (st.initSender >= 0 && st.initDir != dir && receiver == st.initSender) {
                    return detected(ctx, "handshake");
                }
                st.respSender = WireGuardParser.senderIndex(payload);
                st.respReceiver = receiver;
                st.respDir = dir;
                return Verdict.NEED_MORE;
            }
            case WireGuardParser.COOKIE_REPLY: {
                long receiver = WireGuardParser.receiverIndex(payload, type);
                if (st.initSender >= 0 && st.initDir != dir && receiver == st.initSender) {
                    return detected(ctx, "cookie");
                }
                return Verdict.NEED_MORE;
            }
            default:
                return transport(ctx, st, payload, dir);
        }
    }

    private Verdict transport(DetectorContext ctx, WireGuardFlowState st, PacketView p, int dir) {
        long receiver = WireGuardParser.receiverIndex(p, WireGuardParser.TRANSPORT);
        long counter = WireGuardParser.counter(p);
        if (st.respSender >= 0) {
            // the initiator's side sends to the responder's sender index, the responder's side to the initiator's
            long expected = dir != st.respDir ? st.respSender : st.respReceiver;
            if (receiver == expected) {
                return detected(ctx, "handshake");
            }
        }
        long last = st.counter[dir];
        if (st.receiver[dir] == receiver && counter > last && counter - last < MAX_COUNTER_STEP) {
            st.run[dir]++;
        } else {
            st.receiver[dir] = receiver;
            st.run[dir] = 1;
        }
        st.counter[dir] = counter;
        int a = st.run[0];
        int b = st.run[1];
        if ((a > 0 && b > 0 && a + b >= dataRun) || a >= dataRun + 2 || b >= dataRun + 2) {
            return detected(ctx, "transport");
        }
        return Verdict.NEED_MORE;
    }

    private static Verdict detected(DetectorContext ctx, String evidence) {
        ctx.result().protocol(PROTOCOL).category("vpn").put(GROUP, "evidence", evidence);
        ctx.state(null);
        return Verdict.DETECTED;
    }
}
