package org.flowmark.capture.internal.source.live;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import org.flowmark.capture.internal.source.CaptureException;

/**
 * The few libc calls the live source needs to honour its read timeout and wake-ups: libpcap on Linux ignores the
 * read timeout when no packet arrives at all (TPACKET_V3 retires only non-empty blocks; immediate mode blocks
 * forever), so the source runs libpcap non-blocking and waits itself with {@code poll} on the capture socket and an
 * {@code eventfd} that {@link LivePcapSource#wakeup()} writes to. Only called when the ring is empty.
 */
final class LibC {

    static final short POLLIN = 0x001;
    static final short POLLERR = 0x008;
    static final short POLLHUP = 0x010;
    static final short POLLNVAL = 0x020;
    static final int EFD_CLOEXEC = 02000000;
    static final int EFD_NONBLOCK = 04000;

    private static volatile boolean registered;

    private LibC() {
    }

    /** {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout)}. */
    static native int poll(Pointer fds, NativeLong nfds, int timeoutMillis) throws LastErrorException;

    /** {@code int eventfd(unsigned int initval, int flags)}. */
    static native int eventfd(int initval, int flags) throws LastErrorException;

    /** {@code ssize_t read(int, void *, size_t)}. */
    static native NativeLong read(int fd, Pointer buf, NativeLong count) throws LastErrorException;

    /** {@code ssize_t write(int, const void *, size_t)}. */
    static native NativeLong write(int fd, Pointer buf, NativeLong count) throws LastErrorException;

    /** {@code int close(int)}. */
    static native int close(int fd) throws LastErrorException;

    static void load() throws CaptureException {
        if (registered) {
            return;
        }
        synchronized (LibC.class) {
            if (!registered) {
                if (!Platform.isLinux()) {
                    throw new CaptureException("live capture is supported on Linux only");
                }
                try {
                    Native.register(LibC.class, Platform.C_LIBRARY_NAME);
                } catch (UnsatisfiedLinkError e) {
                    throw new CaptureException("cannot bind libc for live capture: " + e.getMessage(), e);
                }
                registered = true;
            }
        }
    }
}
