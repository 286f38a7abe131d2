package org.flowmark.detector.tls.internal;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.api.packet.PacketView;

/**
 * Per-flow state of the TLS detector (handed to the core through
 * {@link org.flowmark.api.detector.DetectorContext#state(Object)}): one {@link TlsStream} per direction and what
 * was parsed from them. {@link #feed} runs the record layer (RFC 8446 section 5.1, RFC 5246 section 6.2) over a
 * TCP segment in sequence order and hands each complete handshake message (section 4) to the hello, Certificate and
 * ServerHelloDone handlers; messages are parsed straight from the packet when they are whole in it, else from the
 * direction's capped buffer. Retransmitted bytes are skipped by sequence number; a gap ends that direction.
 *
 * <p><b>Tor cell walk</b>: after a tor-like ClientHello ({@link TorLink#torLikeClientHello}) the client direction,
 * and after a TLS 1.3 ServerHello also the server direction, keep following the record layer past the hello
 * ({@link #walk}): only the 5-byte record headers are read (a header cut by a segment end is kept in the stream's
 * 5-byte header array), record bodies are skipped by count, nothing is copied or allocated. Each application-data
 * record is counted as cell-sized ({@link TorLink#cellRecord}) or other, and {@link #cellWalk} moves to
 * {@link #CELLS_TOR} or {@link #CELLS_NOT_TOR} by the rule in {@link TorLink}. A gap, a header that is not a valid
 * TLS 1.3 record header, or a plaintext alert stops the walk of that direction for good; retransmitted bytes are
 * skipped by sequence number as above.
 */
final class TlsFlowState {

    static final int OK = 0;
    /** The bytes are not TLS (bad record header, a first message that is not a hello, a malformed hello). */
    static final int FAIL = 1;
    /** A sequence gap or the buffer cap stopped the direction. */
    static final int GAVE_UP = 2;

    /** Largest record payload allowed on the wire (2^14 + 2048, RFC 5246 section 6.2.3). */
    static final int MAX_RECORD = 16384 + 2048;

    final TlsStream init;
    final TlsStream resp;
    ClientHello clientHello;
    ServerHello serverHello;
    Certificate certificate;
    /** Why the first certificate could not be read, or null. */
    String certificateError;
    boolean roleKnown;
    boolean clientIsInitiator;
    /** Nothing more to learn from the server: TLS 1.3 ServerHello, or the TLS 1.2 Certificate / ServerHelloDone. */
    boolean serverDone;
    /** What the detector already put into the detection. */
    boolean reportedClient;
    boolean reportedServer;
    boolean reportedCert;
    /** STARTTLS phase of the detector (0 = none); see {@link TlsDetector}. */
    int starttls;
    String starttlsProtocol;

    /** No cell walk: the ClientHello is not tor-like, or the server chose TLS 1.2 or lower. */
    static final int CELLS_NONE = 0;
    /** Tor-like ClientHello, ServerHello not yet seen: the client direction is walked. */
    static final int CELLS_PENDING = 1;
    /** Tor-like ClientHello and TLS 1.3 ServerHello: both directions are walked. */
    static final int CELLS_WALK = 2;
    /** Decided: the records are Tor's cell framing. */
    static final int CELLS_TOR = 3;
    /** Decided (or given up): not enough cell framing seen. */
    static final int CELLS_NOT_TOR = 4;

    /** Phase of the Tor cell walk, {@link #CELLS_NONE} to {@link #CELLS_NOT_TOR}. */
    int cellWalk;
    /** collect() calls so far (to end the cell walk on the last extra packet). */
    int collects;
    boolean reportedCells;

    TlsFlowState(int initiatorCap, int responderCap) {
        this.init = new TlsStream(initiatorCap);
        this.resp = new TlsStream(responderCap);
    }

