package org.flowmark.capture.internal.source.live;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import org.flowmark.capture.internal.source.CaptureException;

/**
 * Direct-mapped JNA binding to the few libpcap calls on the hot path (pcap4j wraps each packet in several Java
 * objects; this binding passes only {@link Pointer}s, which JNA's direct mapping hands to C without conversion or
 * allocation). Bound to the same {@link NativeLibrary} instance as pcap4j (same name, JNA caches instances by name), so
 * a {@code pcap_t*} created by pcap4j is valid here.
 */
final class LibPcap {

    /** pcap4j's system property for the library name; we honour it so both bindings load the same library. */
    static final String LIB_NAME_PROPERTY = "org.pcap4j.core.pcapLibName";
    static final String INSTALL_HINT = "libpcap not found: apt-get install libpcap0.8";

    static final int PCAP_ERROR = -1;
    static final int PCAP_ERROR_BREAK = -2;
    static final int PCAP_ERROR_NO_SUCH_DEVICE = -5;
    static final int PCAP_ERROR_RFMON_NOTSUP = -6;
    static final int PCAP_ERROR_PERM_DENIED = -8;
    static final int PCAP_ERROR_IFACE_NOT_UP = -9;

    private static volatile boolean registered;

    private LibPcap() {
    }

    /** {@code int pcap_next_ex(pcap_t *, struct pcap_pkthdr **, const u_char **)}: 1 packet, 0 timeout, -1 error, -2 break. */
    static native int pcap_next_ex(Pointer p, Pointer headerPP, Pointer dataPP);

    /** {@code int pcap_get_selectable_fd(pcap_t *)}: the capture socket to poll. */
    static native int pcap_get_selectable_fd(Pointer p);

    /** {@code int pcap_setnonblock(pcap_t *, int, char *errbuf)}; errbuf of PCAP_ERRBUF_SIZE (256) bytes. */
    static native int pcap_setnonblock(Pointer p, int nonblock, Pointer errbuf);

    /** {@code int pcap_stats(pcap_t *, struct pcap_stat *)}: struct of three u_int (recv, drop, ifdrop). */
    static native int pcap_stats(Pointer p, Pointer stat);

    /** {@code int pcap_datalink(pcap_t *)}: the LINKTYPE_/DLT_ value. */
    static native int pcap_datalink(Pointer p);

    /** {@code int pcap_snapshot(pcap_t *)}: the snap length in force (libpcap may adjust the requested one). */
    static native int pcap_snapshot(Pointer p);

    /** {@code char *pcap_geterr(pcap_t *)}. */
    static native Pointer pcap_geterr(Pointer p);

    /** The library name both bindings use. */
    static String libraryName() {
        return System.getProperty(LIB_NAME_PROPERTY, "pcap");
    }

    /**
     * Loads libpcap and binds the natives above, once. Called before any pcap4j class is touched, so a missing
     * library gives one clear message instead of pcap4j's class initialisation error.
     */
    static void load() throws CaptureException {
        if (registered) {
            return;
        }
        synchronized (LibPcap.class) {
            if (!registered) {
                NativeLibrary lib = find(libraryName());
                try {
                    Native.register(LibPcap.class, lib);
                } catch (UnsatisfiedLinkError e) {
                    throw new CaptureException("libpcap at " + lib.getFile() + " lacks a needed function ("
                            + e.getMessage() + "): install libpcap0.8 >= 1.5", e);
                }
                registered = true;
            }
        }
    }

    /** Opens the native library {@code name}, or fails with the install hint. */
    static NativeLibrary find(String name) throws CaptureException {
        try {
            return NativeLibrary.getInstance(name);
        } catch (UnsatisfiedLinkError e) {
            throw new CaptureException(INSTALL_HINT + " (" + firstLine(e.getMessage()) + ")", e);
        } catch (LinkageError e) {
            // JNA itself is missing or cannot load its own native part
            throw new CaptureException("cannot load JNA for live capture: " + e, e);
        }
    }

    /** libpcap's last error text for {@code p}. */
    static String errorText(Pointer p) {
        Pointer msg = pcap_geterr(p);
        return msg == null ? "unknown libpcap error" : msg.getString(0);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
