package org.flowmark.detector.tls.internal;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.api.packet.PacketView;

/**
 * Per-flow state of {@link DtlsDetector}: the hellos and certificate parsed so far and, per direction, one bounded
 * reassembly slot for a handshake message that arrives in fragments (RFC 6347 section 4.2.3: fragments may come in
 * any order, overlap or repeat). Created at the flow's first plausible datagram; the buffers only when a message of
 * interest (ClientHello, ServerHello, HelloVerifyRequest, Certificate) is fragmented.
 *
 * <p>Message checks (each a reason to call the datagram malformed): hellos travel in epoch 0 with a record sequence
 * number below 2^16 and a message_seq of at most 2; a ClientHello parses completely with every length consistent
 * (its record version is not newer than its client_version); a ServerHello parses completely, its record version
 * equals its server_version and a selected_version is a DTLS version; a HelloVerifyRequest is exactly a DTLS
 * version and a non-empty cookie. A ClientHello or ServerHello larger than the buffer cannot be verified and
 * counts as nothing. A Certificate message larger than the buffer keeps its first {@code cap} bytes: the first
 * certificate is read when it lies inside them, else the detector gives up on it.
 */
final class DtlsFlowState implements DtlsRecords.Sink {

    static final int CLIENT_HELLO = 1;
    static final int SERVER_HELLO = 2;
    static final int HELLO_VERIFY_REQUEST = 3;
    static final int CERTIFICATE = 11;
    static final int SERVER_HELLO_DONE = 14;
    /** Largest record sequence number accepted for a hello in epoch 0. */
    static final long MAX_HELLO_RECORD_SEQ = 0xffff;
    static final int MAX_HELLO_MESSAGE_SEQ = 2;

    /** Reassembly bytes per direction. */
    final int cap;

    ClientHello clientHello;
    /** Cookie length of the latest ClientHello: above 0 in the second ClientHello of a cookie exchange. */
    int cookieLength = -1;
    int clientHellos;
    ServerHello serverHello;
    /** server_version of the HelloVerifyRequest, 0 when none was seen. */
    int helloVerifyVersion;
    Certificate certificate;
    /** The first certificate lay beyond the reassembly bound, or its DER was malformed. */
    boolean certificateGaveUp;
    /** Nothing more to read from the server: certificate read or given up, encrypted from here, or DTLS 1.3. */
    boolean serverDone;
    /** A DTLS 1.3 unified header was seen (evidence of DTLS 1.3 only). */
    boolean unifiedSeen;
    /** Datagrams inspected before a verdict. */
    int pending;

    boolean reportedClient;
    boolean reportedServer;
    boolean reportedCert;
    boolean reportedUnified;

    /** 0 unknown, 1 the initiator is the server, 2 the responder is. */
    private int serverSide;
    private final Slot initiatorSlot = new Slot();
    private final Slot responderSlot = new Slot();
    private ByteArrayPacketView slotView;
    private boolean fromInitiator;

    DtlsFlowState(int cap) {
        this.cap = cap;
    }

    /** A hello was parsed: the flow is DTLS. */
    boolean helloSeen() {
        return clientHello != null || serverHello != null || helloVerifyVersion != 0;
    }

    /** Walks one datagram; returns what {@link DtlsRecords#walk} returns. */
    int feed(boolean fromInit, PacketView datagram) {
        this.fromInitiator = fromInit;
        int r = DtlsRecords.walk(datagram, this);
        if (r > 0) {
            unifiedSeen |= (r & DtlsRecords.F_UNIFIED) != 0;
            if (fromServer(fromInit) && (r & (DtlsRecords.F_PROTECTED | DtlsRecords.F_CCS)) != 0 && helloSeen()) {
                serverDone = true; // the server's flight is encrypted from here: no certificate in clear follows
            }
        }
        return r;
    }

    /** Bytes held by the reassembly buffers (for tests of the bound). */
    int bufferedBytes() {
        return initiatorSlot.capacity() + responderSlot.capacity();
    }

    /**
     * True for the server's side: the side that sent a ServerHello or HelloVerifyRequest, else the side that did not
     * send the ClientHello, else the responder.
     */
    boolean fromServer(boolean fromInit) {
        return serverSide == 0 ? !fromInit : (serverSide == 1) == fromInit;
    }

    @Override
    public boolean fragment(PacketView v, int recordVersion, long recordSeq, int type, int msgLen, int msgSeq,
            int fragOff, int fragLen, int body) {
        switch (type) {
            case CLIENT_HELLO:
            case SERVER_HELLO:
            case HELLO_VERIFY_REQUEST:
                if (recordSeq > MAX_HELLO_RECORD_SEQ || msgSeq > MAX_HELLO_MESSAGE_SEQ) {
                    return false;
                }
                break;
            case CERTIFICATE:
                if (certificate != null || certificateGaveUp) {
                    return true;
                }
                break;
            case SERVER_HELLO_DONE:
                if (certificate == null && helloSeen()) {
                    serverDone = true; // an anonymous or PSK handshake: no certificate
                }
                return true;
            default:
                return true;
        }
        if (fragOff == 0 && fragLen == msgLen) {
            return message(v, recordVersion, type, body, msgLen);
        }
        Slot s = fromInitiator ? initiatorSlot : responderSlot;
        if (msgLen > cap && type != CERTIFICATE) {
            return true; // a hello too large to verify: no verdict from it
        }
        if (s.type != type || s.msgSeq != msgSeq || s.msgLen != msgLen) {
            s.start(type, msgSeq, msgLen, Math.min(msgLen, cap), recordVersion);
        }
        s.add(v, body, fragOff, fragLen);
        if (slotView == null) {
            slotView = new ByteArrayPacketView();
        }
        slotView.wrap(s.buf, 0, s.kept);
        if (type == CERTIFICATE) {
            return certificate(slotView, 0, msgLen, s);
        }
        if (!s.has(0, msgLen)) {
            return true;
        }
        s.type = -1; // consumed
        return message(slotView, s.recordVersion, type, 0, msgLen);
    }