    /** Feeds one TCP segment of direction {@code fromInit} whose first byte has sequence number {@code seq}. */
    int feed(boolean fromInit, PacketView p, long seq) {
        TlsStream s = fromInit ? init : resp;
        if (s.done) {
            if (walks(s, fromInit)) {
                walkSegment(s, fromInit, p, seq);
            }
            return OK;
        }
        int len = p.length();
        int pos = 0;
        if (s.nextSeq >= 0) {
            int d = (int) (seq - s.nextSeq);
            if (d > 0) {
                return giveUp(s);
            }
            if (d < 0) {
                if (-d >= len) {
                    return OK; // a retransmission of bytes already seen
                }
                pos = -d;
            }
        }
        s.nextSeq = (seq + len) & 0xffffffffL;
        while (pos < len && !s.done) {
            if (s.recLeft == 0) {
                int type;
                int ver;
                int rlen;
                if (s.hdrUsed == 0 && len - pos >= 5) {
                    type = p.u8(pos);
                    ver = p.u16(pos + 1);
                    rlen = p.u16(pos + 3);
                    pos += 5;
                } else {
                    while (s.hdrUsed < 5 && pos < len) {
                        s.hdr[s.hdrUsed++] = (byte) p.u8(pos++);
                    }
                    if (s.hdrUsed < 5) {
                        if (!plausiblePrefix(s.hdr, s.hdrUsed)) {
                            return fail(s);
                        }
                        break;
                    }
                    type = s.hdr[0] & 0xff;
                    ver = ((s.hdr[1] & 0xff) << 8) | (s.hdr[2] & 0xff);
                    rlen = ((s.hdr[3] & 0xff) << 8) | (s.hdr[4] & 0xff);
                    s.hdrUsed = 0;
                }
                if (type < 20 || type > 24 || (ver >> 8) != 3 || (ver & 0xff) > 4 || rlen == 0 || rlen > MAX_RECORD) {
                    return fail(s);
                }
                if (s.records++ == 0 && type != 22) {
                    // a capture that began after the handshake: application data, an alert or ChangeCipherSpec
                    if ((type == 24) || (ver & 0xff) > 3 || (type == 20 && rlen != 1) || (type == 21 && rlen > 64)) {
                        return fail(s);
                    }
                    s.midstream = true;
                    s.ccs = true;
                }
                s.recType = type;
                s.recLeft = rlen;
                if (type == 20) {
                    s.ccs = true;
                }
                continue;
            }
            int n = Math.min(s.recLeft, len - pos);
            if (s.recType == 22 && !s.ccs) {
                int r = handshake(s, fromInit, p, pos, n);
                if (r != OK) {
                    return r;
                }
            }
            pos += n;
            s.recLeft -= n;
        }
        if (s.done && pos < len && walks(s, fromInit)) {
            walk(s, fromInit, p, pos); // the records after the hello in the same segment
        }
        if (s.recLeft == 0 && s.hdrUsed == 0 && s.records > 0 && !s.done) {
            s.alignedEnds++; // the segment ended exactly at a record boundary
        }
        return OK;
    }

    /**
     * True when a direction began after the handshake (its first record was not a handshake record) and its
     * records so far chained exactly, ending at least once exactly at a segment end: every record header valid
     * where the previous record's length put it. That is TLS seen mid-connection.
     */
    boolean midstreamRecords() {
        return (init.midstream && init.alignedEnds > 0 && !init.done)
            || (resp.midstream && resp.alignedEnds > 0 && !resp.done);
    }

    /** The first bytes of a record header: a known content type (20..24) and a version 3.x, x at most 4. */
    private static boolean plausiblePrefix(byte[] h, int n) {
        return (n < 1 || (h[0] >= 20 && h[0] <= 24)) && (n < 2 || h[1] == 3) && (n < 3 || (h[2] & 0xff) <= 4);
    }

    private int handshake(TlsStream s, boolean fromInit, PacketView p, int off, int n) {
        if (s.used > 0) {
            return append(s, fromInit, p, off, n);
        }
        int o = off;
        int end = off + n;
        while (end - o >= 4) {
            int mlen = p.u24(o + 1);
            if (mlen > end - o - 4) {
                break;
            }
            int r = message(s, fromInit, p, o, mlen);
            if (r != OK || s.done) {
                return r;
            }
            o += 4 + mlen;
        }
        return o < end ? append(s, fromInit, p, o, end - o) : OK;
    }

