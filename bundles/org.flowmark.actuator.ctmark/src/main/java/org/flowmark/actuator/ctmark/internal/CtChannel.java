package org.flowmark.actuator.ctmark.internal;

import java.util.List;

/** Sends mark updates to conntrack; {@link CtNetlink} in production, a fake in unit tests. */
interface CtChannel extends AutoCloseable {

    /** One mark update: the entry's tuple, which direction it is given in, the mark and its mask. */
    record Request(CtMessage.Tuple tuple, boolean replyDirection, int mark, int mask) {
    }

    /** Applies the requests; returns one errno per request (0: done, 2 ENOENT: no such entry, ...). */
    int[] setMarks(List<Request> requests) throws CtException;

    @Override
    void close();

    /** The channel itself failed (socket, permissions, module); {@code errno} when known. */
    final class CtException extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        CtException(String message, int errno) {
            super(message);
            this.errno = errno;
        }
    }
}
