/*
 * BitTorrent detector: peer wire (TCP and uTP), MSE followed by a plaintext handshake, Mainline DHT, Local Service
 * Discovery, HTTP and UDP trackers.
 *
 * References: BEP 3 (peer wire handshake, bencoding, HTTP tracker), BEP 5 (DHT / KRPC), BEP 14 (LSD), BEP 15 (UDP
 * tracker), BEP 20 (peer ids), BEP 29 (uTP), BEP 48 (scrape), and the Message Stream Encryption specification
 * (Vuze wiki "Message Stream Encryption": 96-byte DH public keys followed by 0 to 512 bytes of padding).
 */
package org.flowmark.detector.bittorrent.internal;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.DetectorProperties;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;
import org.osgi.service.component.annotations.Component;

/**
 * Detects BitTorrent from payload only (ports are hints for ordering, never evidence). Runs at priority 5, before
 * HTTP (10), so tracker requests are recognised by their announce/scrape shape before HTTP claims them; the usual
 * tracker ports (80, 8080, 1337, 2710, 6969) are hinted too, since port-hinted detectors run before all others and
 * HTTP is hinted on 80 and 8080. A non-tracker first packet is rejected after a few byte comparisons.
 *
 * <p><b>TCP.</b> <ul>
 * <li>A peer wire handshake ({@code \x13BitTorrent protocol}, 20 bytes) at the start of a payload packet from
 *     either side: DETECTED. A first packet that is a strict prefix of it waits for the next one.</li>
 * <li>An HTTP tracker request: {@code GET .../announce?...info_hash=...&peer_id=...&port=... HTTP/1.x} or
 *     {@code GET .../scrape?...info_hash=...}, request line complete in the first packet; or an HTTP response
 *     whose body opens a tracker dictionary ({@code d8:interval}, {@code d14:failure reason}, ...). These are
 *     reported as protocol {@code HTTP} with application {@code bittorrent} (nDPI's {@code HTTP.BitTorrent}),
 *     with the request's {@code http{method,url,host,user_agent}} since the HTTP detector never sees them.</li>
 * <li>Message Stream Encryption: its key exchange has no fixed bytes (96 random-looking bytes plus 0..512
 *     random padding each way), so it is <em>never</em> declared from payload sizes alone (a window that holds
 *     most TLS ClientHellos cannot reach 98% precision). A flow whose initiator opens with 96..608 bytes and
 *     whose responder answers with 96..608 bytes is only kept under watch (NEED_MORE, at most
 *     {@link #MSE_WATCH_PACKETS} payload packets): when MSE negotiated plaintext (crypto_select 0x01), the
 *     peer wire handshake then appears in clear at the start of a later packet, and the flow is DETECTED with
 *     {@code bt.encryption = "mse"}. RC4-encrypted MSE streams stay unclassified (as in nDPI without its
 *     cross-flow cache).</li>
 * <li>Anything else in the first packet: EXCLUDED.</li></ul>
 *
 * <p><b>UDP.</b> <ul>
 * <li>DHT: a datagram that is exactly one strictly valid bencoded KRPC dictionary ({@code y} = q/r/e, a
 *     {@code t} string, a query's lowercase method {@code q} and argument dictionary {@code a}, a 20-byte
 *     {@code id}): DETECTED on that packet.</li>
 * <li>LSD: {@code BT-SEARCH * HTTP/1.1} with Host and Infohash headers: DETECTED.</li>
 * <li>UDP tracker: a connect request (protocol id 0x41727101980, action 0): DETECTED. An announce or scrape
 *     without the connect in view waits for the answer carrying the same 32-bit transaction id.</li>
 * <li>uTP: a DATA packet whose payload opens a peer wire handshake: DETECTED. An ST_SYN waits for the ST_STATE
 *     from the other side with the same connection_id and ack_nr = the SYN's seq_nr; a flow picked up midstream
 *     needs two valid headers, one each way, whose connection ids differ by one and whose ack_nr is within 64 of
 *     the other side's seq_nr. An unmatched packet EXCLUDES; at most {@link #UDP_WATCH_PACKETS} packets are
 *     spent waiting.</li></ul>
 *
 * <p><b>Metadata</b> ({@code protocol "BitTorrent"}, application {@code "bittorrent"}, category
 * {@code "download"}, group {@code "bt"}): {@code kind} ({@code peer_wire}, {@code utp}, {@code dht},
 * {@code lsd}, {@code http_tracker}, {@code udp_tracker}), {@code info_hash} (40 lowercase hex digits),
 * {@code peer_id} (the client prefix of the peer id, e.g. {@code -TR2940-}), {@code client} (decoded client
 * name), {@code extensions} (from the reserved bytes), {@code encryption} ({@code "mse"}), {@code dht_method}
 * and {@code dht_message} ({@code query}/{@code response}/{@code error}), {@code tracker_request}
 * ({@code announce}/{@code scrape}). When the handshake is cut before its info hash, the next packet of the
 * same direction completes it in {@link #collect}; after a uTP SYN/STATE pairing, {@link #collect} reads the
 * handshake from the first uTP DATA packets (within the extra-packet budget).
 *
 * <p><b>Risks</b>: none.
 *
 * <p><b>Per-flow state</b>: the 64-bit slot only (mode, direction, counters, a pending transaction or uTP
 * connection id/sequence). No state object, no allocation before a verdict.
 */