    /** Appends handshake bytes to the direction's buffer and handles the messages completed there. */
    private int append(TlsStream s, boolean fromInit, PacketView p, int off, int n) {
        if (s.buf == null) {
            s.buf = new byte[s.cap];
        }
        int o = off;
        int left = n;
        while (left > 0) {
            int k = Math.min(s.cap - s.used, left);
            if (k == 0) {
                return giveUp(s); // the pending message is larger than the buffer
            }
            p.copyTo(o, s.buf, s.used, k);
            s.used += k;
            o += k;
            left -= k;
            ByteArrayPacketView v = s.view.wrap(s.buf, 0, s.used);
            int m = 0;
            while (s.used - m >= 4) {
                int mlen = v.u24(m + 1);
                if (mlen > s.used - m - 4) {
                    break;
                }
                int r = message(s, fromInit, v, m, mlen);
                if (r != OK || s.done) {
                    return r;
                }
                m += 4 + mlen;
            }
            if (m > 0) {
                System.arraycopy(s.buf, m, s.buf, 0, s.used - m);
                s.used -= m;
            }
            if (s.used >= 1 && s.messages == 0 && s.buf[0] != 1 && s.buf[0] != 2) {
                return fail(s);
            }
            if (s.used >= 10 && s.buf[0] == 11 && !fromInitIsClient(fromInit)) {
                earlyCertificate(s, v.wrap(s.buf, 0, s.used));
                if (s.done) {
                    return OK;
                }
            }
        }
        return OK;
    }

    private boolean fromInitIsClient(boolean fromInit) {
        return roleKnown && clientIsInitiator == fromInit;
    }

    /** A partial Certificate message whose first certificate is already complete: read it now. */
    private void earlyCertificate(TlsStream s, PacketView v) {
        int certLen = v.u24(7);
        if (10 + certLen <= s.used) {
            certificateAt(v, 4, v.u24(1));
            s.done = true;
            serverDone = true;
        }
    }

    /** Handles the complete handshake message at {@code o} (header included) of body length {@code mlen}. */
    private int message(TlsStream s, boolean fromInit, PacketView v, int o, int mlen) {
        int type = v.u8(o);
        if (s.messages++ == 0 && type != 1 && type != 2) {
            return fail(s);
        }
        try {
            switch (type) {
                case 1:
                    if (clientHello != null || (roleKnown && clientIsInitiator != fromInit)) {
                        s.done = true; // a second hello (after HelloRetryRequest) adds nothing
                        return OK;
                    }
                    clientHello = ClientHello.parse(v, o + 4, mlen, mlen, false);
                    roleKnown = true;
                    clientIsInitiator = fromInit;
                    s.done = true;
                    if (TorLink.torLikeClientHello(clientHello)) {
                        cellWalk = CELLS_PENDING;
                    }
                    return OK;
                case 2: {
                    if (roleKnown && clientIsInitiator == fromInit) {
                        return fail(s);
                    }
                    ServerHello h = ServerHello.parse(v, o + 4, mlen, false);
                    roleKnown = true;
                    clientIsInitiator = !fromInit;
                    serverHello = h;
                    if (!h.helloRetryRequest && h.version() >= 0x0304) {
                        s.done = true; // the rest of the server's handshake is encrypted
                        serverDone = true;
                        if (cellWalk == CELLS_PENDING) {
                            cellWalk = CELLS_WALK;
                        }
                    } else if (!h.helloRetryRequest && cellWalk == CELLS_PENDING) {
                        cellWalk = CELLS_NONE; // TLS 1.2 or lower: the certificate decides
                    }
                    return OK;
                }
                case 11:
                    if (!fromInitIsClient(fromInit)) {
                        certificateAt(v, o + 4, mlen);
                        s.done = true;
                        serverDone = true;
                    }
                    return OK;
                case 14: // ServerHelloDone: no Certificate in this handshake (anonymous or PSK)
                    if (!fromInitIsClient(fromInit)) {
                        s.done = true;
                        serverDone = true;
                    }
                    return OK;
                default:
                    return OK;
            }
        } catch (TlsFormatException e) {
            return fail(s);
        }
    }

