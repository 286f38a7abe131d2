package org.flowmark.capture.internal.source;

import java.io.Closeable;
import java.io.IOException;

/**
 * Where packets come from: a capture file (memory-mapped, pure Java) or a live interface (libpcap). The one
 * interface behind which the capture path is chosen. Single-threaded: one thread calls {@link #next}.
 */
public interface PacketSource extends Closeable {

    /** Interface name or file path, used as the {@code source} of records. */
    String name();

    /**
     * Fills {@code into} with the next packet.
     *
     * @return true when a packet was delivered; false at the end of a file, or (live) when no packet arrived
     *         within the read timeout: then {@link #isFinished()} tells the two apart
     * @throws CaptureException when the source is unreadable or corrupt (the message says where and why); the
     *         packets delivered before stay valid
     */
    boolean next(RawPacket into) throws IOException;

    /** True once the source can deliver no more packets (end of file, interface closed). */
    boolean isFinished();

    /** Packets dropped before the agent saw them (kernel/libpcap); 0 for files. */
    default long kernelDrops() {
        return 0;
    }

    /** Asks a blocking live source to return from {@link #next} soon; safe from any thread. */
    default void wakeup() {
    }
}