@Component(service = Detector.class)
@DetectorProperties(name = "bittorrent", transport = {"tcp", "udp"},
    ports = {80, 1337, 2710, 6771, 6881, 6882, 6883, 6884, 6885, 6886, 6887, 6888, 6889, 6969, 8080, 51413},
    priority = 5, extraPackets = 4)
public final class BitTorrentDetector implements Detector {

    static final String PROTOCOL = "BitTorrent";
    static final String APPLICATION = "bittorrent";
    static final String CATEGORY = "download";
    static final String GROUP = "bt";

    /** Payload packets a TCP flow may spend under MSE watch. */
    static final int MSE_WATCH_PACKETS = 12;
    /** MSE: a DH public key (96 bytes) plus 0..512 bytes of padding. */
    static final int MSE_MIN = 96;
    static final int MSE_MAX = 96 + 512;
    /** MSE: HASH('req1', S), HASH('req2', SKEY) xor HASH('req3', S), ENCRYPT(VC, crypto_provide, len(PadC), len(IA)). */
    static final int MSE_THIRD_MIN = 20 + 20 + 8 + 4 + 2 + 2;
    /** Payload packets a UDP flow may spend waiting for the other side. */
    static final int UDP_WATCH_PACKETS = 8;
    /** uTP midstream pairing: |ack_nr - peer seq_nr| bound. */
    static final int UTP_ACK_WINDOW = 64;

