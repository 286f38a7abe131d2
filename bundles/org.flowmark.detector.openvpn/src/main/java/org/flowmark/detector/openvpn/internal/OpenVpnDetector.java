/*
 * OpenVPN detector.
 *
 * References: OpenVPN "doc/doxygen/doc_protocol_overview.h" (opcodes P_CONTROL_HARD_RESET_CLIENT_V1..V3,
 * P_CONTROL_HARD_RESET_SERVER_V1/V2, P_CONTROL_SOFT_RESET_V1, P_CONTROL_V1, P_ACK_V1, P_DATA_V1/V2,
 * P_CONTROL_WKC_V1; key id; session id; tls-auth HMAC + packet id + net time; ACK array with remote session id;
 * message packet id; 16-bit length prefix on TCP) and the tls-crypt / tls-crypt-v2 notes (packet id, net time,
 * 32-byte tag before the encrypted control header).
 */
package org.flowmark.detector.openvpn.internal;

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
 * Detects OpenVPN in TLS mode (plain, tls-auth with any HMAC size, tls-crypt, tls-crypt-v2) over UDP and TCP
 * from its control channel; the port is never used.
 *
 * <p><b>Verdicts.</b> The flow's first payload must be (on TCP: its first length-prefixed record must be) a
 * hard reset with key id 0 that fits at least one header layout of {@link OpenVpnParser#layouts}, else EXCLUDED.
 * Afterwards every control packet of a direction must carry that direction's session id and fit one of the
 * layouts its earlier packets fitted, with, for tls-auth and tls-crypt, the same net time and a replay packet id
 * that grows by 1 to 64; each direction's first control packet must be a hard reset (a client reset on one side,
 * a server reset on the other). Data packets (P_DATA_V1/V2) are accepted without checks once a session has begun.
 * Anything else EXCLUDES. DETECTED when
 * <ul>
 * <li>a control packet echoes the other direction's session id in its ACK block under a layout both directions
 *     fit (the server's answer to the client's hard reset; evidence {@code echo}), or</li>
 * <li>one direction sent {@code controlRun} consistent control packets of one session (a one-sided capture or
 *     tls-crypt, whose ACK block is encrypted; evidence {@code session}).</li>
 * </ul>
 * On TCP, records are followed across segments using sequence numbers (retransmitted segments are skipped; a
 * gap stops the parsing of that direction).
 *
 * <p><b>Not detected</b>: static-key mode (no TLS: only P_DATA_V1 packets with no cleartext structure), and
 * flows whose capture starts after the hard resets.
 *
 * <p><b>Result</b>: protocol {@code OpenVPN}, category {@code vpn}, group {@code openvpn} with {@code transport}
 * ({@code udp|tcp}), {@code evidence} ({@code echo|session}), {@code mode} ({@code tls|tls-auth|tls-crypt|
 * tls-crypt-v2}, when the layout is unambiguous) and {@code hmac_bytes} (Integer, tls-auth only). No risk flags.
 *
 * <p><b>Per-flow state</b>: an {@link OpenVpnFlowState}, allocated once the first payload passed the checks.
 */
@Component(service = Detector.class, configurationPid = "org.flowmark.detector.openvpn")
@Designate(ocd = OpenVpnDetector.Config.class)
@DetectorProperties(name = "openvpn", transport = {"udp", "tcp"}, ports = {1194}, priority = 40)
public final class OpenVpnDetector implements Detector {

    /** Configuration (PID {@code org.flowmark.detector.openvpn}). */
    @ObjectClassDefinition(name = "Flowmark OpenVPN detector",
        description = "Detects OpenVPN by its control channel: hard resets, session ids, ACK echoes.")
    @interface Config {
        @AttributeDefinition(name = "Control run",
            description = "Consistent control packets of one direction that decide without the peer's echo "
                + "(3 to 16).", min = "3", max = "16")
        int controlRun() default DEFAULT_CONTROL_RUN;
    }

