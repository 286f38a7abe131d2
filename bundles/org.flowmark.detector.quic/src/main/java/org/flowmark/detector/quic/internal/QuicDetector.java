/*
 * QUIC detector: IETF QUIC v1 (RFC 9000, RFC 9001), v2 (RFC 9369), drafts 22-34, Facebook mvfst, and Google QUIC
 * (Q024-Q043 public header, Q046, Q050, T050, T051).
 *
 * References: RFC 8999 (version-independent properties), RFC 9000 sections 12.4 and 19 (frames: PADDING 0x00,
 * PING 0x01, ACK 0x02/0x03, CRYPTO 0x06, CONNECTION_CLOSE 0x1c/0x1d), 17.2 (long header), RFC 9001 section 5
 * (Initial protection, see QuicCrypto) and Appendix A (test vectors), RFC 9369, the gQUIC wire layout
 * (Chromium quic_framer: public header flags 0x01 version, 0x08 8-byte connection ID, 0x30 packet-number length;
 * STREAM frame on stream 1 carrying the CHLO; gQUIC CRYPTO frame 0x08 in Q050/T05x).
 */
package org.flowmark.detector.quic.internal;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Detects QUIC on UDP from the first packet of a flow, then completes its metadata from the client's Initial
 * packets in {@link #collect}.
 *
 * <p><b>Verdicts.</b> The cheapest rejects come first: a long header needs the high bit and the fixed bit, a
 * version from the known list (v1, v2, drafts 22-34, mvfst, Q046/Q050/T050/T051; 0 is version negotiation whose
 * list must name a known version), connection IDs of at most 20 bytes and a Length field that fits in the
 * datagram. A gQUIC public header (high bit clear) needs the version flag and {@code Q0nn} (nn 24..45), or,
 * without version, a structurally valid clear-text CHLO/REJ/SHLO tag message right after the header. Anything
 * else is EXCLUDED at once (short-header-only flows are not claimed here: a single 1-RTT packet carries nothing
 * that tells it from random bytes; {@link QuicShortHeaderDetector} judges them over several datagrams, after the
 * other UDP detectors). A packet that passes is DETECTED right away: a valid long header with an exact known version
 * is strongly QUIC even when its protection cannot be removed.
 *
 * <p><b>Client Initial decryption.</b> Keys are derived once per flow, version and DCID (re-derived after a
 * Retry changes the DCID), AEAD-verified with javax.crypto. A client Initial that does not decrypt (corruption,
 * a salt we do not know) still counts as QUIC ("QUIC without SNI") with {@code quic.decryption_failed = true}; the
 * next client Initials are tried in {@link #collect}. CRYPTO frames are reassembled across Initial packets and
 * out of order into a per-flow buffer of {@code maxCryptoBytes}; once the ClientHello (handshake header length
 * satisfied) or the gQUIC CHLO is complete it is parsed and collection ends.
 *
 * <p><b>Metadata</b> ({@code protocol "QUIC"}, host name = SNI): group {@code quic} {@code version} ("V-1",
 * "Draft-29", "Q046", ...), {@code sni}, {@code alpn} (comma-separated, as offered), {@code user_agent} (transport
 * parameter google_user_agent 0x3129, or gQUIC UAID), {@code ja4} (FoxIO JA4 with the {@code q} prefix),
 * {@code supported_versions}, {@code gquic_versions} (CHLO VER), {@code decryption_failed},
 * {@code version_negotiation}; group {@code ssl} {@code client_sni}, {@code client_ja4} (as the TLS detector).
 *
 * <p><b>Per-flow state</b>: flags in the slot, keys and reassembly in {@link QuicFlowState} (allocated only for
 * flows with a client Initial). Cipher and Mac instances are per thread ({@link QuicCrypto}).
 */
@Component(service = Detector.class, configurationPid = "org.flowmark.detector.quic")
@Designate(ocd = QuicDetector.Config.class)
@DetectorProperties(name = "quic", transport = "udp", ports = {443, 784, 853, 4433, 4443, 8443}, priority = 20,
    extraPackets = 12)
public final class QuicDetector implements Detector {

    /** Configuration (PID {@code org.flowmark.detector.quic}). */
    @ObjectClassDefinition(name = "Flowmark QUIC detector",
        description = "Detects IETF and Google QUIC and decrypts client Initial packets for SNI, ALPN and JA4.")
    @interface Config {
        @AttributeDefinition(name = "Maximum CRYPTO bytes",
            description = "Bound on the per-flow reassembly of the client's CRYPTO stream (1024 to 65536).",
            min = "1024", max = "65536")
        int maxCryptoBytes() default DEFAULT_CRYPTO_BYTES;
    }

    static final int DEFAULT_CRYPTO_BYTES = 8192;
    static final int MIN_CRYPTO_BYTES = 1024;
    static final int MAX_CRYPTO_BYTES = 65536;
    static final String PROTOCOL = "QUIC";
    static final String GROUP = "quic";
    static final String SSL = "ssl";
    /** Bytes after a gQUIC header in which the clear-text handshake message must start (frames, hash). */
    static final int GQUIC_SEARCH = 64;
    /** Coalesced packets looked at per datagram. */
    static final int MAX_COALESCED = 4;

    // slot flags
    static final long F_DETECTED = 1L;
    /** The handshake message was parsed (or can no longer be): nothing more to collect. */
    static final long F_DONE = 1L << 1;
    static final long F_DECRYPT_FAILED = 1L << 2;
    static final long F_DECRYPTED = 1L << 3;

    private final int cap;

    @Activate
    public QuicDetector(Config config) {
        this.cap = Math.max(MIN_CRYPTO_BYTES, Math.min(MAX_CRYPTO_BYTES, config.maxCryptoBytes()));
    }

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView p) {
        int len = p.length();
        if (len < 9) {
            return Verdict.EXCLUDED;
        }
        int b0 = p.u8(0);
        if ((b0 & 0x80) != 0) {
            return longHeader(ctx, p) ? Verdict.DETECTED : excluded(ctx);
        }
        return gquicPublic(ctx, p) ? Verdict.DETECTED : excluded(ctx);
    }

    private static Verdict excluded(DetectorContext ctx) {
        ctx.state(null);
        return Verdict.EXCLUDED;
    }

    @Override
    public boolean collect(DetectorContext ctx, PacketView p) {
        if ((ctx.slot() & F_DONE) != 0) {
            return false;
        }
        if (ctx.fromInitiator() && p.length() >= 9 && (p.u8(0) & 0xc0) == 0xc0) {
            LongHeader h = QuicCrypto.get().header;
            int r = h.parse(p, 0);
            if (r == LongHeader.R_INITIAL && h.family != QuicVersions.GQUIC_Q046) {
                clientInitials(ctx, p, h);
            }
        }
        boolean more = (ctx.slot() & F_DONE) == 0;
        if (!more) {
            ctx.state(null);
        }
        return more;
    }

    // ------------------------------------------------------------------ IETF-style long headers

    private boolean longHeader(DetectorContext ctx, PacketView p) {
        LongHeader h = QuicCrypto.get().header;
        int r = h.parse(p, 0);
        switch (r) {
            case LongHeader.R_INVALID:
                return false;
            case LongHeader.R_VERSION_NEGOTIATION:
                if (ctx.fromInitiator()) {
                    return false; // only servers send version negotiation
                }
                detected(ctx, QuicVersions.name(p.u32(h.pnOffset)));
                ctx.result().put(GROUP, "version_negotiation", Boolean.TRUE);
                done(ctx);
                return true;
            case LongHeader.R_Q046:
                detected(ctx, QuicVersions.name(h.version));
                gquicMessage(ctx, p, h.pnOffset + (h.b0 & 3) + 1);
                done(ctx);
                return true;
            case LongHeader.R_RETRY:
                if (ctx.fromInitiator()) {
                    return false; // only servers send Retry
                }
                detected(ctx, QuicVersions.name(h.version));
                return true;
            case LongHeader.R_OTHER:
                detected(ctx, QuicVersions.name(h.version));
                return true;
            case LongHeader.R_INITIAL:
                detected(ctx, QuicVersions.name(h.version));
                if (ctx.fromInitiator()) {
                    clientInitials(ctx, p, h);
                }
                return true;
            default:
                return false;
        }
    }

    private static void detected(DetectorContext ctx, String version) {
        DetectionBuilder b = ctx.result();
        b.protocol(PROTOCOL);
        if (b.get(GROUP, "version") == null) {
            b.put(GROUP, "version", version);
        }
        ctx.slot(ctx.slot() | F_DETECTED);
    }

    private static void done(DetectorContext ctx) {
        ctx.slot(ctx.slot() | F_DONE);
        ctx.state(null);
    }

    /** Decrypts the client Initial at {@code h} and any Initials coalesced after it, feeding their CRYPTO frames. */
    private void clientInitials(DetectorContext ctx, PacketView p, LongHeader h) {
        QuicCrypto c = QuicCrypto.get();
        for (int k = 0; k < MAX_COALESCED && (ctx.slot() & F_DONE) == 0; k++) {
            if (h.family == QuicVersions.GQUIC_Q046) {
                return;
            }
            QuicFlowState st = state(ctx);
            if (!st.keys.matches(h.version, p, h.dcidOff, h.dcidLen)) {
                byte[] salt = QuicVersions.salt(h.version);
                if (salt == null) {
                    return;
                }
                try {
                    c.derive(h.version, salt, p, h.dcidOff, h.dcidLen, false, st.keys);
                } catch (java.security.GeneralSecurityException e) {
                    return;
                }
            }
            int n = c.decrypt(p, h.start, h.pnOffset, h.end, st.keys);
            if (n < 0) {
                st.failures++;
                if ((ctx.slot() & F_DECRYPTED) == 0) {
                    ctx.slot(ctx.slot() | F_DECRYPT_FAILED);
                    ctx.result().put(GROUP, "decryption_failed", Boolean.TRUE);
                }
                if (st.failures >= 4) {
                    done(ctx); // keep trying a few packets, then give up
                    return;
                }
            } else {
                st.decrypted++;
                if ((ctx.slot() & F_DECRYPT_FAILED) != 0) {
                    ctx.result().put(GROUP, "decryption_failed", Boolean.FALSE);
                }
                ctx.slot((ctx.slot() | F_DECRYPTED) & ~F_DECRYPT_FAILED);
                frames(ctx, st, c.plain, c.plainView.wrap(c.plain, 0, n), h.family);
            }
            // next coalesced packet, if it is another Initial
            int next = h.end;
            if (next >= p.length() - 7 || (p.u8(next) & 0xc0) != 0xc0) {
                return;
            }
            long v = h.version;
            if (h.parse(p, next) != LongHeader.R_INITIAL || h.version != v) {
                return;
            }
        }
    }

    private QuicFlowState state(DetectorContext ctx) {
        Object o = ctx.state();
        if (o instanceof QuicFlowState) {
            return (QuicFlowState) o;
        }
        QuicFlowState st = new QuicFlowState(cap);
        ctx.state(st);
        return st;
    }

    /**
     * Walks the frames of a decrypted Initial payload: PADDING, PING, ACK and CONNECTION_CLOSE are skipped, CRYPTO
     * data goes to the reassembly buffer. gQUIC (Q050, T05x) uses its own frame numbers: CRYPTO is 0x08. An
     * unknown frame ends the walk (what came before is kept).
     */
    private void frames(DetectorContext ctx, QuicFlowState st, byte[] buf, ByteArrayPacketView v, int family) {
        boolean gquic = family == QuicVersions.GQUIC_Q050 || family == QuicVersions.GQUIC_TLS;
        int n = v.length();
        int i = 0;
        while (i < n) {
            int t = v.u8(i);
            if (t == 0x00 || t == 0x01) {
                i++;
                continue;
            }
            if ((!gquic && t == 0x06) || (gquic && t == 0x08)) {
                i++;
                long off = Varint.readBounded(v, i, n);
                if (off < 0) {
                    break;
                }
                i += Varint.size(v.u8(i));
                long l = Varint.readBounded(v, i, n);
                if (l < 0) {
                    break;
                }
                i += Varint.size(v.u8(i));
                if (l > n - i) {
                    break;
                }
                st.add(off, buf, i, (int) l);
                i += (int) l;
                continue;
            }
            if (!gquic && (t == 0x02 || t == 0x03)) {
                i = skipAck(v, i + 1, n, t == 0x03);
                if (i < 0) {
                    break;
                }
                continue;
            }
            if (!gquic && (t == 0x1c || t == 0x1d)) {
                i = connectionClose(ctx, v, i + 1, n, t == 0x1c);
                if (i < 0) {
                    break;
                }
                continue;
            }
            break;
        }
        handshakeMessage(ctx, st, family);
    }

    private static int skipAck(PacketView v, int i, int n, boolean ecn) {
        // Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range, ranges, [ECN counts]
        long count = -1;
        for (int f = 0; f < 4; f++) {
            long x = Varint.readBounded(v, i, n);
            if (x < 0) {
                return -1;
            }
            i += Varint.size(v.u8(i));
            if (f == 2) {
                count = x;
            }
        }
        if (count > 256) {
            return -1;
        }
        long fields = 2 * count + (ecn ? 3 : 0);
        for (long f = 0; f < fields; f++) {
            if (Varint.readBounded(v, i, n) < 0) {
                return -1;
            }
            i += Varint.size(v.u8(i));
        }
        return i;
    }

    private static int connectionClose(DetectorContext ctx, PacketView v, int i, int n, boolean transport) {
        long code = Varint.readBounded(v, i, n);
        if (code < 0) {
            return -1;
        }
        i += Varint.size(v.u8(i));
        if (transport) {
            if (Varint.readBounded(v, i, n) < 0) {
                return -1;
            }
            i += Varint.size(v.u8(i));
        }
        long rl = Varint.readBounded(v, i, n);
        if (rl < 0) {
            return -1;
        }
        i += Varint.size(v.u8(i));
        if (rl > n - i) {
            return -1;
        }
        ctx.result().put(GROUP, "connection_close", code);
        return i + (int) rl;
    }

    /** Parses the reassembled ClientHello (or gQUIC CHLO) once it is complete. */
    private void handshakeMessage(DetectorContext ctx, QuicFlowState st, int family) {
        int have = st.prefix();
        if (have < 4) {
            if (st.overflow) {
                done(ctx);
            }
            return;
        }
        ByteArrayPacketView v = st.view;
        v.wrap(st.crypto, 0, have);
        if (family == QuicVersions.GQUIC_Q050) {
            if (have < 8) {
                return;
            }
            if (!GQuicMessage.valid(v, 0)) {
                if (v.u32(0) != GQuicMessage.CHLO || have >= 8 + 8 * Math.min(v.u16le(4), GQuicMessage.MAX_ENTRIES)) {
                    done(ctx); // not a CHLO, or a broken one
                }
                return;
            }
            int size = GQuicMessage.size(v, 0);
            if (have >= size || st.overflow) {
                reportTags(ctx, GQuicMessage.read(v, 0));
                done(ctx);
            }
            return;
        }
        if (v.u8(0) != 1) {
            done(ctx); // the client's first handshake message must be a ClientHello
            return;
        }
        int need = 4 + v.u24(1);
        if (have < need) {
            if (st.overflow || need > st.cap) {
                ctx.result().put(GROUP, "client_hello_truncated", Boolean.TRUE);
                done(ctx);
            }
            return;
        }
        try {
            report(ctx, ClientHello.parse(v, 0, need, 'q'));
        } catch (ClientHello.MalformedException e) {
            ctx.result().put(GROUP, "client_hello_malformed", e.getMessage());
        }
        done(ctx);
    }

    static void report(DetectorContext ctx, ClientHello ch) {
        DetectionBuilder b = ctx.result();
        if (ch.sni != null) {
            b.hostname(ch.sni);
            b.put(GROUP, "sni", ch.sni);
            b.put(SSL, "client_sni", ch.sni);
        }
        if (!ch.alpn.isEmpty()) {
            b.put(GROUP, "alpn", String.join(",", ch.alpn));
        }
        if (!ch.supportedVersions.isEmpty()) {
            b.put(GROUP, "supported_versions", String.join(",", ch.supportedVersions));
        }
        if (ch.userAgent != null) {
            b.put(GROUP, "user_agent", ch.userAgent);
        }
        b.put(GROUP, "ja4", ch.ja4);
        b.put(SSL, "client_ja4", ch.ja4);
    }

    // ------------------------------------------------------------------ Google QUIC clear text

    /**
     * A gQUIC public header (Q043 and older): flags with the high bit clear; 0x08 = 8-byte connection ID; 0x01 =
     * version present (client); 0x30 = packet number length 1/2/4/6. Accepted with a known {@code Q0nn} version,
     * or without version when a valid clear-text handshake message follows the header.
     */
    private boolean gquicPublic(DetectorContext ctx, PacketView p) {
        int flags = p.u8(0);
        if ((flags & 0x80) != 0 || (flags & 0x02) != 0) {
            return false; // unused bit, or a public reset (too little to tell)
        }
        int off = 1;
        if ((flags & 0x08) != 0) {
            off += 8;
        }
        int pnLen;
        switch ((flags >> 4) & 3) {
            case 0: pnLen = 1; break;
            case 1: pnLen = 2; break;
            case 2: pnLen = 4; break;
            default: pnLen = 6; break;
        }
        if ((flags & 0x01) != 0) {
            if (off + 4 > p.length()) {
                return false;
            }
            long v = p.u32(off);
            if (!QuicVersions.isPublicHeaderVersion(v)) {
                return false;
            }
            detected(ctx, QuicVersions.name(v));
            if (ctx.fromInitiator()) {
                gquicMessage(ctx, p, off + 4 + pnLen);
            }
            done(ctx);
            return true;
        }
        if ((flags & 0x04) != 0) {
            off += 32; // diversification nonce (server to client)
        }
        int from = off + pnLen;
        int at = GQuicMessage.find(p, from, from + GQUIC_SEARCH);
        if (at < 0) {
            return false;
        }
        detected(ctx, "gQUIC");
        GQuicMessage.Tags t = GQuicMessage.read(p, at);
        if (t.message == GQuicMessage.CHLO) {
            reportTags(ctx, t);
        }
        done(ctx);
        return true;
    }

    /** Reads a clear-text CHLO that starts shortly after {@code from}, if there is one. */
    private static void gquicMessage(DetectorContext ctx, PacketView p, int from) {
        int at = GQuicMessage.find(p, from, from + GQUIC_SEARCH);
        if (at >= 0) {
            GQuicMessage.Tags t = GQuicMessage.read(p, at);
            if (t.message == GQuicMessage.CHLO) {
                reportTags(ctx, t);
            }
        }
    }

    private static void reportTags(DetectorContext ctx, GQuicMessage.Tags t) {
        DetectionBuilder b = ctx.result();
        if (t.sni != null) {
            b.hostname(t.sni);
            b.put(GROUP, "sni", t.sni);
            b.put(SSL, "client_sni", t.sni);
        }
        if (t.userAgent != null) {
            b.put(GROUP, "user_agent", t.userAgent);
        }
        if (t.versions != null) {
            b.put(GROUP, "gquic_versions", t.versions);
        }
    }
}
