/*
 * TLS detector.
 *
 * References: RFC 8446 (TLS 1.3), RFC 5246 (TLS 1.2), RFC 6066 (server_name), RFC 7301 (ALPN), RFC 8701 (GREASE),
 * RFC 5280 (X.509 certificates), RFC 6125 section 6.4 (host name matching, wildcards), RFC 3207 / RFC 2595 /
 * RFC 4217 / RFC 6120 (STARTTLS in SMTP, IMAP and POP3, FTP, XMPP), FoxIO JA4 specification, Salesforce JA3,
 * Tor's tor-spec "Connections" (the TLS link handshake; see TorLink).
 */
package org.flowmark.detector.tls.internal;

import java.util.List;
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
 * Detects TLS over TCP on any port from its handshake, and extracts the handshake's metadata.
 *
 * <p><b>Verdicts.</b> Cheapest reject first: a direction's first payload must start like a handshake record
 * ({@code 0x16}, version major 3, minor at most 4, a record length of 4..18432, handshake type ClientHello (1) or
 * ServerHello (2), a body of at least 38 bytes, a legacy version of major 3); anything else EXCLUDES (unless it
 * is the plaintext start of a STARTTLS exchange, below). Records are then reassembled per direction in TCP
 * sequence order ({@link TlsFlowState}): retransmitted bytes are skipped, a gap or a message larger than the
 * direction's buffer stops it. DETECTED as soon as a ClientHello, or a ServerHello when the client's packets were
 * missed, parses with every length consistent (extensions must end the message exactly); a ClientHello cut short
 * by a gap or by the client buffer cap is parsed as far as it goes and counts when it reached its cipher suites
 * (no fingerprints then). A malformed hello EXCLUDES. After DETECTED, {@link #collect} reads the server's
 * ServerHello and, up to TLS 1.2, the first certificate of its Certificate message (read as soon as that
 * certificate is complete, even when the rest of the chain is not), within the extra-packet budget.
 *
 * <p><b>STARTTLS</b> (SMTP, IMAP, POP3, FTP, XMPP; on by default): a flow that starts with a plaintext line of
 * one of these protocols is followed while it stays printable text; once the client sent the upgrade command
 * ({@code STARTTLS}, {@code STLS}, {@code AUTH TLS}/{@code AUTH SSL}, {@code <starttls}) and the server accepted
 * ({@code 220}, {@code +OK}, {@code 234}, {@code OK}, {@code <proceed}), the next client segment must be a TLS
 * handshake and the flow is labelled TLS with {@code ssl.starttls} naming the plaintext protocol. A binary
 * packet before that EXCLUDES. RDP's TPKT/X.224 connection request and confirm (RFC 1006, MS-RDPBCGR 1.3.1.1)
 * are followed the same way ({@code starttls = "rdp"}).
 *
 * <p><b>Mid-connection captures.</b> A direction whose first record is application data, an alert or
 * ChangeCipherSpec (versions 3.0 to 3.3) is followed as records; DETECTED once its records chained without a
 * fault to exactly the end of a segment (every header valid where the previous length put it), with
 * {@code ssl.midstream = true} and no other metadata.
 *
 * <p><b>Names.</b> Protocol {@code "TLS"}, also after STARTTLS and on mail ports (TLS is TLS wherever it runs, so
 * a rule on {@code protocol == "TLS"} sees all of it; the upgraded protocol is in {@code ssl.starttls}); with
 * {@code secureMailNames} (off by default; nDPI's naming) TLS after a
 * STARTTLS upgrade of SMTP, IMAP, POP3 or FTP, or on server port 465, 993, 995 or 990, is {@code SMTPS},
 * {@code IMAPS}, {@code POPS} or {@code FTPS} (the payload decides that it is TLS, the port or the upgrade only
 * names it); TLS after RDP's X.224 exchange gets application {@code rdp}.
 *
 * <p><b>Metadata</b> (host name = SNI, group {@code "ssl"}, netifyd names):
 * {@code version} ({@code SSLv3}, {@code TLSv1}, {@code TLSv1.1}, {@code TLSv1.2}, {@code TLSv1.3}: negotiated,
 * from the ServerHello), {@code cipher_suite} (IANA name or {@code 0x} hex), {@code client_sni},
 * {@code alpn} (list offered), {@code alpn_server}, {@code client_ja4}, {@code client_ja3} (MD5), {@code ech}
 * (encrypted_client_hello offered), {@code server_cn}, {@code subject_dn}, {@code issuer_dn},
 * {@code server_names} (the certificate's dNSName SANs), {@code cert_not_before} and {@code cert_not_after}
 * (ISO 8601 UTC), {@code starttls}, {@code tor_like_sni}, {@code tor_cells} (see below).
 *
 * <p><b>Tor</b> ({@link TorLink}): a server certificate that is a Tor relay's link certificate (subject a single
 * CN {@code www.<base32>.net}, issuer a different single CN {@code www.<base32>.com}, no SAN) gives application
 * {@code tor}, category {@code vpn}. A ClientHello with Tor's random SNI shape and no ALPN only sets
 * {@code ssl.tor_like_sni = true}: that shape alone also fits real sites. With TLS 1.3 the certificate is encrypted;
 * then, after a tor-like ClientHello and a TLS 1.3 ServerHello, {@link #collect} keeps walking the record headers of
 * both directions (no payload copied, see {@link TlsFlowState}) within the extra-packet budget and names {@code tor}
 * once the application-data records show Tor's cell framing: at least 4 records of {@code 514 * k + 17} bytes, at
 * least one in each direction, with at most 3 other application-data records per direction up to then (the
 * server's encrypted handshake flight not counted; {@link TorLink}). It records {@code ssl.tor_cells} (those
 * cell-sized records counted) when the walk ends, named or not; collect stops as soon as it is decided. Cell-sized
 * records without the SNI shape name nothing.
 *
 * <p><b>Risks</b> (flags):
 * <ul>
 * <li>{@code tls_obsolete_version}: SSL 3.0, TLS 1.0 or TLS 1.1 negotiated (RFC 8996 deprecates them);</li>
 * <li>{@code tls_weak_cipher}: the negotiated suite is NULL, EXPORT, anonymous, RC4, DES or 3DES, RC2 or IDEA
 *     (see {@link CipherSuites#weak}: CBC with SHA-1 is deliberately not flagged);</li>
 * <li>{@code tls_self_signed_cert}: the server certificate's subject equals its issuer;</li>
 * <li>{@code tls_expired_cert}: the packet's capture time is after notAfter or before notBefore;</li>
 * <li>{@code tls_sni_mismatch}: the SNI is matched by no dNSName SAN (by the subject CN when there is no
 *     SAN), with RFC 6125 wildcards: {@code *.example.com} covers exactly one leftmost label;</li>
 * <li>{@code tls_missing_sni}: a complete ClientHello without server_name;</li>
 * <li>{@code tls_malformed_hello}: a ClientHello whose header, version, session id and cipher suites are valid
 *     but whose compression methods or extensions break the format (broken or hostile clients, fuzzers): the flow
 *     is still TLS, the fingerprints are left out.</li>
 * </ul>
 * Certificate risks are seen up to TLS 1.2 only: TLS 1.3 encrypts the Certificate.
 *
 * <p><b>Per-flow state</b>: {@link TlsFlowState} (two small stream records; a buffer per direction only when a
 * message spans segments, capped by configuration). The detector's fields hold only configuration.
 */
@Component(service = Detector.class, configurationPid = "org.flowmark.detector.tls")
@Designate(ocd = TlsDetector.Config.class)
@DetectorProperties(name = "tls", transport = "tcp",
    ports = {443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 5223, 8443}, priority = 20,
    extraPackets = TlsDetector.EXTRA_PACKETS)
public final class TlsDetector implements Detector {

    /** Configuration (PID {@code org.flowmark.detector.tls}). */
    @ObjectClassDefinition(name = "Flowmark TLS detector",
        description = "Detects TLS by its handshake and extracts SNI, ALPN, JA4/JA3, version, cipher, certificate.")
    @interface Config {
        @AttributeDefinition(name = "Initiator buffer bytes",
            description = "Cap on the reassembly buffer of the initiator (client) side, 512 to 65536.",
            min = "512", max = "65536")
        int clientBufferBytes() default DEFAULT_CLIENT_BUFFER;

        @AttributeDefinition(name = "Responder buffer bytes",
            description = "Cap on the reassembly buffer of the responder (server) side, 1024 to 65536.",
            min = "1024", max = "65536")
        int serverBufferBytes() default DEFAULT_SERVER_BUFFER;

        @AttributeDefinition(name = "STARTTLS",
            description = "Follow the plaintext STARTTLS exchange of SMTP, IMAP, POP3, FTP and XMPP.")
        boolean starttls() default true;

        @AttributeDefinition(name = "Secure mail protocol names",
            description = "Name TLS that carries mail or FTP as nDPI does: SMTPS, IMAPS, POPS, FTPS (after "
                + "STARTTLS, or on server ports 465, 993, 995, 990); otherwise such flows are named TLS.")
        boolean secureMailNames() default false;
    }

    /** Packets handed to {@link #collect} after DETECTED (the SPI's maximum): server handshake, Tor cell walk. */
    static final int EXTRA_PACKETS = 16;
    static final int DEFAULT_CLIENT_BUFFER = 4096;
    static final int DEFAULT_SERVER_BUFFER = 16384;

    static final String PROTOCOL = "TLS";
    static final String GROUP = "ssl";
    static final String RISK_OBSOLETE = "tls_obsolete_version";
    static final String RISK_WEAK_CIPHER = "tls_weak_cipher";
    static final String RISK_SELF_SIGNED = "tls_self_signed_cert";
    static final String RISK_EXPIRED = "tls_expired_cert";
    static final String RISK_SNI_MISMATCH = "tls_sni_mismatch";
    static final String RISK_MISSING_SNI = "tls_missing_sni";
    static final String RISK_MALFORMED = "tls_malformed_hello";

    private final int clientCap;
    private final int serverCap;
    private final boolean starttls;
    private final boolean secureMailNames;

    @Activate
    public TlsDetector(Config config) {
        this.clientCap = Math.max(512, Math.min(65536, config.clientBufferBytes()));
        this.serverCap = Math.max(1024, Math.min(65536, config.serverBufferBytes()));
        this.starttls = config.starttls();
        this.secureMailNames = config.secureMailNames();
    }

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        TlsFlowState st = (TlsFlowState) ctx.state();
        if (st == null || st.starttls != StartTls.NONE && st.starttls != StartTls.TLS) {
            if (plausibleStart(payload)) {
                if (st == null) {
                    st = new TlsFlowState(clientCap, serverCap);
                    ctx.state(st);
                } else if (st.starttls != StartTls.ACCEPTED || !ctx.fromInitiator()) {
                    return exclude(ctx); // TLS bytes before the upgrade was agreed
                } else {
                    st.starttls = StartTls.TLS;
                }
            } else if (starttls) {
                if (st == null) {
                    st = new TlsFlowState(clientCap, serverCap);
                }
                int phase = StartTls.advance(st, ctx.fromInitiator(), payload);
                if (phase == StartTls.FAILED) {
                    return exclude(ctx);
                }
                ctx.state(st);
                return Verdict.NEED_MORE;
            } else {
                return exclude(ctx);
            }
        }
        boolean fromInit = ctx.fromInitiator();
        int r = st.feed(fromInit, payload, ctx.tcpSeq());
        if (st.helloSeen() || (r == TlsFlowState.GAVE_UP && st.salvageClientHello(fromInit))) {
            report(ctx, st, secureMailNames);
            return Verdict.DETECTED;
        }
        if (r != TlsFlowState.OK || (st.init.done && st.resp.done)) {
            return exclude(ctx);
        }
        if (st.midstreamRecords()) {
            st.serverDone = true; // no handshake to read: nothing more to collect
            ctx.result().protocol(secureMailNames ? protocolName(ctx, st) : PROTOCOL);
            ctx.result().put(GROUP, "midstream", Boolean.TRUE);
            return Verdict.DETECTED;
        }
        return Verdict.NEED_MORE;
    }

    private static Verdict exclude(DetectorContext ctx) {
        ctx.state(null);
        return Verdict.EXCLUDED;
    }

    @Override
    public boolean collect(DetectorContext ctx, PacketView payload) {
        Object o = ctx.state();
        if (!(o instanceof TlsFlowState)) {
            return false;
        }
        TlsFlowState st = (TlsFlowState) o;
        if (!st.serverDone || st.cellWalkOpen()) {
            boolean fromInit = ctx.fromInitiator();
            int r = st.feed(fromInit, payload, ctx.tcpSeq());
            if (r == TlsFlowState.GAVE_UP) {
                st.salvageClientHello(fromInit);
            }
        }
        if (++st.collects >= EXTRA_PACKETS) {
            st.endCellWalk(); // the core hands no more packets: the SNI shape stays metadata only
        }
        report(ctx, st, secureMailNames);
        TlsStream server = st.roleKnown && !st.clientIsInitiator ? st.init : st.resp;
        boolean more = (!st.serverDone && !server.done) || st.cellWalkOpen();
        if (!more) {
            ctx.state(null);
        }
        return more;
    }

    /**
     * The first bytes of a direction as a TLS handshake record holding a hello. Tests only the bytes present:
     * a shorter first segment passes on what it has.
     */
    static boolean plausibleStart(PacketView p) {
        int len = p.length();
        if (len < 1) {
            return false;
        }
        int type = p.u8(0);
        if (type == 0x14 || type == 0x15 || type == 0x17) {
            // a record after the handshake (capture began mid-connection): version 3.0 to 3.3, sane length
            return len < 3 || (p.u8(1) == 3 && p.u8(2) <= 3 && (len < 5 || (p.u16(3) > 0
                && p.u16(3) <= TlsFlowState.MAX_RECORD)));
        }
        if (type != 0x16) {
            return false;
        }
        if (len >= 3 && (p.u8(1) != 3 || p.u8(2) > 4)) {
            return false;
        }
        if (len >= 5) {
            int rlen = p.u16(3);
            if (rlen < 4 || rlen > TlsFlowState.MAX_RECORD) {
                return false;
            }
        }
        if (len >= 6 && p.u8(5) != 1 && p.u8(5) != 2) {
            return false;
        }
        if (len >= 9 && (p.u24(6) < 38 || p.u24(6) > 0xffff)) {
            return false;
        }
        return len < 10 || p.u8(9) == 3;
    }

    // ------------------------------------------------------------------ reporting

    /** Puts what was parsed since the last call into the detection. */
    private static void report(DetectorContext ctx, TlsFlowState st, boolean secureMailNames) {
        DetectionBuilder b = ctx.result();
        b.protocol(secureMailNames ? protocolName(ctx, st) : PROTOCOL);
        if ("rdp".equals(st.starttlsProtocol)) {
            b.application("rdp");
        }
        ClientHello ch = st.clientHello;
        if (ch != null && !st.reportedClient) {
            st.reportedClient = true;
            if (ch.sni != null) {
                b.hostname(ch.sni);
                b.put(GROUP, "client_sni", ch.sni);
            }
            if (!ch.alpn.isEmpty()) {
                b.put(GROUP, "alpn", ch.alpn);
            }
            b.put(GROUP, "ech", ch.ech);
            if (ch.malformed) {
                b.risk(RISK_MALFORMED);
            } else if (!ch.truncated) {
                b.put(GROUP, "client_ja4", Fingerprints.ja4(ch, 't'));
                b.put(GROUP, "client_ja3", Fingerprints.ja3(ch));
                if (!ch.sniPresent) {
                    b.risk(RISK_MISSING_SNI);
                }
            }
            if (st.starttlsProtocol != null) {
                b.put(GROUP, "starttls", st.starttlsProtocol);
            }
            if (TorLink.torLikeClientHello(ch)) {
                b.put(GROUP, "tor_like_sni", Boolean.TRUE); // weak evidence only: see TorLink
            }
        }
        ServerHello sh = st.serverHello;
        if (sh != null && !sh.helloRetryRequest && !st.reportedServer) {
            st.reportedServer = true;
            int v = sh.version();
            reportServerHello(b, sh, v >= 0x0300 && v < 0x0303);
        }
        Certificate c = st.certificate;
        if (c != null && !st.reportedCert) {
            st.reportedCert = true;
            reportCertificate(b, c, ch, ctx.timestampNanos(), true);
            if (TorLink.linkCertificate(c)) {
                b.application(TorLink.APPLICATION).category(TorLink.CATEGORY);
            }
        }
        if (!st.reportedCells && !st.cellWalkOpen() && st.cellWalk != TlsFlowState.CELLS_NONE
                && sh != null && sh.version() >= 0x0304) {
            st.reportedCells = true;
            b.put(GROUP, "tor_cells", st.cellRecords());
            if (st.cellWalk == TlsFlowState.CELLS_TOR) {
                b.application(TorLink.APPLICATION).category(TorLink.CATEGORY);
            }
        }
    }

    /**
     * The negotiated version and cipher, the server's ALPN, and the risks they raise ({@code obsolete}: the version
     * counts as obsolete for this transport). Shared with {@link DtlsDetector}.
     */
    static void reportServerHello(DetectionBuilder b, ServerHello sh, boolean obsolete) {
        b.put(GROUP, "version", versionName(sh.version()));
        b.put(GROUP, "cipher_suite", CipherSuites.name(sh.cipher));
        if (sh.alpn != null) {
            b.put(GROUP, "alpn_server", sh.alpn);
        }
        if (obsolete) {
            b.risk(RISK_OBSOLETE);
        }
        if (CipherSuites.weak(sh.cipher)) {
            b.risk(RISK_WEAK_CIPHER);
        }
    }

    /**
     * The server certificate's names and validity, and the risks it raises at capture time {@code nowNanos}
     * (self-signed only when {@code selfSignedIsRisk}; SNI not covered when the ClientHello named one). Shared with
     * {@link DtlsDetector}.
     */
    static void reportCertificate(DetectionBuilder b, Certificate c, ClientHello ch, long nowNanos,
            boolean selfSignedIsRisk) {
        if (c.commonName != null) {
            b.put(GROUP, "server_cn", c.commonName);
        }
        b.put(GROUP, "subject_dn", c.subjectDn);
        b.put(GROUP, "issuer_dn", c.issuerDn);
        if (!c.dnsNames.isEmpty()) {
            b.put(GROUP, "server_names", c.dnsNames);
        }
        b.put(GROUP, "cert_not_before", Certificate.iso(c.notBefore));
        b.put(GROUP, "cert_not_after", Certificate.iso(c.notAfter));
        if (selfSignedIsRisk && c.selfIssued()) {
            b.risk(RISK_SELF_SIGNED);
        }
        long now = Math.floorDiv(nowNanos, 1_000_000_000L);
        if (now > c.notAfter || now < c.notBefore) {
            b.risk(RISK_EXPIRED);
        }
        if (ch != null && ch.sni != null && !covers(c, ch.sni)) {
            b.risk(RISK_SNI_MISMATCH);
        }
    }

    /**
     * nDPI's name for TLS that carries a mail or file-transfer protocol: after a STARTTLS upgrade of SMTP, IMAP,
     * POP3 or FTP, or on the implicit-TLS server ports (465 SMTPS, 993 IMAPS, 995 POP3S, 990 FTPS); else TLS.
     */
    static String protocolName(DetectorContext ctx, TlsFlowState st) {
        String p = st.starttlsProtocol;
        if (p == null) {
            // the server's port; when the roles are unknown (mid-connection), either port
            if (st.roleKnown) {
                p = securePort(ctx.fromInitiator() == st.clientIsInitiator ? ctx.dstPort() : ctx.srcPort());
            } else {
                p = securePort(ctx.dstPort());
                p = p != null ? p : securePort(ctx.srcPort());
            }
        }
        if (p == null) {
            return PROTOCOL;
        }
        switch (p) {
            case "smtp": return "SMTPS";
            case "imap": return "IMAPS";
            case "pop3": return "POPS";
            case "ftp": return "FTPS";
            default: return PROTOCOL;
        }
    }

    private static String securePort(int port) {
        switch (port) {
            case 465: return "smtp";
            case 993: return "imap";
            case 995: return "pop3";
            case 990: return "ftp";
            default: return null;
        }
    }

    static String versionName(int v) {
        switch (v) {
            case 0x0300: return "SSLv3";
            case 0x0301: return "TLSv1";
            case 0x0302: return "TLSv1.1";
            case 0x0303: return "TLSv1.2";
            case 0x0304: return "TLSv1.3";
            case 0xfeff: return "DTLSv1.0";
            case 0xfefd: return "DTLSv1.2";
            case 0xfefc: return "DTLSv1.3";
            default: return String.format("0x%04x", v);
        }
    }

    /** True when the certificate names {@code host}: a dNSName SAN, or the subject CN when there is no SAN. */
    static boolean covers(Certificate c, String host) {
        List<String> names = c.dnsNames;
        if (names.isEmpty()) {
            return c.commonName != null && hostMatches(c.commonName.toLowerCase(Locale.ROOT), host);
        }
        for (String n : names) {
            if (hostMatches(n, host)) {
                return true;
            }
        }
        return false;
    }

    /**
     * RFC 6125 section 6.4: case-insensitive equality, or a pattern whose whole leftmost label is {@code *}
     * covering exactly one leftmost label of {@code host} (never a public suffix alone: the pattern needs two
     * more labels).
     */
    static boolean hostMatches(String pattern, String host) {
        String p = pattern.endsWith(".") ? pattern.substring(0, pattern.length() - 1) : pattern;
        if (p.equalsIgnoreCase(host)) {
            return true;
        }
        if (!p.startsWith("*.")) {
            return false;
        }
        String suffix = p.substring(1); // ".example.com"
        if (suffix.indexOf('.', 1) < 0) {
            return false;
        }
        int dot = host.indexOf('.');
        return dot > 0 && host.length() - dot == suffix.length() && host.regionMatches(true, dot, suffix, 0,
            suffix.length());
    }
}
