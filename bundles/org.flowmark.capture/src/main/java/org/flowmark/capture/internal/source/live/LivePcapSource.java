package org.flowmark.capture.internal.source.live;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import com.sun.jna.LastErrorException;
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
 * read path allocates several objects per packet and tops out near 150 k packets/s, this one allocates nothing: the
 * out-parameters are reused, and the header and data are read by address ({@link NativeMemory}, or JNA pointers
 * re-aimed with {@code Pointer.nativeValue} where Unsafe is missing), so one JNA call is made per packet.
 * pcap4j's packet parsers are never used (they also depend on the thread context class loader under OSGi).
 *
 * <p><b>The one copy on the live path.</b> {@code pcap_next_ex} returns a pointer into libpcap's buffer (the kernel
 * ring when memory-mapped) which stays valid only until the next libpcap call on the handle: the ring slot is handed
 * back to the kernel then. Each packet's {@code caplen} bytes are therefore copied, once, into a single reused heap
 * {@code byte[]} of snaplen bytes, wrapped once in the {@link ByteBuffer} that {@link RawPacket#buf} points at
 * (offset 0). That copy is what makes the packet readable with plain Java absolute getters and safe across the
 * "valid until the next {@link #next}" window of {@link RawPacket}; nothing else is copied or allocated per packet.
 *
 * <p>Waiting: libpcap runs non-blocking; when its ring is empty {@link #next} polls the capture socket together with
 * an eventfd for at most the read timeout, because libpcap on Linux does not return on its read timeout while no
 * packet arrives at all (see {@link LibC}). {@link #wakeup()} writes the eventfd.
 *
 * <p>Threading: one thread calls {@link #next}. {@link #wakeup()}, {@link #kernelDrops()} and {@link #close()} may be
 * called from any thread; {@code close} from another thread wakes the waiting read and the native handle is freed by
 * whichever of the two threads leaves last, so it is never freed under a running {@code pcap_next_ex}.
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

    /** Waiting when the ring is empty: struct pollfd[2] {capture socket, wake-up eventfd}, reused. */
    private final int captureFd;
    private final int wakeFd;
    private final long timeoutNanos;
    private final Memory pollFds = new Memory(16);
    private final Memory wakeRead = new Memory(8);
    private final Memory wakeWrite = new Memory(8);

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

    private static final NativeLong TWO = new NativeLong(2);
    /** 64-bit Linux (8-byte pointers and C longs) with Unsafe: header and data read by address, no JNA call. */
    private static final boolean FAST = NativeMemory.AVAILABLE && Native.POINTER_SIZE == 8 && NativeLong.SIZE == 8;
    private static final NativeLong EIGHT = new NativeLong(8);

    private LivePcapSource(String name, PcapHandle handle, Pointer pcap, int snapshot, int captureFd, int wakeFd,
            int timeoutMillis) {
        this.name = name;
        this.captureFd = captureFd;
        this.wakeFd = wakeFd;
        this.timeoutNanos = timeoutMillis * 1_000_000L;
        pollFds.clear();
        pollFds.setInt(0, captureFd);
        pollFds.setShort(4, LibC.POLLIN);
        pollFds.setInt(8, wakeFd);
        pollFds.setShort(12, LibC.POLLIN);
        wakeWrite.setLong(0, 1L);
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
        LibC.load();
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
        // non-blocking reads + our own poll: see LibC for why libpcap's read timeout cannot be relied on
        Memory errbuf = new Memory(256);
        errbuf.clear();
        int fd = LibPcap.pcap_get_selectable_fd(pcap);
        if (fd < 0 || LibPcap.pcap_setnonblock(pcap, 1, errbuf) < 0) {
            handle.close();
            throw new CaptureException("cannot poll " + iface + ": " + (fd < 0 ? "no selectable descriptor"
                    : errbuf.getString(0)));
        }
        int wake;
        try {
            wake = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        } catch (LastErrorException e) {
            handle.close();
            throw new CaptureException("cannot create the wake-up eventfd for " + iface + ": " + e.getMessage(), e);
        }
        int snapshot = Math.max(opt.snaplen(), LibPcap.pcap_snapshot(pcap));
        return new LivePcapSource(iface, handle, pcap, snapshot, fd, wake, opt.timeoutMillis());
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
            long deadline = 0;
            boolean waited = false;
            while (true) {
                int rc = LibPcap.pcap_next_ex(pcap, headerPP, dataPP);
                if (rc == 1) {
                    fill(into);
                    return true;
                }
                if (rc < 0) {
                    // -1 error; -2 (pcap_breakloop) is never called on this handle
                    String why = LibPcap.errorText(pcap);
                    finished = true;
                    throw new CaptureException("live capture on " + name + " failed: " + why);
                }
                // ring empty (non-blocking read): wait for the socket, a wake-up or the read timeout
                long now = System.nanoTime();
                if (!waited) {
                    deadline = now + timeoutNanos;
                    waited = true;
                } else if (now - deadline >= 0) {
                    return false;
                }
                if (!await((int) Math.max(1, (deadline - now + 999_999) / 1_000_000))) {
                    return false;
                }
            }
        } finally {
            reading = false;
            if (closed) {
                finished = true;
                releaseIfIdle();
            }
        }
    }

    /**
     * Polls the capture socket and the wake-up eventfd. True when the socket is readable (read again), false on a
     * wake-up or when the time is up.
     */
    private boolean await(int millis) throws CaptureException {
        pollFds.setShort(6, (short) 0);
        pollFds.setShort(14, (short) 0);
        int n;
        try {
            n = LibC.poll(pollFds, TWO, millis);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == 4) { // EINTR
                return true;
            }
            finished = true;
            throw new CaptureException("live capture on " + name + " failed: poll: " + e.getMessage(), e);
        }
        if (n <= 0) {
            return false;
        }
        short wakeEv = pollFds.getShort(14);
        if (wakeEv != 0) {
            try {
                LibC.read(wakeFd, wakeRead, EIGHT); // reset the eventfd counter
            } catch (LastErrorException e) {
                // EAGAIN: another read drained it already
            }
            return false;
        }
        short capEv = pollFds.getShort(6);
        if ((capEv & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0 && (capEv & LibC.POLLIN) == 0) {
            finished = true;
            throw new CaptureException("live capture on " + name
                    + " failed: the interface went down or was removed");
        }
        return true;
    }

    private void fill(RawPacket into) {
        // struct pcap_pkthdr { struct timeval ts; bpf_u_int32 caplen; bpf_u_int32 len; }, timeval = two C longs
        long sec;
        long frac;
        int caplen;
        int wirelen;
        if (FAST) {
            long h = headerPP.getLong(0);
            long d = dataPP.getLong(0);
            sec = NativeMemory.getLong(h);
            frac = NativeMemory.getLong(h + 8);
            caplen = NativeMemory.getInt(h + 16);
            wirelen = NativeMemory.getInt(h + 20);
            caplen = clamp(caplen);
            NativeMemory.copy(d, bytes, caplen);
        } else {
            Pointer.nativeValue(header, address(headerPP));
            Pointer.nativeValue(data, address(dataPP));
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
            caplen = clamp(header.getInt(lenOff));
            wirelen = header.getInt(lenOff + 4);
            data.read(0, bytes, 0, caplen);
        }
        into.buf = buf;
        into.offset = 0;
        into.caplen = caplen;
        into.wirelen = wirelen;
        into.tsNanos = sec * 1_000_000_000L + (nanoTimestamps ? frac : frac * 1_000L);
        into.linkType = linkType;
        into.ifIndex = 0;
    }

    private int clamp(int caplen) {
        // cannot happen with a sane libpcap; never overrun the buffer
        return caplen < 0 || caplen > bytes.length ? bytes.length : caplen;
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
                signal();
            }
        }
    }

    /** Lock held, not released: makes a waiting or the next poll return. */
    private void signal() {
        try {
            LibC.write(wakeFd, wakeWrite, EIGHT);
        } catch (LastErrorException e) {
            // EAGAIN: the counter is saturated, a wake-up is pending anyway
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
                signal();
            }
        }
        // if another thread is inside next() the eventfd makes its poll return at once;
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
            try {
                LibC.close(wakeFd);
            } catch (LastErrorException e) {
                // nothing more to do
            }
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
