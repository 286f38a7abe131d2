/*
 * HTTP/1.x detector.
 *
 * References: RFC 9112 "HTTP/1.1" (message syntax: request line, status line, header fields, Host), RFC 9110
 * "HTTP Semantics" (methods, status codes, Host, CONNECT), RFC 1945 (HTTP/1.0). Protocol is decided by payload only.
 */
package org.flowmark.detector.http.internal;

import java.util.Locale;

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
 * Detects HTTP/1.0 and HTTP/1.1 on TCP from either side of the conversation: a request line (a known method,
 * a request target, {@code HTTP/1.0|1.1}) from the client, or a status line ({@code HTTP/1.x NNN}) from the
 * server when the client's packets were missed. The port is never used.
 *
 * <p><b>Verdicts.</b> The first byte of a message must be an uppercase letter that starts a known method or
 * {@code "HTTP/1."} (cheapest reject); then the bytes must stay a prefix of a method token and SP, or of
 * {@code "HTTP/1."}, else the packet is rejected. A rejected packet excludes the flow, except that with
 * {@code midstreamPickup} (default) each side may send one before the first message start, as long as the
 * other side has not (a capture that began inside a message): TLS or SSH is excluded on its second packet.
 * A request line cut by segment boundaries is reassembled in a per-flow buffer
 * ({@link HttpFlowState}, allocated only for such flows, capped at {@code maxHeaderBytes}) while NEED_MORE is
 * returned; retransmitted bytes are recognised by TCP sequence number and dropped, a gap abandons the buffer.
 * DETECTED comes once the request line is complete and valid (or still valid when it reaches the cap: a very
 * long URL is kept truncated), or once {@code HTTP/1.x NNN} is seen.
 *
 * <p><b>Metadata</b> ({@code protocol "HTTP"}, group {@code "http"}): {@code method}, {@code url} (the request
 * target as sent), {@code version} ({@code "HTTP/1.0"}/{@code "HTTP/1.1"}, from the request, else from the
 * response), {@code host} (the Host value as sent), {@code user_agent}, {@code request_content_type},
 * {@code referer}, {@code x_forwarded_for}, {@code status} (Integer; the final status, 1xx interim responses
 * other than 101 are skipped), {@code content_type} and {@code server} (from the response), {@code connect} =
 * true for a CONNECT request (nDPI's HTTP_Connect); after a 2xx answer the tunnel's packets are forwarded
 * ({@code DetectorContext.forward}) to the {@code tls} detector, which adds SNI, JA4 and the certificate. The host name is the target's authority for CONNECT and
 * absolute-form targets (RFC 9112 section 3.2.2), else the Host value, lowercased, without port and IPv6
 * brackets. Header lines after the verdict and the response are gathered in {@link #collect} within the
 * extra-packet budget; each message's header block is bounded by {@code maxHeaderBytes}.
 *
 * <p><b>Risks</b> (flags): <ul>
 * <li>{@code http_suspicious_user_agent}: a complete request header block without User-Agent, or a value
 *     shorter than 4 characters (empty included), holding a {@code "${"} lookup expression, or a random-looking
 *     word (see {@link HttpParser#suspiciousUserAgent});</li>
 * <li>{@code http_numeric_ip_host}: the host name is an IPv4 or IPv6 literal;</li>
 * <li>{@code http_missing_host}: an HTTP/1.1 request whose complete header block has no Host (RFC 9112
 *     section 3.2 makes it mandatory);</li>
 * <li>{@code http_obsolete_server}: Server names a long end-of-life branch (Apache 1.x/2.0/2.2, nginx before
 *     1.10, IIS 5/6);</li>
 * <li>{@code http_binary_application_transfer}: the response Content-Type is a Windows executable or Java
 *     code.</li>
 * </ul>
 *
 * <p><b>Per-flow state</b>: flags and per-message byte counts in the 64-bit slot; the partial-line buffer in the
 * state object. The detector's fields hold only configuration.
 */
@Component(service = Detector.class, configurationPid = "org.flowmark.detector.http")
@Designate(ocd = HttpDetector.Config.class)
@DetectorProperties(name = "http", transport = "tcp",
    ports = {80, 81, 591, 3128, 8000, 8008, 8080, 8081, 8088, 8118, 8888}, priority = 10, extraPackets = 8)
public final class HttpDetector implements Detector {

    /** Configuration (PID {@code org.flowmark.detector.http}). */
    @ObjectClassDefinition(name = "Flowmark HTTP detector",
        description = "Detects HTTP/1.x by payload and extracts request and response metadata.")
    @interface Config {
        @AttributeDefinition(name = "Maximum header bytes",
            description = "Bound on each message's header block, on the request line and on the per-flow "
                + "reassembly buffer (256 to 16384).", min = "256", max = "16384")
        int maxHeaderBytes() default DEFAULT_MAX_HEADER_BYTES;

        @AttributeDefinition(name = "Mid-stream pickup",
            description = "Tolerate one non-HTTP packet per side before the first HTTP message start, so flows "
                + "captured mid-message are still recognised by the next request or response.")
        boolean midstreamPickup() default true;
    }

    static final int DEFAULT_MAX_HEADER_BYTES = 2048;
    static final int MIN_HEADER_BYTES = 256;
    static final int MAX_HEADER_BYTES = 16384;

    static final String PROTOCOL = "HTTP";
    static final String GROUP = "http";
    static final String RISK_SUSPICIOUS_UA = "http_suspicious_user_agent";
    static final String RISK_NUMERIC_IP_HOST = "http_numeric_ip_host";
    static final String RISK_MISSING_HOST = "http_missing_host";
    static final String RISK_OBSOLETE_SERVER = "http_obsolete_server";
    static final String RISK_BINARY_TRANSFER = "http_binary_application_transfer";

    // ---- slot layout: flags in bits 0..23, request header bytes in 24..39, response header bytes in 40..55
    static final long F_REQ_LINE = 1L;
    static final long F_REQ_DONE = 1L << 1;
    static final long F_RESP_LINE = 1L << 2;
    static final long F_RESP_DONE = 1L << 3;
    /** Which side sends requests is known ({@link #F_REQ_FROM_INIT}). */
    static final long F_DIR_KNOWN = 1L << 4;
    static final long F_REQ_FROM_INIT = 1L << 5;
    /** A partial line is pending in the state object. */
    static final long F_FRAG = 1L << 6;
    /** The rest of the current line (up to LF) is to be skipped. */
    static final long F_SKIP = 1L << 7;
    /** Direction of the pending fragment or skip: from the initiator. */
    static final long F_PEND_INIT = 1L << 8;
    static final long F_HTTP11 = 1L << 9;
    static final long F_HOST = 1L << 10;
    static final long F_HOSTNAME = 1L << 11;
    static final long F_UA = 1L << 12;
    static final long F_REQ_CT = 1L << 13;
    static final long F_XFF = 1L << 14;
    static final long F_REFERER = 1L << 15;
    static final long F_SERVER = 1L << 16;
    static final long F_RESP_CT = 1L << 17;
    /** The response seen is an interim (1xx) one: the final response is still to come. */
    static final long F_INTERIM = 1L << 18;
    static final long F_VERSION = 1L << 19;
    /** A non-HTTP packet came from the initiator / the responder before any message start (mid-stream pickup). */
    static final long F_REJ_INIT = 1L << 20;
    static final long F_REJ_RESP = 1L << 21;
    /** A CONNECT tunnel is open: its packets are forwarded to {@link #TUNNEL_DETECTOR}. */
    static final long F_TUNNEL = 1L << 22;
    /** The detector that reads what runs in a CONNECT tunnel. */
    static final String TUNNEL_DETECTOR = "tls";
    private static final int REQ_BYTES_SHIFT = 24;
    private static final int RESP_BYTES_SHIFT = 40;
    private static final long BYTES_MASK = 0xffffL;

    /** startLine / continueFragment results besides a position. */
    private static final int FAIL = -1;
    private static final int NEED = -2;
    private static final int CONSUMED = -3;

    private final int cap;
    private final boolean midstream;

    @Activate
    public HttpDetector(Config config) {
        int c = config.maxHeaderBytes();
        this.cap = Math.max(MIN_HEADER_BYTES, Math.min(MAX_HEADER_BYTES, c));
        this.midstream = config.midstreamPickup();
    }

    /** The effective header budget (the configured value, clamped). */
    int maxHeaderBytes() {
        return cap;
    }

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        int len = payload.length();
        if (len == 0) {
            return Verdict.NEED_MORE;
        }
        if ((ctx.slot() & (F_FRAG | F_SKIP)) == 0) {
            int c = payload.u8(0);
            if (c < 'A' || c > 'Z') {
                return reject(ctx); // every HTTP/1.x message starts with a method token or "HTTP/1."
            }
        }
        if (!feed(ctx, payload)) {
            return reject(ctx);
        }
        // F_DIR_KNOWN is set exactly when a request or status line was recognised
        return (ctx.slot() & F_DIR_KNOWN) != 0 ? Verdict.DETECTED : Verdict.NEED_MORE;
    }

    /**
     * A packet that cannot be (the start of) an HTTP message, before any was seen. With mid-stream pickup on,
     * each direction may send one such packet (the tail of a message whose start was not captured) as long as
     * the other direction has not: a flow is EXCLUDED on its second non-HTTP packet from one side, or once both
     * sides sent one. Otherwise the first one excludes.
     */
    private Verdict reject(DetectorContext ctx) {
        long s = ctx.slot();
        if (!midstream || (s & (F_REJ_INIT | F_REJ_RESP)) != 0) {
            ctx.state(null);
            return Verdict.EXCLUDED;
        }
        ctx.slot(s | (ctx.fromInitiator() ? F_REJ_INIT : F_REJ_RESP));
        return Verdict.NEED_MORE;
    }

    @Override
    public boolean collect(DetectorContext ctx, PacketView payload) {
        if ((ctx.slot() & F_TUNNEL) != 0) {
            // RFC 9110 section 9.3.6: after a 2xx answer to CONNECT the connection is a tunnel; what runs in it
            // (TLS, almost always) is the TLS detector's to read: SNI, JA4, certificate
            return ctx.forward(TUNNEL_DETECTOR);
        }
        if (payload.length() > 0) {
            feed(ctx, payload);
        }
        boolean more = (ctx.slot() & (F_REQ_DONE | F_RESP_DONE)) != (F_REQ_DONE | F_RESP_DONE);
        if (!more) {
            ctx.state(null);
            if (tunnelOpened(ctx.result())) {
                ctx.slot(ctx.slot() | F_TUNNEL);
                return true;
            }
        }
        return more;
    }

    /** A CONNECT request answered with a 2xx status: the bytes that follow belong to the tunnel. */
    private static boolean tunnelOpened(org.flowmark.api.detector.DetectionBuilder b) {
        Object status = b.get(GROUP, "status");
        return Boolean.TRUE.equals(b.get(GROUP, "connect")) && status instanceof Integer
            && (Integer) status >= 200 && (Integer) status < 300;
    }

    // ------------------------------------------------------------------ packet routing

    /**
     * Feeds one payload packet to the message its direction carries. Returns false only when, with no message
     * recognised yet, the packet shows the flow is not HTTP.
     */
    private boolean feed(DetectorContext ctx, PacketView p) {
        final boolean fromInit = ctx.fromInitiator();
        final int len = p.length();
        long s = ctx.slot();
        if ((s & F_DIR_KNOWN) != 0) {
            // a packet from one side ends the other side's header block if it is still open (the peer answered)
            boolean otherIsRequest = ((s & F_REQ_FROM_INIT) != 0) != fromInit;
            if ((s & (otherIsRequest ? F_REQ_LINE | F_REQ_DONE : F_RESP_LINE | F_RESP_DONE))
                == (otherIsRequest ? F_REQ_LINE : F_RESP_LINE)) {
                close(ctx, otherIsRequest);
                s = ctx.slot();
            }
        }
        int pos = 0;
        if ((s & (F_FRAG | F_SKIP)) != 0) {
            boolean sameDir = ((s & F_PEND_INIT) != 0) == fromInit;
            HttpFlowState st = state(ctx);
            if (!sameDir) {
                abandonPending(ctx, st); // the peer answered: the pending message will not continue
            } else if ((s & F_SKIP) != 0) {
                int lf = p.indexOf(0, len, '\n');
                if (lf < 0) {
                    return true;
                }
                ctx.slot(s & ~F_SKIP);
                pos = lf + 1;
            } else if (st == null || st.used == 0) {
                abandonPending(ctx, st); // the core dropped our state: the fragment is lost
            } else {
                int dup = seqOverlap(ctx, st);
                if (dup >= len) {
                    return true; // a retransmission of bytes already buffered
                }
                if (dup < 0) {
                    abandonPending(ctx, st); // a segment is missing: the line cannot be completed
                } else {
                    markSeq(ctx, st, len);
                    int r = continueFragment(ctx, st, p, dup, len, fromInit);
                    if (r == FAIL) {
                        return (ctx.slot() & F_DIR_KNOWN) != 0;
                    }
                    if (r == CONSUMED) {
                        return true;
                    }
                    pos = r;
                }
            }
        }
        return direct(ctx, p, pos, len, fromInit);
    }

    /** Parses {@code p[pos, len)} in place: a message start if this direction's message has none yet, then headers. */
    private boolean direct(DetectorContext ctx, PacketView p, int pos, int len, boolean fromInit) {
        long s = ctx.slot();
        boolean dirKnown = (s & F_DIR_KNOWN) != 0;
        boolean request = dirKnown && ((s & F_REQ_FROM_INIT) != 0) == fromInit;
        if (dirKnown && (s & (request ? F_REQ_DONE : F_RESP_DONE)) != 0) {
            return true; // this side's message is complete: bodies and later messages are not examined
        }
        if (!dirKnown || (s & (request ? F_REQ_LINE : F_RESP_LINE)) == 0) {
            if (pos >= len) {
                return true;
            }
            int r = startLine(ctx, p, pos, len, fromInit);
            if (r == FAIL) {
                if (!dirKnown) {
                    return false;
                }
                close(ctx, request); // not an HTTP message where one was expected: stop looking on this side
                return true;
            }
            if (r == NEED) {
                storeFragment(ctx, p, pos, len, fromInit);
                return true;
            }
            s = ctx.slot();
            request = ((s & F_REQ_FROM_INIT) != 0) == fromInit;
            if ((s & F_SKIP) != 0) {
                int lf = p.indexOf(r, len, '\n');
                if (lf < 0) {
                    return true;
                }
                ctx.slot(s & ~F_SKIP);
                r = lf + 1;
            }
            pos = r;
        }
        if ((ctx.slot() & (request ? F_REQ_DONE : F_RESP_DONE)) != 0) {
            return true;
        }
        int r = headers(ctx, p, pos, len, request);
        if (r >= 0 && r < len) {
            storeFragment(ctx, p, r, len, fromInit);
        }
        return true;
    }

    /**
     * Completes the pending partial line with {@code p[from, ...)} up to its first LF (within the buffer's
     * capacity) and parses it. Returns the position in {@code p} where in-place parsing resumes, CONSUMED when
     * nothing of {@code p} is left to parse, or FAIL when the line shows this is no HTTP message.
     */
    private int continueFragment(DetectorContext ctx, HttpFlowState st, PacketView p, int from, int len,
                                 boolean fromInit) {
        int lf = p.indexOf(from, len, '\n');
        int take = (lf < 0 ? len : lf + 1) - from;
        int n = Math.min(take, st.buf.length - st.used);
        p.copyTo(from, st.buf, st.used, n);
        st.used += n;
        boolean full = n < take;
        PacketView b = st.view.wrap(st.buf, 0, st.used);
        long s = ctx.slot();
        boolean dirKnown = (s & F_DIR_KNOWN) != 0;
        boolean request = dirKnown && ((s & F_REQ_FROM_INIT) != 0) == fromInit;
        if (!dirKnown || (s & (request ? F_REQ_LINE : F_RESP_LINE)) == 0) {
            int r = startLine(ctx, b, 0, st.used, fromInit);
            if (r == FAIL || (r == NEED && full)) {
                clearFragment(ctx, st);
                if (dirKnown) {
                    close(ctx, request);
                }
                return FAIL;
            }
            if (r == NEED) {
                return CONSUMED;
            }
            clearFragment(ctx, st);
            s = ctx.slot();
            if ((s & F_SKIP) != 0) {
                if (lf < 0) {
                    return CONSUMED;
                }
                ctx.slot(s & ~F_SKIP);
            }
            return lf < 0 ? CONSUMED : lf + 1;
        }
        if (full) {
            clearFragment(ctx, st);
            close(ctx, request); // one header line longer than the whole header budget
            return CONSUMED;
        }
        if (lf < 0) {
            return CONSUMED;
        }
        headers(ctx, b, 0, st.used, request);
        clearFragment(ctx, st);
        return lf + 1;
    }

    // ------------------------------------------------------------------ start lines

    /**
     * Recognises a request or status line at {@code from}. Returns the position after it, NEED while the bytes
     * are a plausible prefix, or FAIL. When the line is recognised but its end is not in the view, F_SKIP is set
     * and the returned position is where the rest of the line starts.
     */
    private int startLine(DetectorContext ctx, PacketView v, int from, int to, boolean fromInit) {
        int kind = HttpParser.classifyStart(v, from, to);
        if (kind == HttpParser.START_NONE) {
            return FAIL;
        }
        if (kind == HttpParser.START_PARTIAL) {
            return NEED;
        }
        long s = ctx.slot();
        boolean dirKnown = (s & F_DIR_KNOWN) != 0;
        boolean reqFromInit = (s & F_REQ_FROM_INIT) != 0;
        if (kind >= 0) {
            if (dirKnown && reqFromInit != fromInit) {
                return FAIL; // a request from the side that answers
            }
            long r = HttpParser.requestLine(v, from, to, cap, kind);
            if (r == HttpParser.INCOMPLETE) {
                return NEED;
            }
            if (r == HttpParser.INVALID) {
                return FAIL;
            }
            onRequestLine(ctx, v, from, r, fromInit);
            if (HttpParser.minor(r) == HttpParser.MINOR_UNKNOWN) {
                skipRestOfLine(ctx, fromInit);
            }
            return HttpParser.next(r);
        }
        if (dirKnown && reqFromInit == fromInit) {
            return FAIL; // a response from the side that asks
        }
        long r = HttpParser.statusLine(v, from, to);
        if (r == HttpParser.INCOMPLETE) {
            return NEED;
        }
        if (r == HttpParser.INVALID) {
            return FAIL;
        }
        onStatusLine(ctx, r, fromInit);
        int limit = to - from > cap ? from + cap : to;
        int lf = v.indexOf(from, limit, '\n');
        if (lf >= 0) {
            return lf + 1;
        }
        skipRestOfLine(ctx, fromInit);
        return to;
    }

    private void onRequestLine(DetectorContext ctx, PacketView v, int from, long r, boolean fromInit) {
        int m = HttpParser.method(r);
        int ts = HttpParser.targetStart(v, from, r);
        int te = HttpParser.targetEnd(r);
        int minor = HttpParser.minor(r);
        DetectionBuilder b = ctx.result();
        b.protocol(PROTOCOL);
        b.put(GROUP, "method", HttpParser.METHOD_NAMES[m]);
        b.put(GROUP, "url", v.ascii(ts, te - ts));
        long flags = F_REQ_LINE | F_DIR_KNOWN | (fromInit ? F_REQ_FROM_INIT : 0);
        if (minor != HttpParser.MINOR_UNKNOWN) {
            b.put(GROUP, "version", minor == 1 ? "HTTP/1.1" : "HTTP/1.0");
            flags |= F_VERSION | (minor == 1 ? F_HTTP11 : 0);
        }
        if (m == HttpParser.CONNECT) {
            b.put(GROUP, "connect", Boolean.TRUE);
        }
        long a = HttpParser.authorityRange(v, ts, te, m == HttpParser.CONNECT);
        if (a >= 0) {
            long h = HttpParser.hostRange(v, HttpParser.rangeStart(a), HttpParser.rangeEnd(a));
            if (h >= 0) {
                hostname(ctx, v, h);
                flags |= F_HOSTNAME;
            }
        }
        ctx.slot(ctx.slot() | flags);
    }

    private void onStatusLine(DetectorContext ctx, long r, boolean fromInit) {
        int status = HttpParser.status(r);
        DetectionBuilder b = ctx.result();
        b.protocol(PROTOCOL);
        b.put(GROUP, "status", status);
        long s = ctx.slot();
        if ((s & F_VERSION) == 0) {
            b.put(GROUP, "version", HttpParser.statusMinor(r) == 1 ? "HTTP/1.1" : "HTTP/1.0");
        }
        long flags = F_RESP_LINE | F_DIR_KNOWN | (fromInit ? 0 : F_REQ_FROM_INIT);
        if (status < 200 && status != 101) {
            flags |= F_INTERIM;
        }
        ctx.slot((s & ~F_INTERIM) | flags);
    }

    private void hostname(DetectorContext ctx, PacketView v, long range) {
        int hs = HttpParser.rangeStart(range);
        int he = HttpParser.rangeEnd(range);
        String host = v.ascii(hs, Math.min(he - hs, 255)).toLowerCase(Locale.ROOT);
        ctx.result().hostname(host);
        if (HttpParser.isIpLiteral(host)) {
            ctx.result().risk(RISK_NUMERIC_IP_HOST);
        }
    }

    // ------------------------------------------------------------------ header lines

    /**
     * Parses the complete header lines in {@code [from, to)} of the open message. Returns -1 when the message's
     * header block ended (or its byte budget ran out), else the start of a trailing partial line ({@code to}
     * when there is none).
     */
    private int headers(DetectorContext ctx, PacketView v, int from, int to, boolean request) {
        int shift = request ? REQ_BYTES_SHIFT : RESP_BYTES_SHIFT;
        int used = (int) ((ctx.slot() >>> shift) & BYTES_MASK);
        int pos = from;
        while (pos < to) {
            int remaining = cap - used;
            int lf = v.indexOf(pos, to - pos > remaining ? pos + remaining : to, '\n');
            if (lf < 0) {
                if (to - pos >= remaining) {
                    close(ctx, request); // the header block outgrew its budget
                    return -1;
                }
                break;
            }
            used += lf + 1 - pos;
            int end = HttpParser.contentEnd(v, pos, lf);
            if (end == pos) {
                storeBytes(ctx, shift, used);
                endOfHeaders(ctx, request);
                return -1;
            }
            header(ctx, v, pos, end, request);
            pos = lf + 1;
        }
        storeBytes(ctx, shift, used);
        return pos;
    }

    private static void storeBytes(DetectorContext ctx, int shift, int used) {
        ctx.slot((ctx.slot() & ~(BYTES_MASK << shift)) | ((long) Math.min(used, (int) BYTES_MASK) << shift));
    }

    private void header(DetectorContext ctx, PacketView v, int start, int end, boolean request) {
        int id = HttpParser.headerId(v, start, end);
        if (id == HttpParser.H_OTHER) {
            return;
        }
        long s = ctx.slot();
        long flag;
        if (request) {
            switch (id) {
                case HttpParser.H_HOST: flag = F_HOST; break;
                case HttpParser.H_USER_AGENT: flag = F_UA; break;
                case HttpParser.H_CONTENT_TYPE: flag = F_REQ_CT; break;
                case HttpParser.H_X_FORWARDED_FOR: flag = F_XFF; break;
                case HttpParser.H_REFERER: flag = F_REFERER; break;
                default: return;
            }
        } else {
            switch (id) {
                case HttpParser.H_SERVER: flag = F_SERVER; break;
                case HttpParser.H_CONTENT_TYPE: flag = F_RESP_CT; break;
                default: return;
            }
        }
        if ((s & flag) != 0) {
            return; // the first occurrence wins
        }
        ctx.slot(s | flag);
        int vs = HttpParser.valueStart(v, id, start, end);
        int ve = HttpParser.valueEnd(v, vs, end);
        DetectionBuilder b = ctx.result();
        switch (id) {
            case HttpParser.H_HOST: {
                b.put(GROUP, "host", v.ascii(vs, ve - vs));
                if ((s & F_HOSTNAME) == 0) {
                    long h = HttpParser.hostRange(v, vs, ve);
                    if (h >= 0) {
                        hostname(ctx, v, h);
                        ctx.slot(ctx.slot() | F_HOSTNAME);
                    }
                }
                break;
            }
            case HttpParser.H_USER_AGENT: {
                String ua = v.ascii(vs, ve - vs);
                b.put(GROUP, "user_agent", ua);
                if (HttpParser.suspiciousUserAgent(ua)) {
                    b.risk(RISK_SUSPICIOUS_UA);
                }
                break;
            }
            case HttpParser.H_CONTENT_TYPE: {
                String ct = v.ascii(vs, ve - vs);
                b.put(GROUP, request ? "request_content_type" : "content_type", ct);
                if (!request && HttpParser.binaryContentType(ct)) {
                    b.risk(RISK_BINARY_TRANSFER);
                }
                break;
            }
            case HttpParser.H_SERVER: {
                String server = v.ascii(vs, ve - vs);
                b.put(GROUP, "server", server);
                if (HttpParser.obsoleteServer(server)) {
                    b.risk(RISK_OBSOLETE_SERVER);
                }
                break;
            }
            case HttpParser.H_X_FORWARDED_FOR:
                b.put(GROUP, "x_forwarded_for", v.ascii(vs, ve - vs));
                break;
            case HttpParser.H_REFERER:
                b.put(GROUP, "referer", v.ascii(vs, ve - vs));
                break;
            default:
                break;
        }
    }

    private void endOfHeaders(DetectorContext ctx, boolean request) {
        long s = ctx.slot();
        if (request) {
            if ((s & (F_HTTP11 | F_HOST)) == F_HTTP11) {
                ctx.result().risk(RISK_MISSING_HOST);
            }
            if ((s & F_UA) == 0) {
                ctx.result().risk(RISK_SUSPICIOUS_UA);
            }
            ctx.slot(s | F_REQ_DONE);
        } else if ((s & F_INTERIM) != 0) {
            // 100 Continue and friends: wait for the final response on the same side
            ctx.slot(s & ~(F_INTERIM | F_RESP_LINE | F_RESP_CT | F_SERVER | (BYTES_MASK << RESP_BYTES_SHIFT)));
        } else {
            ctx.slot(s | F_RESP_DONE);
        }
    }

    // ------------------------------------------------------------------ pending fragment bookkeeping

    private static HttpFlowState state(DetectorContext ctx) {
        Object o = ctx.state();
        return o instanceof HttpFlowState ? (HttpFlowState) o : null;
    }

    /** Marks a message done; a fragment pending for it is dropped. */
    private static void close(DetectorContext ctx, boolean request) {
        long s = ctx.slot() | (request ? F_REQ_DONE : F_RESP_DONE);
        if ((s & F_DIR_KNOWN) != 0 && (s & (F_FRAG | F_SKIP)) != 0) {
            boolean pendRequest = ((s & F_PEND_INIT) != 0) == ((s & F_REQ_FROM_INIT) != 0);
            if (pendRequest == request) {
                s &= ~(F_FRAG | F_SKIP);
                HttpFlowState st = state(ctx);
                if (st != null) {
                    st.used = 0;
                }
            }
        }
        ctx.slot(s);
    }

    /** Drops the pending fragment or skip; a message whose start line was seen is closed with it. */
    private static void abandonPending(DetectorContext ctx, HttpFlowState st) {
        long s = ctx.slot();
        if (st != null) {
            st.used = 0;
        }
        long cleared = s & ~(F_FRAG | F_SKIP);
        if ((s & F_DIR_KNOWN) != 0) {
            boolean pendRequest = ((s & F_PEND_INIT) != 0) == ((s & F_REQ_FROM_INIT) != 0);
            if ((s & (pendRequest ? F_REQ_LINE : F_RESP_LINE)) != 0) {
                cleared |= pendRequest ? F_REQ_DONE : F_RESP_DONE;
            }
        }
        ctx.slot(cleared);
    }

    private static void clearFragment(DetectorContext ctx, HttpFlowState st) {
        st.used = 0;
        ctx.slot(ctx.slot() & ~F_FRAG);
    }

    private static void skipRestOfLine(DetectorContext ctx, boolean fromInit) {
        long s = ctx.slot() | F_SKIP;
        ctx.slot(fromInit ? s | F_PEND_INIT : s & ~F_PEND_INIT);
    }

    /** Keeps {@code p[from, len)}, a partial line shorter than the budget, until the next segment. */
    private void storeFragment(DetectorContext ctx, PacketView p, int from, int len, boolean fromInit) {
        int n = len - from;
        long s = ctx.slot();
        boolean dirKnown = (s & F_DIR_KNOWN) != 0;
        boolean request = dirKnown && ((s & F_REQ_FROM_INIT) != 0) == fromInit;
        if (n >= cap) {
            if (dirKnown) {
                close(ctx, request);
            }
            return;
        }
        HttpFlowState st = state(ctx);
        if (st == null || st.buf.length != cap) {
            st = new HttpFlowState(cap);
            ctx.state(st);
        }
        p.copyTo(from, st.buf, 0, n);
        st.used = n;
        markSeq(ctx, st, len);
        s |= F_FRAG;
        ctx.slot(fromInit ? s | F_PEND_INIT : s & ~F_PEND_INIT);
    }

    /**
     * Bytes at the start of this segment that were already received (a retransmission overlaps the pending
     * data), or -1 when bytes are missing before it. Sequence number 0 means "not provided": order is trusted.
     */
    private static int seqOverlap(DetectorContext ctx, HttpFlowState st) {
        long seq = ctx.tcpSeq() & 0xffffffffL;
        if (seq == 0 || st.nextSeq < 0) {
            return 0;
        }
        int diff = (int) (seq - st.nextSeq);
        return diff > 0 ? -1 : -diff;
    }

    private static void markSeq(DetectorContext ctx, HttpFlowState st, int len) {
        long seq = ctx.tcpSeq() & 0xffffffffL;
        st.nextSeq = seq == 0 ? -1 : (seq + len) & 0xffffffffL;
    }
}