    // ---- slot layout
    private static final long MODE_MASK = 0xf;
    static final int M_FRESH = 0;
    /** TCP: MSE-shaped opening under watch. */
    static final int M_MSE = 1;
    /** TCP: a first packet holding a strict prefix of the handshake; bits 16..23 hold how many bytes. */
    static final int M_PREFIX = 2;
    /** TCP, after DETECTED: the handshake's info hash/peer id continue in the next packet; bits 16..31 = bytes seen. */
    static final int M_HS_TAIL = 3;
    /** UDP: a tracker request awaits its answer; bits 4..5 = action, 32..63 = transaction id. */
    static final int M_UDP_TRACKER = 4;
    /** UDP: a uTP header awaits its partner; bits 16..31 conn id, 32..47 seq_nr, bit 6 = was a SYN. */
    static final int M_UTP = 5;
    /** UDP, after DETECTED by uTP pairing: the handshake inside the first uTP DATA packets is still to be read. */
    static final int M_UTP_COLLECT = 6;
    /** Bit 7: the pending packet came from the initiator. */
    private static final long F_PEND_INIT = 1L << 7;
    private static final long F_SYN = 1L << 6;
    /** Bits 8..11: packets spent waiting. */
    private static final int WAIT_SHIFT = 8;

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView p) {
        if (p.length() == 0) {
            return Verdict.NEED_MORE;
        }
        return ctx.flow() != null && ctx.flow().ipProtocol() == 17 ? udp(ctx, p) : tcp(ctx, p);
    }

    // ------------------------------------------------------------------ TCP

    private Verdict tcp(DetectorContext ctx, PacketView p) {
        long s = ctx.slot();
        int mode = (int) (s & MODE_MASK);
        if (mode == M_MSE) {
            return mse(ctx, p);
        }
        if (mode == M_PREFIX) {
            return prefixContinued(ctx, p, s);
        }
        int c = p.u8(0);
        switch (c) {
            case 19: {
                int r = PeerWire.prefix(p, 0);
                if (r == PeerWire.YES) {
                    handshake(ctx, p, 0, "peer_wire");
                    return Verdict.DETECTED;
                }
                if (r == PeerWire.PARTIAL) {
                    ctx.slot(M_PREFIX | (long) p.length() << 16 | (ctx.fromInitiator() ? F_PEND_INIT : 0));
                    return Verdict.NEED_MORE;
                }
                break;
            }
            case 'G': {
                int kind = Tracker.httpRequest(p);
                if (kind != Tracker.NOT_TRACKER) {
                    httpTracker(ctx, p, kind);
                    return Verdict.DETECTED;
                }
                return Verdict.EXCLUDED;
            }
            case 'H': {
                int body = Tracker.httpResponseBody(p);
                if (body >= 0) {
                    DetectionBuilder b = base(ctx, "http_tracker");
                    b.protocol("HTTP");
                    return Verdict.DETECTED;
                }
                return Verdict.EXCLUDED;
            }
            default:
                break;
        }
        int len = p.length();
        if (ctx.fromInitiator() && ctx.directionPayloadIndex() == 0 && ctx.payloadIndex() == 0
            && len >= MSE_MIN && len <= MSE_MAX && !knownOpening(p)) {
            ctx.slot(M_MSE);
            return Verdict.NEED_MORE;
        }
        return Verdict.EXCLUDED;
    }

    /** Openings of other protocols that an MSE candidate cannot be (cheap, to stop watching early). */
    private static boolean knownOpening(PacketView p) {
        int c0 = p.u8(0);
        int c1 = p.u8(1);
        if (c0 >= 0x14 && c0 <= 0x17 && c1 == 3) {
            return true; // a TLS record
        }
        if (c0 == 'S' && c1 == 'S' && p.u8(2) == 'H') {
            return true;
        }
        // an ASCII verb (HTTP, SMTP, RTSP, ...): four uppercase letters
        return c0 >= 'A' && c0 <= 'Z' && c1 >= 'A' && c1 <= 'Z' && p.u8(2) >= 'A' && p.u8(2) <= 'Z';
    }

    private Verdict mse(DetectorContext ctx, PacketView p) {
        int len = p.length();
        int di = ctx.directionPayloadIndex();
        if (PeerWire.prefix(p, 0) == PeerWire.YES) {
            handshake(ctx, p, 0, "peer_wire");
            ctx.result().put(GROUP, "encryption", "mse");
            return Verdict.DETECTED;
        }
        if (ctx.payloadIndex() >= MSE_WATCH_PACKETS) {
            return Verdict.EXCLUDED;
        }
        if (ctx.fromInitiator()) {
            if (di == 1 && len < MSE_THIRD_MIN) {
                return Verdict.EXCLUDED;
            }
        } else if (di == 0 && (len < MSE_MIN || len > MSE_MAX)) {
            return Verdict.EXCLUDED;
        }
        return Verdict.NEED_MORE;
    }

    private Verdict prefixContinued(DetectorContext ctx, PacketView p, long s) {
        boolean fromInit = (s & F_PEND_INIT) != 0;
        if (fromInit != ctx.fromInitiator()) {
            return Verdict.EXCLUDED;
        }
        int have = (int) ((s >>> 16) & 0xff);
        int need = PeerWire.PREFIX_LEN - have;
        if (p.length() < need) {
            return Verdict.EXCLUDED;
        }
        for (int i = 0; i < need; i++) {
            if (p.u8(i) != (PeerWire.PREFIX[have + i] & 0xff)) {
                return Verdict.EXCLUDED;
            }
        }
        base(ctx, "peer_wire");
        tail(ctx, p, have, 0);
        return Verdict.DETECTED;
    }

    /** Fills peer wire metadata from a handshake starting at {@code off} (possibly cut short by the packet). */
    private static void handshake(DetectorContext ctx, PacketView p, int off, String kind) {
        base(ctx, kind);
        tail(ctx, p, 0, off);
    }

    /**
     * Reads the handshake fields present in {@code p}, whose byte {@code off} is handshake byte {@code seen};
     * when the info hash or peer id is still missing, remembers where to resume in {@link #collect}.
     */
    private static void tail(DetectorContext ctx, PacketView p, int seen, int off) {
        DetectionBuilder b = ctx.result();
        int len = p.length();
        // position in p of handshake byte k is off + (k - seen)
        int reserved = off + (20 - seen);
        int hash = off + (PeerWire.INFO_HASH_OFFSET - seen);
        int peer = off + (PeerWire.PEER_ID_OFFSET - seen);
        if (seen <= 20 && reserved >= 0 && reserved + 8 <= len) {
            String ext = PeerWire.extensions(p, reserved);
            if (!ext.isEmpty()) {
                b.put(GROUP, "extensions", ext);
            }
        }
        if (seen <= PeerWire.INFO_HASH_OFFSET && hash >= 0 && hash + 20 <= len) {
            b.put(GROUP, "info_hash", PeerWire.hex(p, hash, 20));
        }
        if (seen <= PeerWire.PEER_ID_OFFSET && peer >= 0 && peer + 20 <= len) {
            peerId(b, p, peer);
        }
        int total = seen + (len - off);
        if (total < PeerWire.HANDSHAKE_LEN) {
            ctx.slot(M_HS_TAIL | (long) total << 16 | (ctx.fromInitiator() ? F_PEND_INIT : 0));
        } else {
            ctx.slot(0);
        }
    }

    private static void peerId(DetectionBuilder b, PacketView p, int at) {
        String prefix = PeerWire.peerIdPrefix(p, at);
        if (prefix != null) {
            b.put(GROUP, "peer_id", prefix);
        }
        String client = PeerWire.client(p, at);
        if (client != null) {
            b.put(GROUP, "client", client);
        }
    }

    @Override
    public boolean collect(DetectorContext ctx, PacketView p) {
        long s = ctx.slot();
        if ((s & MODE_MASK) == M_UTP_COLLECT) {
            int off = Utp.payloadOffset(p);
            if (off >= 0 && Utp.type(p) == Utp.ST_DATA && PeerWire.prefix(p, off) == PeerWire.YES) {
                tail(ctx, p, 0, off);
                return false;
            }
            return true; // STATE and SYN retransmissions come first; the budget bounds the wait
        }
        if ((s & MODE_MASK) != M_HS_TAIL) {
            return false;
        }
        if (((s & F_PEND_INIT) != 0) != ctx.fromInitiator()) {
            return true; // the other side spoke; keep waiting for the rest of this side's handshake
        }
        int seen = (int) ((s >>> 16) & 0xffff);
        // the handshake fields are re-read only if the earlier packet had not yet reached them
        DetectionBuilder b = ctx.result();
        if (b.get(GROUP, "info_hash") == null || b.get(GROUP, "peer_id") == null) {
            tail(ctx, p, seen, 0);
        } else {
            ctx.slot(0);
        }
        return false;
    }

    private static void httpTracker(DetectorContext ctx, PacketView p, int kind) {
        DetectionBuilder b = base(ctx, "http_tracker");
        b.protocol("HTTP");
        b.put(GROUP, "tracker_request", kind == Tracker.ANNOUNCE ? "announce" : "scrape");
        int lineEnd = Tracker.requestLineEnd(p);
        int q = p.indexOf(5, lineEnd, '?');
        int ih = Tracker.param(p, q, lineEnd, "info_hash=".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        if (ih >= 0) {
            String hex = Tracker.urlBytesHex(p, ih, lineEnd);
            if (hex != null) {
                b.put(GROUP, "info_hash", hex);
            }
        }
        int pid = Tracker.param(p, q, lineEnd, "peer_id=".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        if (pid >= 0) {
            String text = Tracker.urlText(p, pid, lineEnd);
            if (text.length() >= 8 && text.charAt(0) == '-' && text.charAt(7) == '-') {
                text = text.substring(0, 8);
            }
            b.put(GROUP, "peer_id", text);
        }
        b.put("http", "method", "GET");
        b.put("http", "url", p.ascii(4, lineEnd - 4));
        String host = header(p, lineEnd, "\r\nhost:");
        if (host != null) {
            b.put("http", "host", host);
            int colon = host.lastIndexOf(':');
            String name = colon > 0 && host.indexOf(':') == colon ? host.substring(0, colon) : host;
            if (!name.isEmpty() && !name.startsWith("[")) {
                b.hostname(name.toLowerCase(java.util.Locale.ROOT));
            }
        }
        String ua = header(p, lineEnd, "\r\nuser-agent:");
        if (ua != null) {
            b.put("http", "user_agent", ua);
        }
    }

    /** The trimmed value of a header (given as lowercase {@code "\r\nname:"}) in the packet, or null. */
    private static String header(PacketView p, int from, String lowerName) {
        byte[] pat = lowerName.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int at = Tracker.indexOfIgnoreCase(p, from, pat);
        if (at < 0) {
            return null;
        }
        int vs = at + pat.length;
        int cr = p.indexOf(vs, p.length(), '\r');
        if (cr < 0) {
            return null;
        }
        while (vs < cr && (p.u8(vs) == ' ' || p.u8(vs) == '\t')) {
            vs++;
        }
        int ve = cr;
        while (ve > vs && (p.u8(ve - 1) == ' ' || p.u8(ve - 1) == '\t')) {
            ve--;
        }
        return p.ascii(vs, Math.min(ve - vs, 256));
    }

    private static DetectionBuilder base(DetectorContext ctx, String kind) {
        DetectionBuilder b = ctx.result();
        b.protocol(PROTOCOL).application(APPLICATION).category(CATEGORY);
        b.put(GROUP, "kind", kind);
        return b;
    }

    // ------------------------------------------------------------------ UDP

    private Verdict udp(DetectorContext ctx, PacketView p) {
        int c = p.u8(0);
        if (c == 'd') {
            long k = Krpc.parse(p);
            if (k >= 0) {
                dht(ctx, p, k);
                return Verdict.DETECTED;
            }
        } else if (c == 'B') {
            int ih = Tracker.lsdInfohash(p);
            if (ih >= 0 && Tracker.lsdHasHost(p)) {
                DetectionBuilder b = base(ctx, "lsd");
                int n = Tracker.hexRun(p, ih);
                if (n == 40) {
                    b.put(GROUP, "info_hash", p.ascii(ih, 40).toLowerCase(java.util.Locale.ROOT));
                }
                return Verdict.DETECTED;
            }
            return Verdict.EXCLUDED;
        } else if (c == 0 && Tracker.udpConnectRequest(p)) {
            base(ctx, "udp_tracker");
            return Verdict.DETECTED;
        }
        long s = ctx.slot();
        int mode = (int) (s & MODE_MASK);
        boolean fromInit = ctx.fromInitiator();
        boolean otherSide = mode != M_FRESH && ((s & F_PEND_INIT) != 0) != fromInit;
        if (mode == M_UDP_TRACKER && otherSide) {
            int action = (int) ((s >>> 4) & 3);
            if (Tracker.udpAnswers(p, action, (int) (s >>> 32))) {
                base(ctx, "udp_tracker");
                return Verdict.DETECTED;
            }
        }
        int utp = Utp.payloadOffset(p);
        if (utp >= 0) {
            int type = Utp.type(p);
            if (type == Utp.ST_DATA && PeerWire.prefix(p, utp) == PeerWire.YES) {
                handshake(ctx, p, utp, "utp");
                return Verdict.DETECTED;
            }
            if (mode == M_UTP && otherSide && utpPairs(s, p)) {
                base(ctx, "utp");
                ctx.slot(M_UTP_COLLECT);
                return Verdict.DETECTED;
            }
        }
        int waited = (int) ((s >>> WAIT_SHIFT) & 0xf) + 1;
        if (waited > UDP_WATCH_PACKETS) {
            return Verdict.EXCLUDED;
        }
        long keep = (long) waited << WAIT_SHIFT | (fromInit ? F_PEND_INIT : 0);
        if (utp >= 0 && (mode == M_FRESH || mode == M_UTP)) {
            int type = Utp.type(p);
            if (mode == M_UTP && otherSide) {
                // not a partner: a second header from this side cannot pair with the pending one either
                return Verdict.EXCLUDED;
            }
            if (type == Utp.ST_SYN || type == Utp.ST_DATA || type == Utp.ST_STATE || type == Utp.ST_FIN) {
                ctx.slot(M_UTP | keep | (type == Utp.ST_SYN ? F_SYN : 0)
                    | (long) Utp.connectionId(p) << 16 | (long) Utp.seqNr(p) << 32);
                return Verdict.NEED_MORE;
            }
            return Verdict.EXCLUDED;
        }
        if (mode == M_FRESH || mode == M_UDP_TRACKER && !otherSide) {
            int action = Tracker.udpRequestAction(p);
            if (action > 0) {
                ctx.slot(M_UDP_TRACKER | keep | (long) action << 4 | (p.u32(12) << 32));
                return Verdict.NEED_MORE;
            }
        }
        return Verdict.EXCLUDED;
    }

    /** Whether uTP header {@code p} (from the other side) answers the pending header in slot {@code s}. */
    static boolean utpPairs(long s, PacketView p) {
        int conn = (int) ((s >>> 16) & 0xffff);
        int seq = (int) ((s >>> 32) & 0xffff);
        int type = Utp.type(p);
        if ((s & F_SYN) != 0) {
            return type == Utp.ST_STATE && Utp.connectionId(p) == conn && Utp.ackNr(p) == seq;
        }
        int dc = (Utp.connectionId(p) - conn) & 0xffff;
        if (dc != 1 && dc != 0xffff) {
            return false;
        }
        int da = (short) (Utp.ackNr(p) - seq);
        return da >= -UTP_ACK_WINDOW && da <= UTP_ACK_WINDOW;
    }

    private static void dht(DetectorContext ctx, PacketView p, long k) {
        DetectionBuilder b = base(ctx, "dht");
        int kind = Krpc.kind(k);
        b.put(GROUP, "dht_message", kind == Krpc.QUERY ? "query" : kind == Krpc.RESPONSE ? "response" : "error");
        if (kind == Krpc.QUERY) {
            b.put(GROUP, "dht_method", p.ascii(Krpc.methodPos(k), Krpc.methodLen(k)));
        }
        int ih = Krpc.infoHashPos(k);
        if (ih > 0) {
            b.put(GROUP, "info_hash", PeerWire.hex(p, ih, 20));
        }
    }
}
