package org.flowmark.capture.internal.source;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a capture file, classic pcap or pcapng, through a read-only memory mapping: {@link RawPacket#buf} is the
 * mapped window itself and nothing is copied or allocated per packet.
 *
 * <p>Formats (facts from the libpcap file format and the pcapng draft, draft-ietf-opsawg-pcapng):
 * <ul>
 * <li>classic pcap: magic {@code a1b2c3d4} (microseconds) or {@code a1b23c4d} (nanoseconds), either byte order;
 * the Kuznetzov variant {@code a1b2cd34} (8 extra bytes per record) is read as microseconds. The link type comes
 * from the global header.</li>
 * <li>pcapng: a Section Header Block fixes the byte order of its section (a later SHB may switch it and resets
 * the interfaces); Interface Description Blocks give each interface its link type, {@code if_tsresol} (power of
 * 10 or of 2) and {@code if_tsoffset}; Enhanced, Simple and (obsolete) Packet Blocks carry packets; every other
 * block is skipped by its length.</li>
 * </ul>
 *
 * <p>Files of any size are mapped in windows (1 GiB by default); a record never straddles a window: when the next
 * record does not fit, the window is remapped to start at that record. Corrupt or truncated input makes
 * {@link #next} throw a {@link CaptureException} naming the file, the byte offset and the problem; packets
 * delivered before stay valid until the next call, as the {@link PacketSource} contract says.
 *
 * <p>{@link #close()} releases the mapping promptly (where the JDK lets us; see {@link #close()} for a close from
 * another thread): no buffer handed out by this source may be read after closing it.
 */
public final class PcapFileSource implements PacketSource {

    /** Largest caplen accepted (libpcap's MAXIMUM_SNAPLEN). */
    public static final int MAX_CAPLEN = 262_144;
    /** Default mapping window. */
    public static final long DEFAULT_WINDOW = 1L << 30;

    private static final int PCAP_MAGIC_US = 0xa1b2c3d4;
    private static final int PCAP_MAGIC_NS = 0xa1b23c4d;
    private static final int PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;
    private static final int PCAPNG_SHB = 0x0A0D0D0A;
    private static final int PCAPNG_BOM = 0x1A2B3C4D;
    private static final int BLOCK_IDB = 1;
    private static final int BLOCK_PB = 2;
    private static final int BLOCK_SPB = 3;
    private static final int BLOCK_EPB = 6;
    /** A pcapng block we skip may be large (NRB, custom); packet blocks are bounded by MAX_CAPLEN + options. */
    private static final int MAX_PACKET_BLOCK = MAX_CAPLEN + 65_536;

    private final String name;
    private final FileChannel channel;
    private final long fileSize;
    private final long window;
    private final boolean pcapng;

    // classic pcap
    private boolean swapped; // file (section) byte order is little-endian
    private boolean nanos;
    private int recordExtra; // 8 for the Kuznetzov variant
    private int pcapLinkType;

    // pcapng interfaces of the current section
    private int ifCount;
    private int[] ifLinkType = new int[4];
    /** Timestamp units: power of 10 when ifPow2 is false, power of 2 otherwise. */
    private int[] ifResExp = new int[4];
    private boolean[] ifPow2 = new boolean[4];
    private long[] ifOffsetNanos = new long[4];

    // mapping
    private MappedByteBuffer map;
    private long mapBase;
    private long mapLen;

    /** File offset of the next record or block. */
    private long pos;
    private boolean finished;
    /** Set by {@link #close()}, possibly from another thread than the reader. */
    private volatile boolean closed;
    /** The thread that calls {@link #next}; the mapping is released only by it, or when it never read. */
    private volatile Thread reader;
    private boolean released;
    private long lastTsNanos;
    private long packets;

    private PcapFileSource(Path path, long window) throws IOException {
        this.name = path.toString();
        this.window = window;
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CaptureException(name + ": cannot open: " + e, e);
        }
        this.channel = ch;
        boolean ok = false;
        try {
            this.fileSize = ch.size();
            if (fileSize < 4) {
                throw new CaptureException(name + ": not a pcap or pcapng file (only " + fileSize + " bytes)");
            }
            ensure(0, Math.min(fileSize, 28), "file header");
            int magic = map.getInt(0);
            if (magic == PCAPNG_SHB) {
                pcapng = true;
                pos = 0; // the SHB is read as the first block by next()
                if (fileSize < 28) {
                    throw new CaptureException(name + ": truncated pcapng section header at offset 0: "
                            + fileSize + " bytes in the file");
                }
                readShbByteOrder(0);
            } else {
                pcapng = false;
                readPcapHeader(magic);
                pos = 24;
            }
            ok = true;
        } finally {
            if (!ok) {
                closeQuietly();
            }
        }
    }

    /** Opens a capture file (pcap or pcapng). */
    public static PcapFileSource open(Path path) throws IOException {
        return new PcapFileSource(path, DEFAULT_WINDOW);
    }

    /** Opens a capture file mapping at most {@code window} bytes at a time (tests use small windows). */
    static PcapFileSource open(Path path, long window) throws IOException {
        if (window < 64 || window > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("window " + window);
        }
        return new PcapFileSource(path, window);
    }

    private void readPcapHeader(int magic) throws CaptureException {
        int swappedMagic = Integer.reverseBytes(magic);
        if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS || magic == PCAP_MAGIC_KUZNETZOV) {
            swapped = false;
        } else if (swappedMagic == PCAP_MAGIC_US || swappedMagic == PCAP_MAGIC_NS
                || swappedMagic == PCAP_MAGIC_KUZNETZOV) {
            swapped = true;
            magic = swappedMagic;
        } else {
            throw new CaptureException(name + ": not a pcap or pcapng file (magic 0x"
                    + String.format("%08x", magic) + ")");
        }
        if (fileSize < 24) {
            throw new CaptureException(name + ": truncated pcap file header at offset 0: " + fileSize
                    + " bytes, 24 needed");
        }
        nanos = magic == PCAP_MAGIC_NS;
        recordExtra = magic == PCAP_MAGIC_KUZNETZOV ? 8 : 0;
        int major = u16(4);
        if (major != 2) {
            throw new CaptureException(name + ": unsupported pcap version " + major + "." + u16(6) + " at offset 4");
        }
        // LinkType in the low 16 bits; the high bits carry FCS information
        pcapLinkType = i32(20) & 0xFFFF;
    }

    /** Determines the byte order of the section whose SHB starts at {@code at} (mapped). */
    private void readShbByteOrder(long at) throws CaptureException {
        int bom = map.getInt((int) (at - mapBase) + 8);
        if (bom == PCAPNG_BOM) {
            swapped = false;
        } else if (Integer.reverseBytes(bom) == PCAPNG_BOM) {
            swapped = true;
        } else {
            throw new CaptureException(name + ": corrupt pcapng section header at offset " + at
                    + ": byte-order magic 0x" + String.format("%08x", bom));
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isFinished() {
        return finished;
    }

    /** Packets delivered so far. */
    public long packets() {
        return packets;
    }

    /** File offset of the next record (for diagnostics). */
    public long position() {
        return pos;
    }

    @Override
    public boolean next(RawPacket into) throws IOException {
        Thread t = Thread.currentThread();
        if (reader != t) {
            reader = t; // volatile write once per reader thread, then read of closed: see close()
        }
        if (closed) {
            release(); // closed by another thread: this (reader) thread releases the mapping now
            return false;
        }
        if (finished) {
            return false;
        }
        return pcapng ? nextPcapng(into) : nextPcap(into);
    }

    private boolean nextPcap(RawPacket into) throws CaptureException {
        long p = pos;
        if (p >= fileSize) {
            finished = true;
            return false;
        }
        int hdrLen = 16 + recordExtra;
        if (fileSize - p < hdrLen) {
            finished = true;
            throw new CaptureException(name + ": truncated packet record header at offset " + p + ": "
                    + hdrLen + " bytes needed, " + (fileSize - p) + " remain");
        }
        ensure(p, hdrLen, "packet record header");
        int rel = (int) (p - mapBase);
        long sec = i32(rel) & 0xFFFFFFFFL;
        long frac = i32(rel + 4) & 0xFFFFFFFFL;
        int caplen = i32(rel + 8);
        int wirelen = i32(rel + 12);
        if (caplen < 0 || caplen > MAX_CAPLEN) {
            finished = true;
            throw new CaptureException(name + ": corrupt packet record at offset " + p + ": caplen "
                    + (caplen & 0xFFFFFFFFL) + " exceeds the maximum " + MAX_CAPLEN);
        }
        long dataAt = p + hdrLen;
        if (fileSize - dataAt < caplen) {
            finished = true;
            throw new CaptureException(name + ": truncated packet record at offset " + p + ": header says "
                    + caplen + " bytes, " + (fileSize - dataAt) + " remain");
        }
        ensure(p, hdrLen + caplen, "packet record");
        into.buf = map;
        into.offset = (int) (dataAt - mapBase);
        into.caplen = caplen;
        into.wirelen = wirelen;
        into.tsNanos = sec * 1_000_000_000L + (nanos ? frac : frac * 1000L);
        into.linkType = pcapLinkType;
        into.ifIndex = 0;
        lastTsNanos = into.tsNanos;
        pos = dataAt + caplen;
        packets++;
        return true;
    }

    private boolean nextPcapng(RawPacket into) throws CaptureException {
        while (true) {
            long p = pos;
            if (p >= fileSize) {
                finished = true;
                return false;
            }
            if (fileSize - p < 12) {
                finished = true;
                throw new CaptureException(name + ": truncated pcapng block at offset " + p + ": 12 bytes needed, "
                        + (fileSize - p) + " remain");
            }
            ensure(p, 12, "block header");
            int rel = (int) (p - mapBase);
            int type = map.getInt(rel); // SHB type is a palindrome: same value in both orders
            if (type == PCAPNG_SHB) {
                if (fileSize - p < 28) {
                    finished = true;
                    throw new CaptureException(name + ": truncated pcapng section header at offset " + p);
                }
                ensure(p, 28, "section header");
                readShbByteOrder(p);
                ifCount = 0; // a new section starts with no interfaces
            } else {
                type = swapped ? Integer.reverseBytes(type) : type;
            }
            rel = (int) (p - mapBase);
            long blockLen = i32(rel + 4) & 0xFFFFFFFFL;
            if (blockLen < 12 || (blockLen & 3) != 0) {
                finished = true;
                throw new CaptureException(name + ": corrupt pcapng block at offset " + p + ": block length "
                        + blockLen + (blockLen < 12 ? " is below 12" : " is not a multiple of 4"));
            }
            if (fileSize - p < blockLen) {
                finished = true;
                throw new CaptureException(name + ": truncated pcapng block (type 0x" + Integer.toHexString(type)
                        + ") at offset " + p + ": block length " + blockLen + ", " + (fileSize - p) + " remain");
            }
            switch (type) {
                case BLOCK_EPB:
                case BLOCK_SPB:
                case BLOCK_PB:
                    if (blockLen > MAX_PACKET_BLOCK) {
                        finished = true;
                        throw new CaptureException(name + ": corrupt packet block at offset " + p + ": block length "
                                + blockLen + " exceeds " + MAX_PACKET_BLOCK);
                    }
                    ensure(p, (int) blockLen, "packet block");
                    if (readPacketBlock(type, p, (int) blockLen, into)) {
                        pos = p + blockLen;
                        packets++;
                        return true;
                    }
                    break;
                case BLOCK_IDB:
                    if (blockLen > MAX_PACKET_BLOCK) {
                        finished = true;
                        throw new CaptureException(name + ": corrupt interface description block at offset " + p
                                + ": block length " + blockLen);
                    }
                    ensure(p, (int) blockLen, "interface description block");
                    readIdb(p, (int) blockLen);
                    break;
                default:
                    // SHB (order already taken), NRB, ISB, DSB, custom, unknown: skipped by their length
                    break;
            }
            pos = p + blockLen;
        }
    }

    private void readIdb(long p, int blockLen) throws CaptureException {
        if (blockLen < 20) {
            finished = true;
            throw new CaptureException(name + ": corrupt interface description block at offset " + p
                    + ": block length " + blockLen + " is below 20");
        }
        int rel = (int) (p - mapBase);
        int linkType = u16(rel + 8);
        int resExp = 6;
        boolean pow2 = false;
        long offsetNanos = 0;
        int o = rel + 16;
        int end = rel + blockLen - 4;
        while (o + 4 <= end) {
            int code = u16(o);
            int len = u16(o + 2);
            if (code == 0) {
                break;
            }
            if (o + 4 + len > end) {
                finished = true;
                throw new CaptureException(name + ": corrupt interface description block at offset " + p
                        + ": option " + code + " of length " + len + " overruns the block");
            }
            if (code == 9 && len >= 1) { // if_tsresol
                int v = map.get(o + 4) & 0xFF;
                pow2 = (v & 0x80) != 0;
                resExp = v & 0x7F;
                if ((!pow2 && resExp > 18) || (pow2 && resExp > 63)) {
                    finished = true;
                    throw new CaptureException(name + ": unsupported if_tsresol 0x" + Integer.toHexString(v)
                            + " in interface description block at offset " + p);
                }
            } else if (code == 14 && len >= 8) { // if_tsoffset, seconds
                long hi = i32(o + 4) & 0xFFFFFFFFL;
                long lo = i32(o + 8) & 0xFFFFFFFFL;
                long secs = swapped ? (lo << 32 | hi) : (hi << 32 | lo);
                offsetNanos = secs * 1_000_000_000L;
            }
            o += 4 + ((len + 3) & ~3);
        }
        if (ifCount == ifLinkType.length) {
            int n = ifCount * 2;
            ifLinkType = java.util.Arrays.copyOf(ifLinkType, n);
            ifResExp = java.util.Arrays.copyOf(ifResExp, n);
            ifPow2 = java.util.Arrays.copyOf(ifPow2, n);
            ifOffsetNanos = java.util.Arrays.copyOf(ifOffsetNanos, n);
        }
        ifLinkType[ifCount] = linkType;
        ifResExp[ifCount] = resExp;
        ifPow2[ifCount] = pow2;
        ifOffsetNanos[ifCount] = offsetNanos;
        ifCount++;
    }

    /** Fills {@code into} from a packet block; the block is mapped. */
    private boolean readPacketBlock(int type, long p, int blockLen, RawPacket into) throws CaptureException {
        int rel = (int) (p - mapBase);
        int trailer = i32(rel + blockLen - 4);
        if (trailer != blockLen) {
            finished = true;
            throw new CaptureException(name + ": corrupt pcapng block at offset " + p + ": trailing length "
                    + (trailer & 0xFFFFFFFFL) + " differs from leading length " + blockLen);
        }
        int iface;
        int caplen;
        int wirelen;
        int dataRel;
        long ts;
        boolean hasTs = true;
        if (type == BLOCK_EPB || type == BLOCK_PB) {
            if (blockLen < 32) {
                finished = true;
                throw new CaptureException(name + ": corrupt packet block at offset " + p + ": block length "
                        + blockLen + " is below 32");
            }
            if (type == BLOCK_EPB) {
                iface = i32(rel + 8);
            } else {
                iface = u16(rel + 8);
            }
            ts = (i32(rel + 12) & 0xFFFFFFFFL) << 32 | (i32(rel + 16) & 0xFFFFFFFFL);
            caplen = i32(rel + 20);
            wirelen = i32(rel + 24);
            dataRel = rel + 28;
            if (caplen < 0 || caplen > MAX_CAPLEN || caplen > blockLen - 32) {
                finished = true;
                throw new CaptureException(name + ": corrupt packet block at offset " + p + ": captured length "
                        + (caplen & 0xFFFFFFFFL) + " exceeds " + (caplen < 0 || caplen > MAX_CAPLEN
                                ? "the maximum " + MAX_CAPLEN
                                : "the block (" + (blockLen - 32) + " bytes of data)"));
            }
        } else { // SPB
            if (blockLen < 16) {
                finished = true;
                throw new CaptureException(name + ": corrupt simple packet block at offset " + p
                        + ": block length " + blockLen + " is below 16");
            }
            iface = 0;
            ts = 0;
            hasTs = false;
            wirelen = i32(rel + 8);
            caplen = (int) Math.min(wirelen & 0xFFFFFFFFL, blockLen - 16);
            if (caplen > MAX_CAPLEN) {
                finished = true;
                throw new CaptureException(name + ": corrupt simple packet block at offset " + p + ": length "
                        + caplen + " exceeds the maximum " + MAX_CAPLEN);
            }
            dataRel = rel + 12;
        }
        if (iface < 0 || iface >= ifCount) {
            finished = true;
            throw new CaptureException(name + ": corrupt packet block at offset " + p + ": interface " + iface
                    + " is not described (" + ifCount + " interface(s) in this section)");
        }
        into.buf = map;
        into.offset = dataRel;
        into.caplen = caplen;
        into.wirelen = wirelen;
        into.linkType = ifLinkType[iface];
        into.ifIndex = iface;
        into.tsNanos = hasTs ? toNanos(ts, iface) : lastTsNanos;
        lastTsNanos = into.tsNanos;
        return true;
    }

    private long toNanos(long ts, int iface) {
        int e = ifResExp[iface];
        long n;
        if (!ifPow2[iface]) {
            if (e == 9) {
                n = ts;
            } else if (e < 9) {
                n = ts * POW10[9 - e];
            } else {
                n = Long.divideUnsigned(ts, POW10[e - 9]);
            }
        } else if (e == 0) {
            n = ts * 1_000_000_000L;
        } else {
            long secs = ts >>> e;
            long frac = ts & ((1L << e) - 1);
            // (frac * 1e9) >> e with a 128-bit product
            long lo = frac * 1_000_000_000L;
            long hi = Math.multiplyHigh(frac, 1_000_000_000L);
            long fracNs = e >= 64 ? 0 : (e == 0 ? lo : (lo >>> e) | (hi << (64 - e)));
            n = secs * 1_000_000_000L + fracNs;
        }
        return n + ifOffsetNanos[iface];
    }

    private static final long[] POW10 = new long[19];

    static {
        POW10[0] = 1;
        for (int i = 1; i < POW10.length; i++) {
            POW10[i] = POW10[i - 1] * 10;
        }
    }

    /**
     * Makes file bytes {@code [at, at + len)} mapped; remaps the window to start at {@code at} when they are not.
     * The caller has checked that they lie within the file.
     */
    private void ensure(long at, long len, String what) throws CaptureException {
        if (map != null && at >= mapBase && at + len <= mapBase + mapLen) {
            return;
        }
        long size = Math.min(fileSize - at, Math.max(window, len));
        try {
            map = channel.map(FileChannel.MapMode.READ_ONLY, at, size);
        } catch (IOException | RuntimeException e) {
            finished = true;
            throw new CaptureException(name + ": cannot map " + what + " at offset " + at + ": " + e, e);
        }
        map.order(ByteOrder.BIG_ENDIAN);
        mapBase = at;
        mapLen = size;
        // the previous window is left to the garbage collector: a packet handed out before may still be read
    }

    private int i32(int rel) {
        int v = map.getInt(rel);
        return swapped ? Integer.reverseBytes(v) : v;
    }

    private int u16(int rel) {
        short v = map.getShort(rel);
        return (swapped ? Short.reverseBytes(v) : v) & 0xFFFF;
    }

    /**
     * Closes the file. Called from the reader thread (or before any read), the mapping is released at once;
     * called from another thread while a reader may be inside {@link #next}, only the channel is closed and the
     * reader releases the mapping on its next call (which then returns false), so no thread ever reads an unmapped
     * buffer through this source. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        Thread r = reader;
        if (r == null || r == Thread.currentThread()) {
            finished = true;
            release();
        } else {
            closeChannel();
        }
    }

    private void closeQuietly() {
        closed = true;
        release();
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException | RuntimeException ignored) {
            // nothing more to release
        }
    }

    private synchronized void release() {
        finished = true;
        if (released) {
            return;
        }
        released = true;
        closeChannel();
        ByteBuffer m = map;
        map = null;
        if (m != null) {
            unmap(m);
        }
    }

    /**
     * Releases a mapping now instead of at the next GC. Uses {@code sun.misc.Unsafe.invokeCleaner} (module
     * jdk.unsupported) by reflection; where that is not reachable (e.g. an OSGi framework without boot delegation
     * for sun.misc) the mapping is released by the garbage collector instead.
     */
    private static void unmap(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            return;
        }
        Method m = INVOKE_CLEANER;
        if (m == null) {
            return;
        }
        try {
            m.invoke(UNSAFE, buffer);
        } catch (ReflectiveOperationException | RuntimeException ignored) {
            // left to the GC
        }
    }

    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method cleaner = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            cleaner = c.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            unsafe = null;
            cleaner = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = cleaner;
    }

    @Override
    public String toString() {
        return "PcapFileSource[" + name + (pcapng ? ", pcapng" : ", pcap") + ", " + fileSize + " bytes]";
    }
}
