package org.flowmark.api.packet;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A read-only window over bytes of one packet (typically the L4 payload). Index 0 is the first byte of the
 * window; every getter is absolute and does not move any position. Multi-byte getters are big-endian
 * (network order) unless their name ends in {@code le}.
 *
 * <p>The core reuses one instance for every packet: a view is valid only during the call it was passed to and
 * must never be stored. Reading outside {@code [0, length())} throws {@link IndexOutOfBoundsException}; a
 * detector should test {@link #length()} first (cheapest reject first).
 */
@ProviderType
public interface PacketView {

    /** Number of bytes in the window. */
    int length();

    /** Unsigned byte at {@code index}. */
    int u8(int index);

    /** Unsigned 16-bit big-endian value at {@code index}. */
    int u16(int index);

    /** Unsigned 16-bit little-endian value at {@code index}. */
    int u16le(int index);

    /** Unsigned 24-bit big-endian value at {@code index}. */
    int u24(int index);

    /** Unsigned 32-bit big-endian value at {@code index}. */
    long u32(int index);

    /** Unsigned 32-bit little-endian value at {@code index}. */
    long u32le(int index);

    /** Signed 32-bit big-endian value at {@code index}. */
    int i32(int index);

    /** Signed 64-bit big-endian value at {@code index}. */
    long i64(int index);

    /** True when the bytes at {@code index} equal {@code pattern} (false when the window is too short). */
    boolean startsWith(int index, byte[] pattern);

    /**
     * True when the bytes at {@code index} equal {@code lowerAscii} ignoring ASCII case; {@code lowerAscii}
     * must be lower case. False when the window is too short.
     */
    boolean startsWithIgnoreCase(int index, byte[] lowerAscii);

    /** First index in {@code [from, to)} holding byte {@code b}, or -1. {@code to} is clamped to the length. */
    int indexOf(int from, int to, int b);

    /** First index in {@code [from, to)} where {@code pattern} starts, or -1. {@code to} is clamped. */
    int indexOf(int from, int to, byte[] pattern);

    /** Copies {@code len} bytes at {@code index} into {@code dst}; for bounded, opt-in reassembly only. */
    void copyTo(int index, byte[] dst, int dstOffset, int len);

    /**
     * Decodes {@code len} bytes at {@code index} as ISO-8859-1 text. Allocates: for metadata a detector keeps
     * once per flow, never for matching.
     */
    String ascii(int index, int len);
}
