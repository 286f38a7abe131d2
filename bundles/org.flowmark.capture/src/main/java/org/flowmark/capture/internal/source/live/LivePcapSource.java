package org.flowmark.capture.internal.source.live;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import org.flowmark.capture.internal.source.CaptureException;
import org.flowmark.capture.internal.source.PacketSource;
import org.flowmark.capture.internal.source.RawPacket;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapHandle.TimestampPrecision;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;

/**
 * Live capture from a network interface through libpcap.
 *
 * <p>pcap4j sets the handle up (device lookup, {@code pcap_create}, snaplen, promiscuous mode, read timeout, buffer
 * size, immediate mode, nanosecond timestamps, {@code pcap_activate}, BPF filter). Packets are then read by a small
 * direct-mapped JNA binding ({@link LibPcap}) calling {@code pcap_next_ex} on pcap4j's {@code pcap_t*}: pcap4j's own
 * read path allocates several objects per packet and tops out near 150 k packets/s, this one allocates nothing.
 * pcap4j's packet parsers are never used (they also depend on the thread context class loader under OSGi).
 *
 * <p><b>The one copy on the live path.</b> {@code pcap_next_ex} returns a pointer into libpcap's buffer (the kernel
 * ring when memory-mapped) which stays valid only until the next libpcap call on the handle: the ring slot is handed
 * back to the kernel then. Each packet's {@code caplen} bytes are therefore copied, once, into a single reused heap
 * {@code byte[]} of snaplen bytes, wrapped once in the {@link ByteBuffer} that {@link RawPacket#buf} points at
 * (offset 0). That copy is what makes the packet readable with plain Java absolute getters and safe across the
 * "valid until the next {@link #next}" window of {@link RawPacket}; nothing else is copied or allocated per packet.
 *
 * <p>Threading: one thread calls {@link #next}. {@link #wakeup()}, {@link #kernelDrops()} and {@link #close()} may be
 * called from any thread; {@code close} from another thread breaks the blocked read and the native handle is freed
 * by whichever of the two threads leaves last, so it is never freed under a running {@code pcap_next_ex}.
 */
public final class LivePcapSource implements PacketSource {

    private final String name;
    private final PcapHandle handle;
    private final Pointer pcap;
    private final int linkType;
    private final boolean nanoTimestamps;

    /** Out-parameters of pcap_next_ex, reused: {@code struct pcap_pkthdr *} and {@code const u_char *}. */
    private final PointerByReference headerRef = new PointerByReference();
    private final PointerByReference dataRef = new PointerByReference();
    private final Pointer headerPP = headerRef.getPointer();
    private final Pointer dataPP = dataRef.getPointer();
    /** Views re-pointed at each packet's header and data (Pointer.nativeValue), so no Pointer is made per packet. */
    private final Pointer header = new Pointer(0);
    private final Pointer data = new Pointer(0);
    /** The one reused packet buffer. */
    private final byte[] bytes;
    private final ByteBuffer buf;

    /** struct pcap_stat {u_int ps_recv, ps_drop, ps_ifdrop}, reused. */
    private final Memory stat = new Memory(12);
    private long lastDropsRaw;
    private long drops;

    private final Object lock = new Object();
    /** Set by close(); read by the reader before and after every native read. */
    private volatile boolean closed;
    /** True while the reader is inside pcap_next_ex (Dekker-style handshake with {@link #closed}). */
    private volatile boolean reading;
    private boolean released; // guarded by lock
    private volatile boolean finished;