    /** A complete message of interest at {@code body}. */
    private boolean message(PacketView v, int recordVersion, int type, int body, int len) {
        try {
            switch (type) {
                case CLIENT_HELLO:
                    return clientHello(v, recordVersion, body, len);
                case SERVER_HELLO:
                    return serverHello(v, recordVersion, body, len);
                case HELLO_VERIFY_REQUEST:
                    return helloVerifyRequest(v, body, len);
                default:
                    return certificate(v, body, len, null);
            }
        } catch (TlsFormatException e) {
            return false;
        }
    }

    private boolean clientHello(PacketView v, int recordVersion, int body, int len) throws TlsFormatException {
        ClientHello h = ClientHello.parse(v, body, len, len, true);
        if (h.malformed || h.truncated
                || ClientHello.versionRank(recordVersion, true) > ClientHello.versionRank(h.legacyVersion, true)) {
            return false;
        }
        // the cookie follows version, random and session id (RFC 6347 section 4.2.1)
        int sid = v.u8(body + 34);
        cookieLength = v.u8(body + 35 + sid);
        if (serverSide == 0) {
            serverSide = fromInitiator ? 2 : 1;
        }
        clientHellos++;
        if (clientHello == null) {
            clientHello = h;
        }
        return true;
    }

    private boolean serverHello(PacketView v, int recordVersion, int body, int len) throws TlsFormatException {
        ServerHello h = ServerHello.parse(v, body, len, true);
        if (h.legacyVersion != recordVersion
                || (h.selectedVersion != 0 && !DtlsRecords.dtlsVersion(h.selectedVersion))) {
            return false;
        }
        serverSide = fromInitiator ? 1 : 2;
        if (serverHello == null || serverHello.helloRetryRequest) {
            serverHello = h;
        }
        if (!h.helloRetryRequest && h.version() == 0xfefc) {
            serverDone = true; // DTLS 1.3 encrypts everything after the ServerHello
        }
        return true;
    }

    /** RFC 6347 section 4.2.1: {@code ProtocolVersion server_version; opaque cookie<0..2^8-1>}. */
    private boolean helloVerifyRequest(PacketView v, int body, int len) {
        if (len < 4) {
            return false;
        }
        int version = v.u16(body);
        int cookie = v.u8(body + 2);
        if ((version != 0xfeff && version != 0xfefd) || cookie == 0 || len != 3 + cookie) {
            return false;
        }
        helloVerifyVersion = version;
        serverSide = fromInitiator ? 1 : 2;
        return true;
    }

    /**
     * A Certificate message (RFC 5246 section 7.4.2: a 24-bit list length, then 24-bit length-prefixed DER
     * certificates): reads the first certificate once its bytes are present. {@code slot} is null when the whole
     * message is at {@code body}.
     */
    private boolean certificate(PacketView v, int body, int msgLen, Slot slot) {
        if (slot != null && !slot.has(0, 6)) {
            return true;
        }
        if (msgLen < 6 || v.u24(body) != msgLen - 3) {
            return false;
        }
        int n = v.u24(body + 3);
        if (n == 0 || 6 + n > msgLen) {
            return false;
        }
        if (slot != null) {
            if (6 + n > slot.kept) {
                certificateGaveUp = true; // the first certificate alone passes the bound
                serverDone = true;
                slot.type = -1;
                return true;
            }
            if (!slot.has(6, 6 + n)) {
                return true;
            }
            slot.type = -1;
        }
        try {
            certificate = Certificate.parse(v, body + 6, n);
        } catch (TlsFormatException e) {
            certificateGaveUp = true; // a certificate we cannot read is no reason to doubt the flow
        }
        serverDone = true;
        return true;
    }

    /**
     * One message being reassembled: the first {@code kept} bytes of a message of {@code msgLen} bytes and a bitmap
     * of the bytes present. The buffer is reused for the next message when it is large enough.
     */
    static final class Slot {
        int type = -1;
        int msgSeq;
        int msgLen;
        int kept;
        int recordVersion;
        byte[] buf;
        long[] have;

        void start(int type, int msgSeq, int msgLen, int kept, int recordVersion) {
            this.type = type;
            this.msgSeq = msgSeq;
            this.msgLen = msgLen;
            this.kept = kept;
            this.recordVersion = recordVersion;
            if (buf == null || buf.length < kept) {
                buf = new byte[kept];
                have = new long[(kept + 63) >>> 6];
            } else {
                java.util.Arrays.fill(have, 0L);
            }
        }

        /** Copies the part of the fragment {@code [off, off+n)} that lies below {@code kept}. */
        void add(PacketView v, int at, int off, int n) {
            int to = Math.min(off + n, kept);
            if (off >= to) {
                return;
            }
            v.copyTo(at, buf, off, to - off);
            for (int i = off; i < to; i++) {
                have[i >>> 6] |= 1L << i;
            }
        }

        /** True when every byte of {@code [from, to)} is present ({@code to <= kept}). */
        boolean has(int from, int to) {
            if (to > kept) {
                return false;
            }
            for (int i = from; i < to; i++) {
                if ((have[i >>> 6] & (1L << i)) == 0) {
                    return false;
                }
            }
            return true;
        }

        int capacity() {
            return buf == null ? 0 : buf.length;
        }
    }
}