    /** Reads the first certificate of a TLS 1.2 Certificate body at {@code o} ({@code mlen} bytes declared). */
    private void certificateAt(PacketView v, int o, int mlen) {
        try {
            if (mlen < 3 || v.u24(o) + 3 != mlen) {
                throw new TlsFormatException("certificate_list length");
            }
            if (mlen == 3) {
                certificateError = "empty certificate list";
                return;
            }
            int certLen = v.u24(o + 3);
            if (certLen + 6 > mlen) {
                throw new TlsFormatException("certificate length");
            }
            certificate = Certificate.parse(v, o + 6, certLen);
        } catch (TlsFormatException e) {
            certificateError = e.getMessage();
        }
    }

    /**
     * After the client direction stopped on a gap or the cap with a ClientHello pending in its buffer, parses the
     * part present ({@link ClientHello#truncated}). Returns true when that part was a plausible ClientHello that
     * reached the cipher suites.
     */
    boolean salvageClientHello(boolean fromInit) {
        TlsStream s = fromInit ? init : resp;
        if (clientHello != null || !s.gaveUp || s.used < 4 + 2 + 32 + 1 + 4 || s.buf[0] != 1
                || (roleKnown && clientIsInitiator != fromInit)) {
            return false;
        }
        ByteArrayPacketView v = s.view.wrap(s.buf, 0, s.used);
        int mlen = v.u24(1);
        try {
            ClientHello h = ClientHello.parse(v, 4, mlen, Math.min(mlen, s.used - 4), false);
            if (h.cipherCount == 0) {
                return false;
            }
            clientHello = h;
            roleKnown = true;
            clientIsInitiator = fromInit;
            return true;
        } catch (TlsFormatException e) {
            return false;
        }
    }

    /** True when a hello was parsed from either side. */
    boolean helloSeen() {
        return clientHello != null || (serverHello != null);
    }

    // ------------------------------------------------------------------ Tor cell walk

    /** True when the cell walk follows direction {@code s} now. */
    boolean walks(TlsStream s, boolean fromInit) {
        if (s.walkStopped || s.failed || s.gaveUp) {
            return false;
        }
        return cellWalk == CELLS_WALK || (cellWalk == CELLS_PENDING && fromInitIsClient(fromInit));
    }

    /** True while the cell walk may still decide. */
    boolean cellWalkOpen() {
        return cellWalk == CELLS_PENDING || cellWalk == CELLS_WALK;
    }

    /** Cell-sized records counted in both directions. */
    int cellRecords() {
        return init.cellRecords + resp.cellRecords;
    }

    /** Walks a segment of a direction past its hello, in TCP sequence order (see the class comment). */
    private void walkSegment(TlsStream s, boolean fromInit, PacketView p, long seq) {
        int len = p.length();
        int pos = 0;
        if (s.nextSeq >= 0) {
            int d = (int) (seq - s.nextSeq);
            if (d > 0) {
                stopWalk(s); // lost bytes: record boundaries are unknown from here
                return;
            }
            if (d < 0) {
                if (-d >= len) {
                    return; // a retransmission of bytes already walked
                }
                pos = -d;
            }
        }
        s.nextSeq = (seq + len) & 0xffffffffL;
        walk(s, fromInit, p, pos);
    }

