package org.flowmark.detector.ssh.internal;

import org.flowmark.api.packet.ByteArrayPacketView;

/**
 * The SSH detector's per-flow state (through {@link org.flowmark.api.detector.DetectorContext#state(Object)}):
 * per direction, the progress (identification line, then the KEXINIT binary packet), a bounded buffer for a
 * line or KEXINIT cut by segment boundaries, and the next expected TCP sequence number. Buffers are allocated
 * only when a message is actually split, each at most the configured bound.
 */
final class SshFlowState {

    static final int WANT_LINE = 0;
    static final int WANT_KEXINIT = 1;
    static final int DONE = 2;

    final Side client = new Side();
    final Side server = new Side();
    /** KEXINIT name-lists by side, null until parsed. */
    String[] clientLists;
    String[] serverLists;
    final ByteArrayPacketView view = new ByteArrayPacketView();

    static final class Side {
        int phase = WANT_LINE;
        byte[] buf;
        int used;
        /** Bytes of the current binary packet when known (after its header), else 0. */
        int need;
        long nextSeq = -1;
        /** Lines before the identification (a server may send some, RFC 4253 section 4.2). */
        int skippedLines;
    }

    Side side(boolean fromClient) {
        return fromClient ? client : server;
    }
}