    static final int DEFAULT_CONTROL_RUN = 3;
    static final String PROTOCOL = "OpenVPN";
    static final String GROUP = "openvpn";
    /** Smallest control packet: opcode, session id, ACK count, message packet id (plain layout). */
    static final int MIN_CONTROL = 14;
    /** Largest step of a replay packet id between two control packets of one direction. */
    static final long MAX_REPLAY_STEP = 64;

    private static final int REJECT = 0;
    private static final int OK = 1;
    private static final int FOUND = 2;

    private final int controlRun;

    @Activate
    public OpenVpnDetector(Config config) {
        this.controlRun = Math.max(3, Math.min(16, config.controlRun()));
    }

    int controlRun() {
        return controlRun;
    }

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        FlowView flow = ctx.flow();
        boolean tcp = flow != null ? flow.ipProtocol() == 6 : ctx.tcpFlags() != 0;
        Object o = ctx.state();
        OpenVpnFlowState st = o instanceof OpenVpnFlowState ? (OpenVpnFlowState) o : null;
        int len = payload.length();
        if (st == null) {
            // cheapest reject: the flow's first packet (record) is a hard reset with key id 0
            int off = tcp ? 2 : 0;
            if (len < off + MIN_CONTROL || (tcp && payload.u16(0) < MIN_CONTROL)) {
                return Verdict.EXCLUDED;
            }
            int b0 = payload.u8(off);
            if (!OpenVpnParser.isHardReset(OpenVpnParser.opcode(b0)) || OpenVpnParser.keyId(b0) != 0) {
                return Verdict.EXCLUDED;
            }
            st = new OpenVpnFlowState();
            ctx.state(st);
        }
        int dir = ctx.fromInitiator() ? 0 : 1;
        int r = tcp ? stream(ctx, st, payload, dir) : packet(ctx, st, payload, 0, len, dir, "udp");
        if (r == REJECT) {
            ctx.state(null);
            return Verdict.EXCLUDED;
        }
        if (r == FOUND) {
            ctx.state(null);
            return Verdict.DETECTED;
        }
        return Verdict.NEED_MORE;
    }

    /** Splits a TCP segment into length-prefixed records and checks each complete one. */
    private int stream(DetectorContext ctx, OpenVpnFlowState st, PacketView p, int dir) {
        int len = p.length();
        long seq = ctx.tcpSeq() & 0xffffffffL;
        long next = st.nextSeq[dir];
        if (seq != 0 && next >= 0) {
            int diff = (int) (seq - next);
            if (diff < 0 && diff + len <= 0) {
                return OK; // a retransmission of bytes already seen
            }
            if (diff != 0) {
                st.lost[dir] = true; // a gap or a partial overlap: record boundaries are lost
            }
        }
        st.nextSeq[dir] = seq == 0 ? -1 : (seq + len) & 0xffffffffL;
        if (st.lost[dir]) {
            return OK;
        }
        int pos = st.skip[dir];
        if (pos >= len) {
            st.skip[dir] = pos - len;
            return OK;
        }
        st.skip[dir] = 0;
        while (pos < len) {
            if (pos + 2 > len) {
                st.lost[dir] = true; // the length prefix itself is split: give up on this direction
                return OK;
            }
            int rl = p.u16(pos);
            if (rl == 0) {
                return REJECT;
            }
            if (pos + 2 + rl > len) {
                st.skip[dir] = pos + 2 + rl - len; // the record continues in the next segment(s)
                return OK;
            }
            int r = packet(ctx, st, p, pos + 2, rl, dir, "tcp");
            if (r != OK) {
                return r;
            }
            pos += 2 + rl;
        }
        return OK;
    }

    /** Checks one OpenVPN packet {@code p[o, o + n)} travelling in direction {@code dir}. */
    private int packet(DetectorContext ctx, OpenVpnFlowState st, PacketView p, int o, int n, int dir,
            String transport) {
        int b0 = p.u8(o);
        int op = OpenVpnParser.opcode(b0);
        if (OpenVpnParser.isData(op)) {
            return (st.layouts[0] | st.layouts[1]) != 0 && n >= 5 ? OK : REJECT;
        }
        if (!OpenVpnParser.isControl(op) || n < MIN_CONTROL) {
            return REJECT;
        }
        boolean hardReset = OpenVpnParser.isHardReset(op);
        if (hardReset && OpenVpnParser.keyId(b0) != 0) {
            return REJECT;
        }
        long session = p.i64(o + 1);
        if (session == 0) {
            return REJECT;
        }
        int mask = OpenVpnParser.layouts(p, o, n, op);
        if (mask == 0) {
            return REJECT;
        }
        int other = 1 - dir;
        if (st.layouts[dir] == 0 || (hardReset && session != st.session[dir])) {
            if (!hardReset) {
                return REJECT; // a direction's session starts with its hard reset
            }
            int kind = OpenVpnParser.isClientReset(op) ? 1 : 2;
            if (st.resetKind[other] == kind) {
                return REJECT; // both sides claim to be the client (or the server)
            }
            st.session[dir] = session;
            st.resetKind[dir] = kind;
            st.count[dir] = 1;
            for (int l = 0; l < OpenVpnParser.LAYOUTS; l++) {
                if ((mask & (1 << l)) != 0 && l != OpenVpnParser.PLAIN) {
                    st.replay[dir * OpenVpnParser.LAYOUTS + l] = replay(p, o, l);
                }
            }
        } else {
            if (session != st.session[dir]) {
                return REJECT;
            }
            mask &= st.layouts[dir];
            for (int l = 0; l < OpenVpnParser.LAYOUTS; l++) {
                if ((mask & (1 << l)) == 0 || l == OpenVpnParser.PLAIN) {
                    continue;
                }
                int i = dir * OpenVpnParser.LAYOUTS + l;
                long now = replay(p, o, l);
                long step = (now >>> 32) - (st.replay[i] >>> 32);
                if ((int) now != (int) st.replay[i] || step <= 0 || step > MAX_REPLAY_STEP) {
                    mask &= ~(1 << l);
                } else {
                    st.replay[i] = now;
                }
            }
            if (mask == 0) {
                return REJECT;
            }
            st.count[dir]++;
        }
        st.layouts[dir] = mask;
        if (op == OpenVpnParser.P_CONTROL_HARD_RESET_CLIENT_V3) {
            st.cryptV2 = true;
        }
        // the peer's answer: our ACK block names the other direction's session
        int both = mask & st.layouts[other];
        if (both != 0 && st.resetKind[other] != 0) {
            for (int l = 0; l < OpenVpnParser.TLS_CRYPT; l++) {
                if ((both & (1 << l)) != 0 && OpenVpnParser.echoedSession(p, o, n, l) == st.session[other]) {
                    report(ctx, st, 1 << l, transport, "echo");
                    return FOUND;
                }
            }
        }
        if (st.count[dir] >= controlRun) {
            report(ctx, st, mask, transport, "session");
            return FOUND;
        }
        return OK;
    }

    private static long replay(PacketView p, int o, int layout) {
        int r = OpenVpnParser.replayOffset(layout);
        return (p.u32(o + r) << 32) | p.u32(o + r + 4);
    }

    private static void report(DetectorContext ctx, OpenVpnFlowState st, int mask, String transport,
            String evidence) {
        ctx.result().protocol(PROTOCOL).category("vpn")
            .put(GROUP, "transport", transport)
            .put(GROUP, "evidence", evidence);
        if (Integer.bitCount(mask) == 1) {
            int layout = Integer.numberOfTrailingZeros(mask);
            String mode = OpenVpnParser.mode(layout);
            ctx.result().put(GROUP, "mode", layout == OpenVpnParser.TLS_CRYPT && st.cryptV2 ? "tls-crypt-v2" : mode);
            if (OpenVpnParser.hmacBytes(layout) > 0) {
                ctx.result().put(GROUP, "hmac_bytes", OpenVpnParser.hmacBytes(layout));
            }
        }
    }
}
