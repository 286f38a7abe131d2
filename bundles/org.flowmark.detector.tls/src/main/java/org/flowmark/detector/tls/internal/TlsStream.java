package org.flowmark.detector.tls.internal;

import org.flowmark.api.packet.ByteArrayPacketView;

/**
 * Reassembly state of one direction of a TLS connection: where the record layer stands (a partial 5-byte record
 * header, the bytes left in the current record), the next expected TCP sequence number, and a capped buffer holding
 * one partial handshake message. The buffer is allocated only when a handshake message is cut by a segment or
 * record boundary.
 */
final class TlsStream {

    /** Capacity of {@link #buf}: the largest partial handshake message kept. */
    final int cap;
    byte[] buf;
    /** Bytes of the pending partial handshake message in {@link #buf}. */
    int used;
    final byte[] hdr = new byte[5];
    int hdrUsed;
    int recType;
    /** Payload bytes of the current record still to come; 0 between records. */
    int recLeft;
    int records;
    /** Handshake messages seen so far (the first must be a hello). */
    int messages;
    /** Next expected TCP sequence number, -1 before the first segment. */
    long nextSeq = -1;
    /** A ChangeCipherSpec was seen: later handshake records are encrypted. */
    boolean ccs;
    /** The direction's first record was not a handshake record: the capture began after the handshake. */
    boolean midstream;
    /** Segments that ended exactly at a record boundary. */
    int alignedEnds;
    /** Nothing more is wanted (or possible) from this direction. */
    boolean done;
    /** The direction stopped on a gap or on the buffer cap, with {@link #buf} holding what it had. */
    boolean gaveUp;
    /** The direction's bytes were not TLS where the record layer stood: its position is unknown. */
    boolean failed;

    // Tor cell walk (TlsFlowState#walk): the record layer above (recLeft, hdr, hdrUsed, nextSeq) is followed past
    // the hello, only record headers are read.
    /** The walk of this direction met an inconsistency (gap, bad header) and stopped for good. */
    boolean walkStopped;
    /** An application-data record (content type 23) was counted in this direction. */
    boolean appData;
    /** Application-data records whose length is a whole number of Tor cells (TorLink#cellRecord). */
    int cellRecords;
    /** Other application-data records counted. */
    int otherRecords;
    final ByteArrayPacketView view = new ByteArrayPacketView();

    TlsStream(int cap) {
        this.cap = cap;
    }

    /** Size of the allocated buffer (0 before any), to test the bound. */
    int bufferSize() {
        return buf == null ? 0 : buf.length;
    }
}
