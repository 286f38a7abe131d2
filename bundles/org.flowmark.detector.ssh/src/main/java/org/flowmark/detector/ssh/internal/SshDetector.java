/*
 * SSH detector.
 *
 * References: RFC 4253 (identification string, binary packet protocol, SSH_MSG_KEXINIT and algorithm
 * negotiation), RFC 4251 (name-lists), RFC 9142 / RFC 8758 / RFC 8332 (weak and deprecated algorithms); HASSH
 * (Salesforce: MD5 of the client's "kex;enc;mac;cmp" lists, HASSH-server of the server's).
 */
package org.flowmark.detector.ssh.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.flowmark.api.detector.DetectionBuilder;
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
 * Detects SSH (protocol {@code SSH}) on TCP by its identification line from either side; the port is never used.
 *
 * <p><b>Verdicts.</b> A side's first bytes must be {@code "SSH-"} + a 1.x or 2.x protocol version + '-' + a
 * non-empty software version, ending in LF within 255 bytes ({@link SshParser#line}); the server may send up to 8
 * other lines first (RFC 4253 section 4.2). A line cut by a segment boundary is buffered (at most 255 bytes).
 * DETECTED as soon as one side's line is complete; a side whose first data cannot start such a line, before any
 * line was seen, EXCLUDES the flow.
 *
 * <p><b>KEXINIT</b>. The binary packet that follows each side's line (in the same segment or later ones) is
 * reassembled up to {@code maxKexinitBytes} ({@link #collect} receives up to 16 more packets), parsed, and gives:
 * the algorithm lists, HASSH (client) and HASSH-server (server) fingerprints, and, once both sides are known,
 * the negotiated algorithms (RFC 4253 section 7.1). TCP retransmissions are dropped by sequence number; a gap
 * abandons that side.
 *
 * <p><b>Metadata</b> (group {@code ssh}): {@code client}, {@code server} (software version and comments of each
 * identification line), {@code client_version}/{@code server_version} (protocol version, "2.0" or "1.99"),
 * {@code hassh}, {@code hassh_server}, {@code client_kex_algorithms}, {@code client_ciphers},
 * {@code client_macs}, {@code server_kex_algorithms}, {@code server_host_key_algorithms},
 * {@code server_ciphers}, {@code server_macs}, and the negotiated {@code kex}, {@code host_key},
 * {@code cipher} (client to server), {@code mac} (client to server; absent for AEAD ciphers).
 *
 * <p><b>Risks</b>: {@code ssh_weak_algorithms} when the algorithms the two KEXINITs negotiate include a weak one
 * ({@link SshParser#weak}: 1024-bit or SHA-1 key exchange such as diffie-hellman-group1-sha1,
 * diffie-hellman-group14-sha1 and diffie-hellman-group-exchange-sha1; ssh-dss and ssh-rsa host keys; CBC, RC4,
 * DES and none ciphers; hmac-md5*, hmac-sha1-96*, hmac-ripemd160*, umac-32 and none MACs), or, when only one
 * side's KEXINIT could be read, when that side offers nothing but weak algorithms in a category (so any
 * negotiation is weak). {@code ssh_obsolete_version} for protocol version 1.x other than 1.99.
 */
@Component(service = Detector.class, configurationPid = "org.flowmark.detector.ssh")
@Designate(ocd = SshDetector.Config.class)
@DetectorProperties(name = "ssh", transport = "tcp", ports = {22, 2222}, priority = 12, extraPackets = 16)
public final class SshDetector implements Detector {

    /** Configuration (PID {@code org.flowmark.detector.ssh}). */
    @ObjectClassDefinition(name = "Flowmark SSH detector",
        description = "Detects SSH by its identification lines and fingerprints its key exchange (HASSH).")
    @interface Config {
        @AttributeDefinition(name = "Maximum KEXINIT bytes",
            description = "Bound on the reassembly of each side's KEXINIT packet (1024 to 65536).",
            min = "1024", max = "65536")
        int maxKexinitBytes() default DEFAULT_MAX_KEXINIT;
    }

    static final int DEFAULT_MAX_KEXINIT = 8192;
    static final String PROTOCOL = "SSH";
    static final String GROUP = "ssh";
    static final String RISK_WEAK = "ssh_weak_algorithms";
    static final String RISK_OBSOLETE = "ssh_obsolete_version";
    private static final int MAX_SKIPPED_LINES = 8;

    /** Result of feeding one packet. */
    private static final int R_NONE = 0;
    private static final int R_LINE = 1;
    private static final int R_NOT_SSH = 2;

    private final int cap;

    @Activate
    public SshDetector(Config config) {
        this.cap = Math.max(1024, Math.min(65536, config.maxKexinitBytes()));
    }

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView p) {
        int len = p.length();
        Object o = ctx.state();
        SshFlowState st = o instanceof SshFlowState ? (SshFlowState) o : null;
        if (st == null) {
            int c = p.u8(0);
            // cheapest reject: an identification line starts with 'S'; only a server may send other lines first
            if (c != 'S' && ctx.fromInitiator()) {
                return Verdict.EXCLUDED;
            }
            if (c != 'S' && p.indexOf(0, Math.min(len, 1024), '\n') < 0) {
                return Verdict.EXCLUDED;
            }
            st = new SshFlowState();
            ctx.state(st);
        }
        int r = feed(ctx, st, p);
        if (r == R_NOT_SSH) {
            ctx.state(null);
            return Verdict.EXCLUDED;
        }
        if (ctx.result().protocol() != null && PROTOCOL.equals(ctx.result().protocol())) {
            return Verdict.DETECTED;
        }
        return Verdict.NEED_MORE;
    }

    @Override
    public boolean collect(DetectorContext ctx, PacketView p) {
        Object o = ctx.state();
        if (!(o instanceof SshFlowState)) {
            return false;
        }
        SshFlowState st = (SshFlowState) o;
        feed(ctx, st, p);
        boolean more = st.client.phase != SshFlowState.DONE || st.server.phase != SshFlowState.DONE;
        if (!more) {
            ctx.state(null);
        }
        return more;
    }

    /** Feeds one packet to its side; returns R_LINE when a line was recognised, R_NOT_SSH when the side is not SSH. */
    private int feed(DetectorContext ctx, SshFlowState st, PacketView p) {
        boolean client = ctx.fromInitiator();
        SshFlowState.Side side = st.side(client);
        int len = p.length();
        int pos = 0;
        long seq = ctx.tcpSeq() & 0xffffffffL;
        if (seq != 0 && side.nextSeq >= 0) {
            int diff = (int) (seq - side.nextSeq);
            if (diff > 0) {
                abandon(ctx, st, side);
                return R_NONE;
            }
            if (-diff >= len) {
                return R_NONE; // retransmission
            }
            pos = -diff;
        }
        if (seq != 0) {
            side.nextSeq = (seq + len) & 0xffffffffL;
        }
        int result = R_NONE;
        while (pos < len && side.phase != SshFlowState.DONE) {
            if (side.phase == SshFlowState.WANT_LINE) {
                int r = lineStep(ctx, st, side, client, p, pos, len);
                if (r == SshParser.NOT_SSH) {
                    return ctx.result().protocol() == null ? R_NOT_SSH : R_NONE;
                }
                if (r < 0) {
                    return result;
                }
                if (side.phase == SshFlowState.WANT_KEXINIT) {
                    result = R_LINE;
                }
                pos = r;
            } else {
                pos = kexStep(ctx, st, side, client, p, pos, len);
            }
        }
        return result;
    }

    /** One step in the line phase; returns the next position, INCOMPLETE (all consumed) or NOT_SSH. */
    private int lineStep(DetectorContext ctx, SshFlowState st, SshFlowState.Side side, boolean client, PacketView p,
                         int pos, int len) {
        PacketView v = p;
        int off = pos;
        int end = len;
        int consumedUpTo;
        if (side.used > 0) {
            int lf = p.indexOf(pos, len, '\n');
            int take = Math.min((lf < 0 ? len : lf + 1) - pos, SshParser.MAX_LINE + 1 - side.used);
            p.copyTo(pos, side.buf, side.used, take);
            side.used += take;
            v = st.view.wrap(side.buf, 0, side.used);
            off = 0;
            end = side.used;
            consumedUpTo = pos + take;
        } else {
            consumedUpTo = len;
        }
        int r = SshParser.line(v, off, end);
        if (r == SshParser.INCOMPLETE) {
            if (side.used == 0) {
                if (side.buf == null) {
                    side.buf = new byte[Math.max(cap, SshParser.MAX_LINE + 1)];
                }
                p.copyTo(pos, side.buf, 0, len - pos);
                side.used = len - pos;
            } else if (side.used > SshParser.MAX_LINE) {
                return SshParser.NOT_SSH;
            }
            return SshParser.INCOMPLETE;
        }
        if (r == SshParser.NOT_SSH) {
            boolean buffered = side.used > 0;
            side.used = 0;
            // RFC 4253 4.2: the server may send other lines before its identification
            if (!client && side.skippedLines < MAX_SKIPPED_LINES && !startsLikeSsh(v, off, end)) {
                int lf = v.indexOf(off, end, '\n');
                if (lf >= 0) {
                    side.skippedLines++;
                    return buffered ? consumedUpTo : lf + 1;
                }
            }
            return SshParser.NOT_SSH;
        }
        identification(ctx, v, off, r, client);
        side.phase = SshFlowState.WANT_KEXINIT;
        if (side.used > 0) {
            side.used = 0;
            return consumedUpTo;
        }
        return r;
    }

    private static boolean startsLikeSsh(PacketView v, int off, int end) {
        return end - off >= 4 && v.u8(off) == 'S' && v.u8(off + 1) == 'S' && v.u8(off + 2) == 'H'
            && v.u8(off + 3) == '-';
    }

    private void identification(DetectorContext ctx, PacketView v, int off, int lineEnd, boolean client) {
        DetectionBuilder b = ctx.result();
        b.protocol(PROTOCOL);
        String proto = SshParser.protoVersion(v, off);
        int swStart = off + 4 + proto.length() + 1;
        String text = SshParser.identification(v, swStart, lineEnd);
        b.put(GROUP, client ? "client" : "server", text);
        b.put(GROUP, client ? "client_version" : "server_version", proto);
        if (proto.startsWith("1.") && !"1.99".equals(proto)) {
            b.risk(RISK_OBSOLETE);
        }
    }

    /** One step in the KEXINIT phase; returns the next position in {@code p}. */
    private int kexStep(DetectorContext ctx, SshFlowState st, SshFlowState.Side side, boolean client, PacketView p,
                        int pos, int len) {
        if (side.used == 0 && len - pos >= 6) {
            int size = SshParser.packetSize(p, pos, cap);
            if (size < 0) {
                abandon(ctx, st, side);
                return len;
            }
            if (size <= len - pos) {
                kexinit(ctx, st, side, client, p, pos, size);
                return pos + size;
            }
        }
        // buffer: the packet is cut by a segment boundary
        if (side.buf == null || side.buf.length < cap) {
            byte[] nb = new byte[cap];
            if (side.buf != null && side.used > 0) {
                System.arraycopy(side.buf, 0, nb, 0, side.used);
            }
            side.buf = nb;
        }
        if (side.need == 0 && side.used + len - pos >= 6) {
            // enough for the header: learn the size
            int take = 6 - side.used;
            if (take > 0) {
                p.copyTo(pos, side.buf, side.used, take);
                side.used += take;
                pos += take;
            }
            int size = SshParser.packetSize(st.view.wrap(side.buf, 0, side.used), 0, cap);
            if (size < 0) {
                abandon(ctx, st, side);
                return len;
            }
            side.need = size;
        }
        int want = side.need > 0 ? side.need - side.used : 6 - side.used;
        int take = Math.min(want, len - pos);
        p.copyTo(pos, side.buf, side.used, take);
        side.used += take;
        pos += take;
        if (side.need > 0 && side.used >= side.need) {
            kexinit(ctx, st, side, client, st.view.wrap(side.buf, 0, side.used), 0, side.need);
            side.used = 0;
            side.need = 0;
        }
        return pos;
    }

    private void kexinit(DetectorContext ctx, SshFlowState st, SshFlowState.Side side, boolean client, PacketView v,
                         int off, int size) {
        side.phase = SshFlowState.DONE;
        side.buf = null;
        String[] lists = new String[SshParser.LISTS];
        if (!SshParser.kexinit(v, off, size, lists)) {
            evaluateOneSided(ctx, st);
            return;
        }
        DetectionBuilder b = ctx.result();
        if (client) {
            st.clientLists = lists;
            b.put(GROUP, "hassh", md5(SshParser.hasshInput(lists, true)));
            b.put(GROUP, "client_kex_algorithms", lists[SshParser.KEX]);
            b.put(GROUP, "client_ciphers", lists[SshParser.ENC_C2S]);
            b.put(GROUP, "client_macs", lists[SshParser.MAC_C2S]);
        } else {
            st.serverLists = lists;
            b.put(GROUP, "hassh_server", md5(SshParser.hasshInput(lists, false)));
            b.put(GROUP, "server_kex_algorithms", lists[SshParser.KEX]);
            b.put(GROUP, "server_host_key_algorithms", lists[SshParser.HOST_KEY]);
            b.put(GROUP, "server_ciphers", lists[SshParser.ENC_S2C]);
            b.put(GROUP, "server_macs", lists[SshParser.MAC_S2C]);
        }
        if (st.clientLists != null && st.serverLists != null) {
            negotiated(ctx, st.clientLists, st.serverLists);
        } else {
            evaluateOneSided(ctx, st);
        }
    }

    private static void negotiated(DetectorContext ctx, String[] c, String[] s) {
        DetectionBuilder b = ctx.result();
        String kex = SshParser.negotiate(c[SshParser.KEX], s[SshParser.KEX]);
        String hostKey = SshParser.negotiate(c[SshParser.HOST_KEY], s[SshParser.HOST_KEY]);
        String encC = SshParser.negotiate(c[SshParser.ENC_C2S], s[SshParser.ENC_C2S]);
        String encS = SshParser.negotiate(c[SshParser.ENC_S2C], s[SshParser.ENC_S2C]);
        boolean aead = encC != null && (encC.contains("gcm") || encC.startsWith("chacha20-poly1305"));
        String macC = aead ? null : SshParser.negotiate(c[SshParser.MAC_C2S], s[SshParser.MAC_C2S]);
        boolean aeadS = encS != null && (encS.contains("gcm") || encS.startsWith("chacha20-poly1305"));
        String macS = aeadS ? null : SshParser.negotiate(c[SshParser.MAC_S2C], s[SshParser.MAC_S2C]);
        putIf(b, "kex", kex);
        putIf(b, "host_key", hostKey);
        putIf(b, "cipher", encC);
        putIf(b, "mac", macC);
        if (SshParser.weak(kex) || SshParser.weak(hostKey) || SshParser.weak(encC) || SshParser.weak(encS)
            || SshParser.weak(macC) || SshParser.weak(macS)) {
            b.risk(RISK_WEAK);
        }
    }

    /**
     * When one side's KEXINIT is known and the other's cannot be any more (abandoned or malformed): weak if the
     * known side offers nothing but weak algorithms in some category.
     */
    private static void evaluateOneSided(DetectorContext ctx, SshFlowState st) {
        String[] known;
        if (st.clientLists != null && st.serverLists == null && st.server.phase == SshFlowState.DONE) {
            known = st.clientLists;
        } else if (st.serverLists != null && st.clientLists == null && st.client.phase == SshFlowState.DONE) {
            known = st.serverLists;
        } else {
            return;
        }
        int[] categories = {SshParser.KEX, SshParser.HOST_KEY, SshParser.ENC_C2S, SshParser.ENC_S2C};
        for (int k : categories) {
            if (allWeak(known[k])) {
                ctx.result().risk(RISK_WEAK);
                return;
            }
        }
    }

    private static boolean allWeak(String list) {
        for (String a : list.split(",")) {
            if (!SshParser.weak(a) && !a.startsWith("ext-info-") && !a.startsWith("kex-strict-")) {
                return false;
            }
        }
        return true;
    }

    private static void putIf(DetectionBuilder b, String key, String value) {
        if (value != null) {
            b.put(GROUP, key, value);
        }
    }

    private static void abandon(DetectorContext ctx, SshFlowState st, SshFlowState.Side side) {
        side.phase = SshFlowState.DONE;
        side.used = 0;
        side.buf = null;
        evaluateOneSided(ctx, st);
    }

    /** Lowercase hex MD5 of {@code s} (HASSH); once per flow and side. */
    static String md5(String s) {
        try {
            byte[] d = MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.US_ASCII));
            StringBuilder sb = new StringBuilder(32);
            for (byte x : d) {
                sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is a mandatory JCA algorithm", e);
        }
    }
}
