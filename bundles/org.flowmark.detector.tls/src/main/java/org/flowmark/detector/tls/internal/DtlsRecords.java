/*
 * DTLS record and handshake framing.
 *
 * References: RFC 4347 (DTLS 1.0), RFC 6347 sections 4.1 (record layer) and 4.2.2 (handshake message format,
 * fragmentation), RFC 9147 sections 4 (DTLS 1.3 record layer, unified header) and 5.2 (handshake header),
 * RFC 9146 (the tls12_cid content type), RFC 6520 (heartbeat).
 */
package org.flowmark.detector.tls.internal;

import org.flowmark.api.packet.PacketView;

/**
 * A pure walker over one UDP datagram as a sequence of DTLS records. Allocates nothing: handshake fragments found
 * in plaintext records are handed to a {@link Sink}.
 *
 * <p>Plaintext record header (13 bytes): content type 20..26, version {@code 0xfeff} (1.0), {@code 0xfefd} (1.2) or
 * {@code 0xfefc}, a 16-bit epoch, a 48-bit sequence number and a 16-bit length of at most 2^14 + 2048; records must
 * chain to exactly the end of the datagram. In epoch 0 (no keys yet) the content is checked: a handshake record is
 * a chain of handshake fragments (12-byte header: type, 24-bit message length, 16-bit message_seq, 24-bit
 * fragment_offset, 24-bit fragment_length with {@code offset + fragment_length <= length}) that ends exactly at the
 * record's end; a ChangeCipherSpec is the single byte 1; an alert is two bytes with level 1 or 2; application data
 * and tls12_cid records never appear in epoch 0. A DTLS 1.3 unified header (first byte {@code 001CSLEE}) is
 * followed when it carries its length and no connection id; one with a connection id (whose length only the peers
 * know) or without a length ends the walk. A {@code tls12_cid} record (25) ends the walk the same way.
 */
final class DtlsRecords {

    static final int HEADER = 13;
    static final int HANDSHAKE_HEADER = 12;
    /** Largest record body: 2^14 plaintext plus the 2048 bytes of expansion TLS 1.2 allows. */
    static final int MAX_RECORD = 16384 + 2048;

    static final int CHANGE_CIPHER_SPEC = 20;
    static final int ALERT = 21;
    static final int HANDSHAKE = 22;
    static final int APPLICATION_DATA = 23;
    static final int HEARTBEAT = 24;
    static final int TLS12_CID = 25;
    static final int ACK = 26;

    /** The datagram is not a well-formed sequence of DTLS records. */
    static final int MALFORMED = -1;
    /** At least one handshake fragment in an epoch-0 record (handed to the sink). */
    static final int F_HANDSHAKE = 1;
    /** A record protected by keys: epoch above 0, a unified header or a tls12_cid record. */
    static final int F_PROTECTED = 2;
    /** A DTLS 1.3 unified header (RFC 9147 section 4). */
    static final int F_UNIFIED = 4;
    /** A ChangeCipherSpec record (DTLS 1.0/1.2: what follows is encrypted). */
    static final int F_CCS = 8;
    /** A plaintext alert. */
    static final int F_ALERT = 16;

    /** Receives the handshake fragments of epoch-0 records, in order. */
    interface Sink {
        /**
         * One fragment; its {@code fragLen} bytes start at {@code body} in {@code v}. Returns false when the fragment
         * contradicts the format (the walk then reports {@link #MALFORMED}).
         */
        boolean fragment(PacketView v, int recordVersion, long recordSeq, int msgType, int msgLen, int msgSeq,
            int fragOff, int fragLen, int body);
    }

    private DtlsRecords() {
    }

    /** The DTLS versions of the record layer and of hellos: 1.0, 1.2 and 1.3. */
    static boolean dtlsVersion(int v) {
        return v == 0xfeff || v == 0xfefd || v == 0xfefc;
    }

    /** Handshake message types that may travel in an epoch-0 (plaintext) record. */
    static boolean plaintextHandshakeType(int t) {
        switch (t) {
            case 0:  // hello_request
            case 1:  // client_hello
            case 2:  // server_hello
            case 3:  // hello_verify_request
            case 4:  // new_session_ticket (DTLS 1.2, before ChangeCipherSpec)
            case 11: // certificate
            case 12: // server_key_exchange
            case 13: // certificate_request
            case 14: // server_hello_done
            case 15: // certificate_verify
            case 16: // client_key_exchange
            case 22: // certificate_status (RFC 6066)
            case 23: // supplemental_data (RFC 4680)
                return true;
            default:
                return false;
        }
    }

