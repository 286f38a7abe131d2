package org.flowmark.detector.http.internal;

import org.flowmark.api.packet.ByteArrayPacketView;

/**
 * The HTTP detector's per-flow reassembly state, handed to the core through {@link
 * org.flowmark.api.detector.DetectorContext#state(Object)}. It exists only for flows that looked like HTTP so far
 * and whose current line was cut by a segment boundary; it holds at most one partial line (a request line or a
 * header line), never more than the configured header budget.
 */
final class HttpFlowState {

    /** Bytes of the pending partial line, {@code [0, used)}. */
    final byte[] buf;
    /** Bytes held in {@link #buf}. */
    int used;
    /** TCP sequence number expected next in the pending direction, -1 when unknown. */
    long nextSeq = -1;
    /** Reused view over {@link #buf}, so parsing the buffer allocates nothing. */
    final ByteArrayPacketView view = new ByteArrayPacketView();

    HttpFlowState(int capacity) {
        this.buf = new byte[capacity];
    }
}
