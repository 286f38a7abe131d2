/*
 * DTLS detector.
 *
 * References: RFC 4347 (DTLS 1.0), RFC 6347 (DTLS 1.2: record layer 4.1, handshake 4.2, HelloVerifyRequest and
 * cookie 4.2.1, fragmentation and reassembly 4.2.3), RFC 9147 (DTLS 1.3: unified header 4, handshake 5),
 * RFC 9146 (connection id), RFC 7983 (demultiplexing DTLS from STUN and RTP), RFC 6066 (server_name),
 * RFC 7301 (ALPN), RFC 5280 (X.509), FoxIO JA4 specification (transport 'd'), Salesforce JA3.
 */
package org.flowmark.detector.tls.internal;

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
 * Detects DTLS 1.0, 1.2 and 1.3 over UDP on any port from its handshake, and extracts the handshake's metadata.
 *
 * <p><b>Verdicts.</b> Cheapest reject first: the flow's first datagram must start with a plaintext DTLS record
 * header (content type 20..26, version {@code 0xfeff}, {@code 0xfefd} or {@code 0xfefc}, a record that fits the
 * datagram), else EXCLUDED. Every datagram inspected before the verdict must then be a well-formed chain of records
 * ({@link DtlsRecords}: lengths that end the datagram exactly, epoch-0 contents checked, handshake fragment headers
 * consistent) holding at least one epoch-0 handshake fragment, else EXCLUDED. DETECTED only once a ClientHello,
 * ServerHello or HelloVerifyRequest has been read whole, from one datagram or reassembled from fragments, with every
 * field agreeing ({@link DtlsFlowState}); never from a first byte, never from a DTLS 1.3 unified header (which is
 * evidence of DTLS 1.3 after the verdict only). At most {@value #MAX_PENDING} datagrams without a hello, then
 * EXCLUDED. After DETECTED, {@link #collect} reads the ServerHello and, up to DTLS 1.2, the first certificate of
 * the server's Certificate message (reassembled from its fragments, out of order allowed, within the bound).
 *
 * <p><b>Priority</b> 22: after STUN (20), so that a flow that starts with STUN stays STUN's (the STUN detector names
 * it DTLS itself when DTLS follows, as RFC 7983 demultiplexing allows), and after the other single-packet magic
 * number detectors of priority 20 (QUIC, whose long header has the top bit set, and WireGuard: disjoint first
 * bytes, so the order costs nothing); before IPsec (25), DHCP (30), OpenVPN (40), NTP (40) and the generic RTP
 * heuristic (200), whose tests are weaker than a consistent DTLS handshake. Hint ports: 443 and 4433 (DTLS
 * variants of HTTPS/QUIC test ports, WebRTC TURN/TLS), 3391 (RD Gateway UDP transport), 5684 (CoAP over DTLS,
 * RFC 7252), 4740 (ipfix/dtls), 5061 (SIP over DTLS), 6514 (syslog over DTLS, RFC 6012), 853 (DNS over DTLS,
 * RFC 8094), 2221/10161/10162 (EtherNet/IP and SNMP over DTLS); a hint only runs the detector first.
 *
 * <p><b>Names.</b> Protocol {@code "DTLS"}; host name = SNI.
 *
 * <p><b>Metadata</b> (group {@code "ssl"}, the keys of the TLS detector): {@code version} ({@code DTLSv1.0},
 * {@code DTLSv1.2}, {@code DTLSv1.3}: negotiated, from the ServerHello; {@code DTLSv1.3} also when only a unified
 * header showed it), {@code cipher_suite}, {@code client_sni}, {@code alpn}, {@code alpn_server},
 * {@code client_ja4} (transport {@code d}), {@code client_ja3}, {@code ech}, {@code server_cn}, {@code subject_dn},
 * {@code issuer_dn}, {@code server_names}, {@code cert_not_before}, {@code cert_not_after}; and
 * {@code hello_verify} = true when the server asked for a cookie (HelloVerifyRequest).
 *
 * <p><b>Risks</b> (the TLS detector's flags, where they apply to DTLS):
 * <ul>
 * <li>{@code tls_obsolete_version}: DTLS 1.0 negotiated (RFC 8996);</li>
 * <li>{@code tls_weak_cipher}: the negotiated suite is weak ({@link CipherSuites#weak});</li>
 * <li>{@code tls_self_signed_cert}: subject equals issuer, except for DTLS-SRTP (the ClientHello offers
 *     use_srtp, RFC 5764): WebRTC peers use self-signed certificates by design and authenticate them by the
 *     fingerprint exchanged in the signalling (RFC 8827), so the flag would be noise on every call;</li>
 * <li>{@code tls_expired_cert}: the capture time is outside the certificate's validity;</li>
 * <li>{@code tls_sni_mismatch}: an SNI that no name of the certificate covers.</li>
 * </ul>
 * No {@code tls_missing_sni}: WebRTC and most DTLS peers never send server_name.
 *
 * <p><b>Per-flow state</b>: {@link DtlsFlowState}, with one reassembly buffer per direction of at most
 * {@code reassemblyBytes} (default 16 KiB), allocated only for a fragmented message of interest. The walk over a
 * datagram allocates nothing; parsing a hello or a certificate allocates once per message. The detector's fields
 * hold only configuration.
 */
@Component(service = Detector.class, configurationPid = "org.flowmark.detector.dtls")
@Designate(ocd = DtlsDetector.Config.class)
@DetectorProperties(name = "dtls", transport = "udp",
    ports = {443, 853, 2221, 3391, 4433, 4740, 5061, 5684, 6514, 10161, 10162}, priority = 22, extraPackets = 16)
public final class DtlsDetector implements Detector {

    /** Configuration (PID {@code org.flowmark.detector.dtls}). */
    @ObjectClassDefinition(name = "Flowmark DTLS detector",
        description = "Detects DTLS by its handshake and extracts SNI, ALPN, JA4/JA3, version, cipher, certificate.")
    @interface Config {
        @AttributeDefinition(name = "Reassembly bytes",
            description = "Cap on the reassembly buffer of a fragmented handshake message, per direction, "
                + "1024 to 65536.", min = "1024", max = "65536")
        int reassemblyBytes() default DEFAULT_REASSEMBLY;
    }

    static final int DEFAULT_REASSEMBLY = 16384;
    /** Datagrams with handshake fragments but no complete hello yet, before giving up. */
    static final int MAX_PENDING = 8;

    static final String PROTOCOL = "DTLS";
    static final String GROUP = TlsDetector.GROUP;

    private final int cap;

    @Activate
    public DtlsDetector(Config config) {
        this.cap = Math.max(1024, Math.min(65536, config.reassemblyBytes()));
    }

    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        DtlsFlowState st = (DtlsFlowState) ctx.state();
        if (st == null) {
            if (!DtlsRecords.plausibleStart(payload)) {
                return Verdict.EXCLUDED;
            }
            st = new DtlsFlowState(cap);
            ctx.state(st);
        }
        int r = st.feed(ctx.fromInitiator(), payload);
        if (r == DtlsRecords.MALFORMED) {
            return exclude(ctx);
        }
        if (st.helloSeen()) {
            report(ctx, st);
            if (st.serverDone) {
                ctx.state(null);
            }
            return Verdict.DETECTED;
        }
        if ((r & DtlsRecords.F_HANDSHAKE) == 0 || ++st.pending >= MAX_PENDING) {
            return exclude(ctx);
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
        if (!(o instanceof DtlsFlowState)) {
            return false;
        }
        DtlsFlowState st = (DtlsFlowState) o;
        if (!st.serverDone && st.feed(ctx.fromInitiator(), payload) == DtlsRecords.MALFORMED
                && st.fromServer(ctx.fromInitiator())) {
            st.serverDone = true; // the server's flight stopped making sense: keep what was read
        }
        report(ctx, st);
        if (st.serverDone) {
            ctx.state(null);
            return false;
        }
        return true;
    }

    /** The use_srtp extension (RFC 5764): DTLS-SRTP, whose peers authenticate certificates out of band. */
    static final int EXT_USE_SRTP = 14;

    /** True when the ClientHello offers use_srtp (WebRTC and other DTLS-SRTP media). */
    static boolean srtp(ClientHello ch) {
        if (ch == null) {
            return false;
        }
        for (int i = 0; i < ch.extensionCount; i++) {
            if (ch.extensions[i] == EXT_USE_SRTP) {
                return true;
            }
        }
        return false;
    }

    /** Puts what was parsed since the last call into the detection. */
    static void report(DetectorContext ctx, DtlsFlowState st) {
        DetectionBuilder b = ctx.result();
        b.protocol(PROTOCOL);
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
            b.put(GROUP, "client_ja4", Fingerprints.ja4(ch, 'd'));
            b.put(GROUP, "client_ja3", Fingerprints.ja3(ch));
        }
        if (st.helloVerifyVersion != 0 && b.get(GROUP, "hello_verify") == null) {
            b.put(GROUP, "hello_verify", Boolean.TRUE);
        }
        ServerHello sh = st.serverHello;
        if (sh != null && !sh.helloRetryRequest && !st.reportedServer) {
            st.reportedServer = true;
            TlsDetector.reportServerHello(b, sh, sh.version() == 0xfeff);
        } else if (sh == null && st.unifiedSeen && !st.reportedUnified) {
            st.reportedUnified = true;
            b.put(GROUP, "version", TlsDetector.versionName(0xfefc)); // only DTLS 1.3 has a unified header
        }
        Certificate c = st.certificate;
        if (c != null && !st.reportedCert) {
            st.reportedCert = true;
            TlsDetector.reportCertificate(b, c, ch, ctx.timestampNanos(), !srtp(ch));
        }
    }
}
