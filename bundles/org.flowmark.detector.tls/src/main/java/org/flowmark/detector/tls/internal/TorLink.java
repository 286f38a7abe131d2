/*
 * Tor link connections seen through their TLS handshake.
 *
 * References: Tor Protocol Specification (tor-spec), "Connections" and "Negotiating and initializing
 * connections" (the TLS link handshake, the link and identity certificates); Tor's public behaviour as released:
 * a relay's TLS link certificate names a random subject "www.<8..20 base32 chars>.net" and a random issuer
 * "www.<8..20 base32 chars>.com" (the identity certificate's name), each as a single commonName attribute, with
 * no extensions; a Tor client sends the random SNI "www.<4..25 base32 chars>.com" and no ALPN. Base32 is RFC 4648
 * section 6's alphabet as Tor writes it: lowercase a-z and 2-7. tor-spec "Cell packing": with link protocol 4 or
 * higher a fixed-length cell is 514 bytes (4-byte circuit id, 1-byte command, 509-byte body); variable-length cells
 * (VERSIONS, CERTS, AUTH_CHALLENGE, ...) come first on a link. RFC 8446 section 5.2: a TLS 1.3 record protected with
 * AES-GCM or ChaCha20-Poly1305 carries its plaintext, one content-type byte and a 16-byte tag (no padding unless the
 * sender adds some).
 */
package org.flowmark.detector.tls.internal;

/**
 * Recognises the names Tor puts into its TLS link handshake. Pure functions over already parsed values (no
 * allocation, no state).
 *
 * <p><b>Strong evidence</b> ({@link #linkCertificate}): the responder's certificate (visible up to TLS 1.2) has a
 * subject DN that is exactly one CN {@code www.<r>.net} and an issuer DN that is exactly one CN {@code www.<r>.com},
 * each {@code <r>} 8 to 20 characters of {@code [a-z2-7]}, subject and issuer different, and no subjectAltName.
 * Public CAs always put more than one attribute into the issuer DN (organisation, country), a self-made
 * certificate normally has subject == issuer, and a legitimate site's certificate carries a subjectAltName: this
 * combination is Tor's and nobody else's in practice.
 *
 * <p><b>Weak evidence</b> ({@link #torLikeClientHello}): a complete ClientHello whose SNI is
 * {@code www.<r>.com} with {@code <r>} 4 to 25 characters of {@code [a-z2-7]} and that offers no ALPN. That shape
 * also fits many real names ({@code www.facebook.com}, {@code www.web2print.com}: letters-only names are base32
 * strings too) sent by clients that do not offer ALPN (older libraries, scripts, IoT), so it is never enough to name
 * the application; the detector records it as metadata only. With TLS 1.3 the certificate is encrypted and this
 * is all there is to see.
 *
 * <p><b>Cell framing</b> ({@link #cellRecord}): over TLS 1.3 a Tor link writes its cells in records of
 * {@code 514 * k + 17} bytes (k whole fixed-length cells, k at least 1) in both directions, after a few other records
 * (the client's Finished, the server's session tickets, the records holding the variable-length cells). The
 * detector combines that with the weak evidence above: a tor-like ClientHello, a TLS 1.3 ServerHello, then at least
 * {@link #MIN_CELL_RECORDS} cell-sized application-data records, at least one in each direction, with at most
 * {@link #MAX_OTHER_RECORDS} other application-data records per direction up to that point (the server's encrypted
 * handshake flight, sent before the client's first application-data record, is not counted). Ordinary TLS traffic
 * does not repeat one record size modulo 514 like that, and without the SNI shape cell-sized records name nothing.
 */
final class TorLink {

    static final String APPLICATION = "tor";
    static final String CATEGORY = "vpn";

    /** Random part of the link certificate's names (subject and issuer). */
    static final int CERT_MIN = 8;
    static final int CERT_MAX = 20;
    /** Random part of the client's SNI. */
    static final int SNI_MIN = 4;
    static final int SNI_MAX = 25;

    /** A fixed-length cell with link protocol 4 or higher: 4-byte circuit id, command, 509-byte body. */
    static final int CELL_BYTES = 514;
    /** TLS 1.3 record expansion with an AEAD of 16-byte tag: inner content type byte plus tag. */
    static final int TLS13_AEAD_OVERHEAD = 17;
    /** Cell-sized records needed (at least one per direction). */
    static final int MIN_CELL_RECORDS = 4;
    /** Other application-data records allowed per direction before the decision. */
    static final int MAX_OTHER_RECORDS = 3;

    private static final String PREFIX = "www.";
    private static final String CN = "CN=";

    private TorLink() {
    }

    /**
     * True when {@code host} is exactly {@code "www." + r + suffix} with {@code r} of {@code min..max} characters
     * from Tor's base32 alphabet (lowercase a-z, 2-7). Case-sensitive: Tor writes lowercase; callers that already
     * lowercased a name (the SNI) lose nothing.
     */
    static boolean randomHost(String host, String suffix, int min, int max) {
        return host != null && randomHostAt(host, 0, suffix, min, max);
    }

    /** {@link #randomHost} over {@code s} from index {@code from} to its end (no substring). */
    private static boolean randomHostAt(String s, int from, String suffix, int min, int max) {
        int n = s.length() - from - PREFIX.length() - suffix.length();
        if (n < min || n > max || !s.startsWith(PREFIX, from) || !s.endsWith(suffix)) {
            return false;
        }
        for (int i = from + PREFIX.length(), end = i + n; i < end; i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z') && !(c >= '2' && c <= '7')) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when a rendered DN ({@link Certificate#subjectDn} form) is a single CN attribute whose value is a
     * {@link #randomHost} with {@code suffix} and Tor's certificate lengths. A second attribute would render as
     * {@code ", X=..."}, which the base32 check rejects.
     */
    static boolean singleCnRandomHost(String dn, String suffix) {
        return dn != null && dn.startsWith(CN) && randomHostAt(dn, CN.length(), suffix, CERT_MIN, CERT_MAX);
    }

    /** Strong evidence: the certificate is a Tor relay's TLS link certificate (see the class comment). */
    static boolean linkCertificate(Certificate c) {
        return c != null
            && singleCnRandomHost(c.subjectDn, ".net")
            && singleCnRandomHost(c.issuerDn, ".com")
            && !c.subjectDn.equals(c.issuerDn)
            && c.dnsNames.isEmpty();
    }

    /**
     * Weak evidence: a complete, well-formed ClientHello with Tor's random SNI shape and no ALPN. Not enough to
     * name the application (see the class comment).
     */
    static boolean torLikeClientHello(ClientHello ch) {
        return ch != null && !ch.truncated && !ch.malformed && ch.alpn.isEmpty()
            && randomHost(ch.sni, ".com", SNI_MIN, SNI_MAX);
    }

    /**
     * True when a TLS 1.3 application-data record of {@code length} bytes (the record header's length) holds whole
     * fixed-length Tor cells: {@code 514 * k + 17}, k at least 1.
     */
    static boolean cellRecord(int length) {
        int plain = length - TLS13_AEAD_OVERHEAD;
        return plain >= CELL_BYTES && plain % CELL_BYTES == 0;
    }
}