    /**
     * Follows the record headers of {@code p} from {@code pos}: skips the rest of the current record, reads each
     * header (whole from the packet, or completed in {@link TlsStream#hdr}) and counts application-data records.
     */
    private void walk(TlsStream s, boolean fromInit, PacketView p, int pos) {
        int len = p.length();
        while (pos < len) {
            if (s.recLeft > 0) {
                int n = Math.min(s.recLeft, len - pos);
                pos += n;
                s.recLeft -= n;
                continue;
            }
            int type;
            int ver;
            int rlen;
            if (s.hdrUsed == 0 && len - pos >= 5) {
                type = p.u8(pos);
                ver = p.u16(pos + 1);
                rlen = p.u16(pos + 3);
                pos += 5;
            } else {
                while (s.hdrUsed < 5 && pos < len) {
                    s.hdr[s.hdrUsed++] = (byte) p.u8(pos++);
                }
                if (s.hdrUsed < 5) {
                    return;
                }
                type = s.hdr[0] & 0xff;
                ver = ((s.hdr[1] & 0xff) << 8) | (s.hdr[2] & 0xff);
                rlen = ((s.hdr[3] & 0xff) << 8) | (s.hdr[4] & 0xff);
                s.hdrUsed = 0;
            }
            if (!tls13Header(type, ver, rlen)) {
                stopWalk(s);
                return;
            }
            s.recLeft = rlen;
            if (type == 23) {
                countApplicationData(s, fromInit, rlen);
                if (!cellWalkOpen()) {
                    return;
                }
            }
        }
    }

    /**
     * A record header that a TLS 1.3 peer sends after its hello (RFC 8446 section 5): ChangeCipherSpec of one byte
     * (middlebox compatibility), a plaintext handshake record (the second ClientHello after HelloRetryRequest), or
     * application data of 17 to 2^14 + 256 bytes; legacy_record_version 0x0303 (0x0301 allowed for a hello). A
     * plaintext alert ends the handshake, anything else is not TLS 1.3.
     */
    private static boolean tls13Header(int type, int ver, int rlen) {
        switch (type) {
            case 20: return ver == 0x0303 && rlen == 1;
            case 22: return (ver == 0x0301 || ver == 0x0303) && rlen >= 4 && rlen <= MAX_RECORD;
            case 23: return ver == 0x0303 && rlen >= TorLink.TLS13_AEAD_OVERHEAD && rlen <= 16384 + 256;
            default: return false;
        }
    }

    /** Counts one application-data record of direction {@code s} and decides when the rule is met or broken. */
    private void countApplicationData(TlsStream s, boolean fromInit, int rlen) {
        TlsStream client = clientIsInitiator ? init : resp;
        if (!fromInitIsClient(fromInit) && !client.appData) {
            return; // the server's encrypted handshake flight (EncryptedExtensions ... Finished)
        }
        s.appData = true;
        if (TorLink.cellRecord(rlen)) {
            s.cellRecords++;
        } else if (++s.otherRecords > TorLink.MAX_OTHER_RECORDS) {
            cellWalk = CELLS_NOT_TOR;
            return;
        }
        if (cellWalk == CELLS_WALK && init.cellRecords > 0 && resp.cellRecords > 0
                && init.cellRecords + resp.cellRecords >= TorLink.MIN_CELL_RECORDS) {
            cellWalk = CELLS_TOR;
        }
    }

    /** Stops the walk of one direction; decides "not Tor" when the rule can no longer be met. */
    private void stopWalk(TlsStream s) {
        s.walkStopped = true;
        TlsStream other = s == init ? resp : init;
        if (s.cellRecords == 0 || other.walkStopped || other.failed || other.gaveUp) {
            cellWalk = CELLS_NOT_TOR;
        }
    }

    /** Ends an open cell walk undecided (the extra-packet budget is spent): the SNI stays metadata only. */
    void endCellWalk() {
        if (cellWalkOpen()) {
            cellWalk = CELLS_NOT_TOR;
        }
    }

    private static int fail(TlsStream s) {
        s.done = true;
        s.failed = true;
        return FAIL;
    }

    private static int giveUp(TlsStream s) {
        s.done = true;
        s.gaveUp = true;
        return GAVE_UP;
    }
}
