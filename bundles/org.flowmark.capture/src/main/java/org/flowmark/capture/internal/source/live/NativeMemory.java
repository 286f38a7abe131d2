package org.flowmark.capture.internal.source.live;

import java.lang.reflect.Field;

/**
 * Reads of libpcap's packet header and data by raw address with {@code sun.misc.Unsafe} intrinsics (module
 * jdk.unsupported), which cost nothing next to a JNA {@code Pointer.getXxx} (one native call each: seven per
 * packet). {@link #AVAILABLE} is false where Unsafe cannot be had; the live source then reads through JNA.
 */
final class NativeMemory {

    static final boolean AVAILABLE;
    private static final sun.misc.Unsafe U;
    private static final long BYTE_ARRAY_BASE;

    static {
        sun.misc.Unsafe u = null;
        long base = 0;
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            u = (sun.misc.Unsafe) f.get(null);
            base = u.arrayBaseOffset(byte[].class);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            u = null;
        }
        U = u;
        BYTE_ARRAY_BASE = base;
        AVAILABLE = u != null;
    }

    private NativeMemory() {
    }

    static long getLong(long address) {
        return U.getLong(address);
    }

    static int getInt(long address) {
        return U.getInt(address);
    }

    /** Copies {@code len} bytes from native {@code address} to the start of {@code dst}. */
    static void copy(long address, byte[] dst, int len) {
        U.copyMemory(null, address, dst, BYTE_ARRAY_BASE, len);
    }
}
