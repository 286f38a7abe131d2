package org.flowmark.capture.internal.source;

import java.nio.ByteBuffer;

/**
 * One captured packet as a source delivers it: a window into a buffer the source owns (the memory-mapped file,
 * or a reused live buffer). Reused for every packet; valid until the next call to {@link PacketSource#next}.
 * Nothing is copied: {@link #buf} is read with absolute getters at {@code offset .. offset + caplen}.
 */
public final class RawPacket {
    /** Buffer holding the packet bytes (big-endian order; absolute reads only). */
    public ByteBuffer buf;
    /** Absolute index of the first link-layer byte in {@link #buf}. */
    public int offset;
    /** Bytes captured (present in the buffer). */
    public int caplen;
    /** Bytes on the wire (may exceed caplen when the snap length cut the packet). */
    public int wirelen;
    /** Capture timestamp, nanoseconds since the epoch. */
    public long tsNanos;
    /** libpcap LINKTYPE_ value of this packet (pcapng: of its interface). */
    public int linkType;
    /** Interface index within the source (pcapng IDB index; 0 otherwise). */
    public int ifIndex;
}
