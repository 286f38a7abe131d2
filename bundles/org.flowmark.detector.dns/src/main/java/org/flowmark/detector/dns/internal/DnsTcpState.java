package org.flowmark.detector.dns.internal;

/**
 * Bounded reassembly of one DNS-over-TCP message (RFC 1035 section 4.2.2, RFC 7766: a 2-byte length prefix, the
 * message may span segments) for one direction. {@code buf} holds the prefix and the message bytes so far; it is
 * sized to the declared length plus 2, capped by the detector's {@code maxMessageBytes}.
 */
final class DnsTcpState {

    final boolean fromInitiator;
    byte[] buf;
    int used;
    /** The declared message length (from the prefix), or -1 while fewer than 2 bytes arrived. */
    int msgLen = -1;
    /** The TCP sequence number expected next from this direction. */
    long nextSeq;

    DnsTcpState(int size, boolean fromInitiator, long nextSeq) {
        this.buf = new byte[size];
        this.fromInitiator = fromInitiator;
        this.nextSeq = nextSeq;
    }
}