    private LivePcapSource(String name, PcapHandle handle, Pointer pcap, int snapshot) {
        this.name = name;
        this.handle = handle;
        this.pcap = pcap;
        this.linkType = LibPcap.pcap_datalink(pcap);
        this.nanoTimestamps = handle.getTimestampPrecision() == TimestampPrecision.NANO;
        this.bytes = new byte[snapshot];
        this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * Opens a live interface.
     *
     * @throws CaptureException with a message fit for an operator: unknown interface (listing the available ones),
     *                          missing privileges, a bad BPF filter (with libpcap's reason), libpcap not installed
     */
    public static LivePcapSource open(LiveOptions opt) throws CaptureException {
        LibPcap.load();
        String iface = opt.iface();
        List<LiveDevices.Device> devices = LiveDevices.list();
        if (!devices.isEmpty() && devices.stream().noneMatch(d -> d.name().equals(iface))) {
            // checked before pcap_create: pcap4j does not free the pcap_t when activation fails
            throw new CaptureException(noSuchInterface(iface, devices));
        }
        PcapHandle handle;
        try {
            handle = new PcapHandle.Builder(iface)
                    .snaplen(opt.snaplen())
                    .promiscuousMode(opt.promiscuous() ? PromiscuousMode.PROMISCUOUS : PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis(opt.timeoutMillis())
                    .bufferSize(opt.bufferSize())
                    .immediateMode(opt.immediate())
                    .timestampPrecision(TimestampPrecision.NANO)
                    .build();
        } catch (PcapNativeException e) {
            Integer rc = e.getReturnCode();
            throw new CaptureException(activateError(rc == null ? LibPcap.PCAP_ERROR : rc, iface, e.getMessage(),
                    LiveDevices.names()), e);
        } catch (LinkageError e) {
            throw new CaptureException(LibPcap.INSTALL_HINT + " (" + e + ")", e);
        }
        Pointer pcap;
        try {
            pcap = pcapPointer(handle);
        } catch (CaptureException e) {
            handle.close();
            throw e;
        }
        if (opt.filter() != null) {
            try {
                handle.setFilter(opt.filter(), BpfCompileMode.OPTIMIZE);
            } catch (PcapNativeException e) {
                String why = LibPcap.errorText(pcap);
                handle.close();
                throw new CaptureException("bad BPF filter '" + opt.filter() + "': " + why, e);
            } catch (NotOpenException e) {
                throw new AssertionError("handle closed while opening", e);
            }
        }
        int snapshot = Math.max(opt.snaplen(), LibPcap.pcap_snapshot(pcap));
        return new LivePcapSource(iface, handle, pcap, snapshot);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean next(RawPacket into) throws CaptureException {
        if (finished) {
            return false;
        }
        reading = true;
        try {
            if (closed) {
                finished = true;
                return false;
            }
            int rc = LibPcap.pcap_next_ex(pcap, headerPP, dataPP);
            if (rc == 1) {
                fill(into);
                return true;
            }
            if (rc == 0) {
                return false; // read timeout
            }
            if (rc == LibPcap.PCAP_ERROR_BREAK) {
                // pcap_breakloop: wakeup() or close(); a live handle has no end of its own
                if (closed) {
                    finished = true;
                }
                return false;
            }
            String why = LibPcap.errorText(pcap);
            finished = true;
            throw new CaptureException("live capture on " + name + " failed: " + why);
        } finally {
            reading = false;
            if (closed) {
                releaseIfIdle();
            }
        }
    }

    private void fill(RawPacket into) {
        Pointer.nativeValue(header, address(headerPP));
        Pointer.nativeValue(data, address(dataPP));
        // struct pcap_pkthdr { struct timeval ts; bpf_u_int32 caplen; bpf_u_int32 len; }, timeval = two C longs
        long sec;
        long frac;
        int lenOff;
        if (NativeLong.SIZE == 8) {
            sec = header.getLong(0);
            frac = header.getLong(8);
            lenOff = 16;
        } else {
            sec = header.getInt(0);
            frac = header.getInt(4) & 0xffffffffL;
            lenOff = 8;
        }
        int caplen = header.getInt(lenOff);
        int wirelen = header.getInt(lenOff + 4);
        if (caplen < 0 || caplen > bytes.length) {
            caplen = bytes.length; // cannot happen with a sane libpcap; never overrun the buffer
        }
        data.read(0, bytes, 0, caplen);
        into.buf = buf;
        into.offset = 0;
        into.caplen = caplen;
        into.wirelen = wirelen;
        into.tsNanos = sec * 1_000_000_000L + (nanoTimestamps ? frac : frac * 1_000L);
        into.linkType = linkType;
        into.ifIndex = 0;
    }

    private static long address(Pointer pp) {
        return Native.POINTER_SIZE == 8 ? pp.getLong(0) : pp.getInt(0) & 0xffffffffL;
    }

    @Override
    public boolean isFinished() {
        return finished;
    }

    /** The libpcap LINKTYPE_ value of this interface (1 Ethernet, 113 Linux cooked for "any", ...). */
    public int linkType() {
        return linkType;
    }

    /** Bytes of each packet kept (the snap length in force). */
    public int snapLength() {
        return bytes.length;
    }

    /** Whether timestamps carry nanoseconds (else microseconds scaled by 1000). */
    public boolean nanosecondTimestamps() {
        return nanoTimestamps;
    }

    /**
     * Packets the kernel dropped because the capture ring was full ({@code pcap_stats} ps_drop, whose 32-bit
     * counter is widened here). Not a per-packet call: poll it with the periodic statistics.
     */
    @Override
    public long kernelDrops() {
        synchronized (lock) {
            if (!released) {
                updateDrops();
            }
            return drops;
        }
    }

    @Override
    public void wakeup() {
        synchronized (lock) {
            if (!released) {
                LibPcap.pcap_breakloop(pcap);
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (!released) {
                LibPcap.pcap_breakloop(pcap);
            }
        }
        // if another thread is inside pcap_next_ex it leaves within the read timeout (or at once after breakloop);
        // wait a little so the handle is normally freed before close returns, else the reader frees it on its way out
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (reading && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        releaseIfIdle();
        finished = true;
    }

    private void releaseIfIdle() {
        synchronized (lock) {
            if (released || reading) {
                return;
            }
            released = true;
            updateDrops(); // the final count stays readable after close
        }
        handle.close();
    }

    /** Lock held, handle not released. */
    private void updateDrops() {
        if (LibPcap.pcap_stats(pcap, stat) == 0) {
            long raw = stat.getInt(4) & 0xffffffffL;
            drops += (raw - lastDropsRaw) & 0xffffffffL;
            lastDropsRaw = raw;
        }
    }

    /** The {@code pcap_t*} inside pcap4j's handle (private field "handle" in 1.8.2; there is no accessor). */
    private static Pointer pcapPointer(PcapHandle handle) throws CaptureException {
        try {
            Field f = PcapHandle.class.getDeclaredField("handle");
            f.setAccessible(true);
            Object p = f.get(handle);
            if (!(p instanceof Pointer) || Pointer.nativeValue((Pointer) p) == 0) {
                throw new CaptureException("pcap4j handle holds no pcap_t pointer");
            }
            return (Pointer) p;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new CaptureException("unsupported pcap4j version: cannot reach its pcap_t pointer (" + e + ")", e);
        }
    }

    static String noSuchInterface(String iface, List<LiveDevices.Device> devices) {
        StringBuilder sb = new StringBuilder("no such interface ").append(iface).append(" (available: ");
        for (int i = 0; i < devices.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(devices.get(i).name());
        }
        return sb.append(')').toString();
    }

    /** An operator's message for a failed pcap_create/pcap_activate. */
    static String activateError(int rc, String iface, String libpcapMessage, String available) {
        switch (rc) {
            case LibPcap.PCAP_ERROR_NO_SUCH_DEVICE:
                return "no such interface " + iface + " (available: " + available + ")";
            case LibPcap.PCAP_ERROR_PERM_DENIED:
                return "permission denied opening " + iface + ": run as root or grant CAP_NET_RAW";
            case LibPcap.PCAP_ERROR_IFACE_NOT_UP:
                return "interface " + iface + " is down: bring it up first (ip link set " + iface + " up)";
            default:
                return "cannot open " + iface + ": " + libpcapMessage;
        }
    }

    @Override
    public String toString() {
        return "LivePcapSource[" + name + ", linktype " + linkType + ", snaplen " + bytes.length + "]";
    }
}