    /**
     * The cheap first test: can the datagram start with a plaintext DTLS record? Tests content type, version and
     * that the first record fits.
     */
    static boolean plausibleStart(PacketView v) {
        int n = v.length();
        if (n < HEADER) {
            return false;
        }
        int type = v.u8(0);
        return type >= CHANGE_CIPHER_SPEC && type <= ACK && dtlsVersion(v.u16(1)) && HEADER + v.u16(11) <= n;
    }

    /**
     * Walks the records of a datagram, handing each epoch-0 handshake fragment to {@code sink}.
     *
     * @return {@link #MALFORMED}, or a combination of the {@code F_} flags
     */
    static int walk(PacketView v, Sink sink) {
        int end = v.length();
        int p = 0;
        int flags = 0;
        while (p < end) {
            int first = v.u8(p);
            if ((first & 0xe0) == 0x20) {
                flags |= F_UNIFIED | F_PROTECTED;
                p = unifiedEnd(v, p, end);
                if (p < 0) {
                    return MALFORMED;
                }
                continue;
            }
            if (p + HEADER > end) {
                return MALFORMED;
            }
            int version = v.u16(p + 1);
            int len = v.u16(p + 11);
            if (first < CHANGE_CIPHER_SPEC || first > ACK || !dtlsVersion(version) || len > MAX_RECORD
                    || p + HEADER + len > end) {
                return MALFORMED;
            }
            int epoch = v.u16(p + 3);
            int body = p + HEADER;
            if (first == TLS12_CID) {
                // RFC 9146: the connection id sits before the length, its size known only to the peers
                return epoch == 0 ? MALFORMED : flags | F_PROTECTED;
            }
            if (epoch != 0) {
                if (len == 0) {
                    return MALFORMED; // protected records carry at least a MAC or an AEAD tag
                }
                flags |= F_PROTECTED | (first == CHANGE_CIPHER_SPEC ? F_CCS : 0);
            } else {
                switch (first) {
                    case HANDSHAKE: {
                        long seq = ((long) v.u16(p + 5) << 32) | v.u32(p + 7);
                        if (len < HANDSHAKE_HEADER || !handshakes(v, version, seq, body, body + len, sink)) {
                            return MALFORMED;
                        }
                        flags |= F_HANDSHAKE;
                        break;
                    }
                    case CHANGE_CIPHER_SPEC:
                        if (len != 1 || v.u8(body) != 1) {
                            return MALFORMED;
                        }
                        flags |= F_CCS;
                        break;
                    case ALERT:
                        if (len != 2 || (v.u8(body) != 1 && v.u8(body) != 2)) {
                            return MALFORMED;
                        }
                        flags |= F_ALERT;
                        break;
                    case HEARTBEAT:
                    case ACK:
                        if (len == 0) {
                            return MALFORMED;
                        }
                        break;
                    default: // application data is never sent without keys
                        return MALFORMED;
                }
            }
            p = body + len;
        }
        return flags;
    }

    /**
     * The end of the DTLS 1.3 unified-header record at {@code p} ({@code 001CSLEE}, optional connection id, 8- or
     * 16-bit sequence number, optional length), or -1 when it cannot be one. A record with a connection id (whose
     * length only the peers know) or without a length runs to the end of the datagram.
     */
    private static int unifiedEnd(PacketView v, int p, int end) {
        int first = v.u8(p);
        if ((first & 0x10) != 0 || (first & 0x04) == 0) {
            return p + 2 <= end ? end : -1;
        }
        int q = p + 1 + ((first & 0x08) != 0 ? 2 : 1);
        if (q + 2 > end) {
            return -1;
        }
        int len = v.u16(q);
        q += 2;
        // the encrypted record holds at least the content type and an AEAD tag (16 bytes, 8 for the CCM_8 suites)
        if (len < 9 || len > MAX_RECORD || q + len > end) {
            return -1;
        }
        return q + len;
    }

    /** The handshake fragments of one epoch-0 record {@code [p, end)}: they must fill it exactly. */
    private static boolean handshakes(PacketView v, int version, long seq, int p, int end, Sink sink) {
        while (p < end) {
            if (p + HANDSHAKE_HEADER > end) {
                return false;
            }
            int type = v.u8(p);
            int msgLen = v.u24(p + 1);
            int msgSeq = v.u16(p + 4);
            int fragOff = v.u24(p + 6);
            int fragLen = v.u24(p + 9);
            int body = p + HANDSHAKE_HEADER;
            if (!plaintextHandshakeType(type) || fragOff + fragLen > msgLen || body + fragLen > end
                    || (fragLen == 0 && msgLen != 0)) {
                return false;
            }
            if (!sink.fragment(v, version, seq, type, msgLen, msgSeq, fragOff, fragLen, body)) {
                return false;
            }
            p = body + fragLen;
        }
        return true;
    }
}
