package org.flowmark.capture.internal.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapFileSourceTest {
    @TempDir
    Path dir;

    /** Little writer for capture files in either byte order. */
    static final class Out {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteOrder order;

        Out(ByteOrder order) {
            this.order = order;
        }

        Out i32(long v) {
            bytes.writeBytes(ByteBuffer.allocate(4).order(order).putInt((int) v).array());
            return this;
        }

        Out i16(int v) {
            bytes.writeBytes(ByteBuffer.allocate(2).order(order).putShort((short) v).array());
            return this;
        }

        Out raw(byte[] b) {
            bytes.writeBytes(b);
            return this;
        }

        Out pad(int n) {
            bytes.writeBytes(new byte[(4 - n % 4) % 4]);
            return this;
        }

        byte[] toBytes() {
            return bytes.toByteArray();
        }

        // classic pcap
        Out pcapHeader(int magic, int linkType) {
            return i32(magic).i16(2).i16(4).i32(0).i32(0).i32(262144).i32(linkType);
        }

        Out record(long sec, long frac, byte[] data, int wirelen) {
            return i32(sec).i32(frac).i32(data.length).i32(wirelen).raw(data);
        }

        // pcapng
        Out shb() {
            return i32(0x0A0D0D0A).i32(28).i32(0x1A2B3C4D).i16(1).i16(0).i32(-1).i32(-1).i32(28);
        }

        Out idb(int linkType, int tsresol) {
            if (tsresol < 0) {
                return i32(1).i32(20).i16(linkType).i16(0).i32(0).i32(20);
            }
            // if_tsresol option (1 byte, padded), opt_endofopt
            return i32(1).i32(32).i16(linkType).i16(0).i32(0).i16(9).i16(1).raw(new byte[] {(byte) tsresol, 0, 0, 0})
                    .i16(0).i16(0).i32(32);
        }

        Out epb(int iface, long ts, byte[] data, int wirelen) {
            int len = 32 + data.length + (4 - data.length % 4) % 4;
            return i32(6).i32(len).i32(iface).i32(ts >>> 32).i32(ts).i32(data.length).i32(wirelen).raw(data)
                    .pad(data.length).i32(len);
        }

        Out spb(byte[] data) {
            int len = 16 + data.length + (4 - data.length % 4) % 4;
            return i32(3).i32(len).i32(data.length).raw(data).pad(data.length).i32(len);
        }

        Out pb(int iface, long ts, byte[] data) {
            int len = 32 + data.length + (4 - data.length % 4) % 4;
            return i32(2).i32(len).i16(iface).i16(0).i32(ts >>> 32).i32(ts).i32(data.length).i32(data.length)
                    .raw(data).pad(data.length).i32(len);
        }

        Out block(int type, int bodyLen) {
            return i32(type).i32(12 + bodyLen).raw(new byte[bodyLen]).i32(12 + bodyLen);
        }
    }

    static byte[] packet(int n, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (n * 31 + i);
        }
        return b;
    }

    Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    static byte[] bytesOf(RawPacket r) {
        byte[] b = new byte[r.caplen];
        r.buf.get(r.offset, b);
        return b;
    }

    static List<RawPacket> readAll(PcapFileSource src) throws IOException {
        List<RawPacket> list = new ArrayList<>();
        RawPacket r = new RawPacket();
        while (src.next(r)) {
            RawPacket copy = new RawPacket();
            copy.buf = ByteBuffer.wrap(bytesOf(r));
            copy.offset = 0;
            copy.caplen = r.caplen;
            copy.wirelen = r.wirelen;
            copy.tsNanos = r.tsNanos;
            copy.linkType = r.linkType;
            copy.ifIndex = r.ifIndex;
            list.add(copy);
        }
        assertTrue(src.isFinished());
        assertFalse(src.next(r));
        return list;
    }

    @Test
    void classicPcapBothOrdersAndResolutions() throws IOException {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            for (boolean nanos : new boolean[] {false, true}) {
                Out o = new Out(order).pcapHeader(nanos ? 0xa1b23c4d : 0xa1b2c3d4, 113);
                for (int i = 0; i < 5; i++) {
                    o.record(1_700_000_000L + i, nanos ? 123_456_789 : 123_456, packet(i, 60 + i), 1500);
                }
                Path p = write("t-" + order + nanos + ".pcap", o.toBytes());
                try (PcapFileSource src = PcapFileSource.open(p)) {
                    List<RawPacket> all = readAll(src);
                    assertEquals(5, all.size());
                    for (int i = 0; i < 5; i++) {
                        RawPacket r = all.get(i);
                        assertArrayEquals(packet(i, 60 + i), bytesOf(r));
                        assertEquals(1500, r.wirelen);
                        assertEquals(113, r.linkType);
                        assertEquals(0, r.ifIndex);
                        assertEquals((1_700_000_000L + i) * 1_000_000_000L + (nanos ? 123_456_789 : 123_456_000),
                                r.tsNanos);
                    }
                    assertEquals(5, src.packets());
                }
            }
        }
    }

    /** Variants other tools write: editcap -F modpcap, EPB options, a caplen above the header's snaplen. */
    @Test
    void modifiedPcapEpbOptionsAndCaplenAboveSnaplen() throws IOException {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            // Kuznetzov "modified" pcap: 8 more bytes per record (ifindex, protocol, packet type, pad)
            Out o = new Out(order).pcapHeader(0xa1b2cd34, 1);
            for (int i = 0; i < 3; i++) {
                o.i32(1_700_000_000L + i).i32(250_000).i32(70 + i).i32(1000).i32(2).i16(0x0800).raw(new byte[] {0, 0})
                        .raw(packet(i, 70 + i));
            }
            try (PcapFileSource src = PcapFileSource.open(write("mod-" + order + ".pcap", o.toBytes()))) {
                List<RawPacket> all = readAll(src);
                assertEquals(3, all.size());
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(packet(i, 70 + i), bytesOf(all.get(i)));
                    assertEquals(1000, all.get(i).wirelen);
                    assertEquals((1_700_000_000L + i) * 1_000_000_000L + 250_000_000L, all.get(i).tsNanos);
                }
            }
        }
        // EPB carrying options after its data (opt_comment, epb_flags), then an unknown block type
        Out ng = new Out(ByteOrder.BIG_ENDIAN).shb().idb(1, -1);
        byte[] data = packet(7, 61);
        int optLen = 4 + 8 + 4 + 4 + 4; // comment "abcdefg" padded to 8, epb_flags, opt_endofopt
        int len = 32 + data.length + 3 + optLen;
        ng.i32(6).i32(len).i32(0).i32(0).i32(1_000_000).i32(data.length).i32(64).raw(data).pad(data.length)
                .i16(1).i16(7).raw("abcdefg".getBytes()).raw(new byte[1]).i16(2).i16(4).i32(1).i16(0).i16(0).i32(len);
        ng.block(0x12345678, 8).epb(0, 2_000_000, packet(8, 40), 40);
        try (PcapFileSource src = PcapFileSource.open(write("opts.pcapng", ng.toBytes()))) {
            List<RawPacket> all = readAll(src);
            assertEquals(2, all.size());
            assertArrayEquals(data, bytesOf(all.get(0)));
            assertEquals(64, all.get(0).wirelen);
            assertEquals(1_000_000_000L, all.get(0).tsNanos);
            assertArrayEquals(packet(8, 40), bytesOf(all.get(1)));
        }
        // the global header says snaplen 64 but a record holds 100 bytes: read as written (as Wireshark does)
        Out small = new Out(ByteOrder.LITTLE_ENDIAN).i32(0xa1b2c3d4).i16(2).i16(4).i32(0).i32(0).i32(64).i32(1)
                .record(1, 0, packet(1, 100), 100).record(2, 0, packet(2, 30), 30);
        try (PcapFileSource src = PcapFileSource.open(write("snap.pcap", small.toBytes()))) {
            List<RawPacket> all = readAll(src);
            assertEquals(2, all.size());
            assertArrayEquals(packet(1, 100), bytesOf(all.get(0)));
        }
    }

    @Test
    void packetBufferIsTheMappingItself() throws IOException {
        Path p = write("z.pcap", new Out(ByteOrder.LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 1)
                .record(1, 0, packet(1, 100), 100).record(2, 0, packet(2, 100), 100).toBytes());
        try (PcapFileSource src = PcapFileSource.open(p)) {
            RawPacket r = new RawPacket();
            assertTrue(src.next(r));
            assertTrue(r.buf.isDirect());
            assertTrue(r.buf.isReadOnly());
            assertEquals(24 + 16, r.offset);
            assertEquals(ByteOrder.BIG_ENDIAN, r.buf.order());
            ByteBuffer first = r.buf;
            assertTrue(src.next(r));
            assertTrue(first == r.buf, "same mapping, no copy");
            assertEquals(24 + 16 + 100 + 16, r.offset);
        }
    }

    @Test
    void smallWindowsRemapWithoutSplittingPackets() throws IOException {
        Out o = new Out(ByteOrder.BIG_ENDIAN).pcapHeader(0xa1b2c3d4, 1);
        for (int i = 0; i < 200; i++) {
            o.record(i, 0, packet(i, 40 + (i * 37) % 300), 2000);
        }
        Path p = write("w.pcap", o.toBytes());
        for (long window : new long[] {64, 100, 256, 1000, 4096}) {
            try (PcapFileSource src = PcapFileSource.open(p, window)) {
                List<RawPacket> all = readAll(src);
                assertEquals(200, all.size());
                for (int i = 0; i < 200; i++) {
                    assertArrayEquals(packet(i, 40 + (i * 37) % 300), bytesOf(all.get(i)), "window " + window);
                }
            }
        }
    }

    @Test
    void pcapngInterfacesResolutionsAndSkippedBlocks() throws IOException {
        Out o = new Out(ByteOrder.LITTLE_ENDIAN).shb()
                .idb(1, -1) // default microseconds
                .idb(101, 9) // nanoseconds
                .idb(113, 0x80 | 20) // 2^-20 s
                .block(4, 16) // name resolution block
                .epb(0, 1_700_000_000_123_456L, packet(0, 61), 61)
                .block(5, 20) // interface statistics
                .epb(1, 1_700_000_000_123_456_789L, packet(1, 62), 900)
                .block(0x00000BAD, 8) // custom block
                .epb(2, (1_700_000_000L << 20) | (1L << 19), packet(2, 63), 63)
                .spb(packet(3, 64))
                .pb(1, 5_000_000_000L, packet(4, 65))
                .block(0x0000000A, 4); // decryption secrets
        Path p = write("a.pcapng", o.toBytes());
        try (PcapFileSource src = PcapFileSource.open(p)) {
            List<RawPacket> all = readAll(src);
            assertEquals(5, all.size());
            assertEquals(1_700_000_000_123_456_000L, all.get(0).tsNanos);
            assertEquals(1, all.get(0).linkType);
            assertEquals(1_700_000_000_123_456_789L, all.get(1).tsNanos);
            assertEquals(101, all.get(1).linkType);
            assertEquals(1, all.get(1).ifIndex);
            assertEquals(900, all.get(1).wirelen);
            assertEquals(1_700_000_000_500_000_000L, all.get(2).tsNanos);
            assertEquals(113, all.get(2).linkType);
            assertEquals(2, all.get(2).ifIndex);
            // simple packet block: interface 0, no timestamp of its own (keeps the previous one)
            assertEquals(1, all.get(3).linkType);
            assertEquals(1_700_000_000_500_000_000L, all.get(3).tsNanos);
            assertArrayEquals(packet(3, 64), bytesOf(all.get(3)));
            assertEquals(101, all.get(4).linkType);
            assertEquals(5_000_000_000L, all.get(4).tsNanos);
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(packet(i, 61 + i), bytesOf(all.get(i)));
            }
        }
    }

    @Test
    void pcapngSectionsMaySwitchByteOrder() throws IOException {
        Out o = new Out(ByteOrder.BIG_ENDIAN).shb().idb(1, 6).epb(0, 1_000_000, packet(0, 70), 70);
        o.order = ByteOrder.LITTLE_ENDIAN;
        o.shb().idb(228, 3).epb(0, 2_000, packet(1, 71), 71);
        o.order = ByteOrder.BIG_ENDIAN;
        o.shb().idb(229, 9).idb(1, 9).epb(1, 3, packet(2, 72), 72);
        Path p = write("s.pcapng", o.toBytes());
        try (PcapFileSource src = PcapFileSource.open(p)) {
            List<RawPacket> all = readAll(src);
            assertEquals(3, all.size());
            assertEquals(1, all.get(0).linkType);
            assertEquals(1_000_000_000L, all.get(0).tsNanos);
            assertEquals(228, all.get(1).linkType);
            assertEquals(2_000_000_000L, all.get(1).tsNanos);
            assertEquals(1, all.get(2).linkType);
            assertEquals(1, all.get(2).ifIndex);
            assertEquals(3, all.get(2).tsNanos);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(packet(i, 70 + i), bytesOf(all.get(i)));
            }
        }
    }

    @Test
    void truncatedLastRecordKeepsEarlierPackets() throws IOException {
        byte[] full = new Out(ByteOrder.LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 1).record(1, 0, packet(0, 100), 100)
                .record(2, 0, packet(1, 1514), 1514).toBytes();
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 914);
        Path p = write("cut.pcap", cut);
        try (PcapFileSource src = PcapFileSource.open(p)) {
            RawPacket r = new RawPacket();
            assertTrue(src.next(r));
            assertArrayEquals(packet(0, 100), bytesOf(r));
            CaptureException e = assertThrows(CaptureException.class, () -> src.next(r));
            assertTrue(e.getMessage().contains("cut.pcap"), e.getMessage());
            assertTrue(e.getMessage().contains("truncated packet record at offset 140: header says 1514 bytes, 600"
                    + " remain"), e.getMessage());
            assertTrue(src.isFinished());
            assertArrayEquals(packet(0, 100), bytesOf(r), "earlier packet still readable");
        }
        // cut inside a record header
        Path h = write("cuth.pcap", java.util.Arrays.copyOf(full, 24 + 16 + 100 + 7));
        try (PcapFileSource src = PcapFileSource.open(h)) {
            RawPacket r = new RawPacket();
            assertTrue(src.next(r));
            CaptureException e = assertThrows(CaptureException.class, () -> src.next(r));
            assertTrue(e.getMessage().contains("truncated packet record header at offset 140"), e.getMessage());
        }
        // pcapng cut inside a block
        byte[] ng = new Out(ByteOrder.LITTLE_ENDIAN).shb().idb(1, -1).epb(0, 1, packet(0, 50), 50)
                .epb(0, 2, packet(1, 50), 50).toBytes();
        Path n = write("cut.pcapng", java.util.Arrays.copyOf(ng, ng.length - 10));
        try (PcapFileSource src = PcapFileSource.open(n)) {
            RawPacket r = new RawPacket();
            assertTrue(src.next(r));
            CaptureException e = assertThrows(CaptureException.class, () -> src.next(r));
            assertTrue(e.getMessage().contains("truncated pcapng block"), e.getMessage());
        }
    }

    @Test
    void garbageEmptyAndCorruptFiles() throws IOException {
        CaptureException e = assertThrows(CaptureException.class,
                () -> PcapFileSource.open(write("g.pcap", "GET / HTTP/1.1\r\n\r\n".getBytes())));
        assertTrue(e.getMessage().contains("not a pcap or pcapng file (magic 0x47455420)"), e.getMessage());
        e = assertThrows(CaptureException.class, () -> PcapFileSource.open(write("e.pcap", new byte[0])));
        assertTrue(e.getMessage().contains("not a pcap or pcapng file"), e.getMessage());
        e = assertThrows(CaptureException.class, () -> PcapFileSource.open(dir.resolve("missing.pcap")));
        assertTrue(e.getMessage().contains("missing.pcap"), e.getMessage());
        e = assertThrows(CaptureException.class, () -> PcapFileSource.open(write("h.pcap",
                java.util.Arrays.copyOf(new Out(ByteOrder.LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 1).toBytes(), 20))));
        assertTrue(e.getMessage().contains("truncated pcap file header"), e.getMessage());

        // caplen beyond the maximum: an error, not an allocation
        Out big = new Out(ByteOrder.LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 1).i32(1).i32(0).i32(0x7fff0000).i32(60)
                .raw(new byte[64]);
        try (PcapFileSource src = PcapFileSource.open(write("big.pcap", big.toBytes()))) {
            e = assertThrows(CaptureException.class, () -> src.next(new RawPacket()));
            assertTrue(e.getMessage().contains("exceeds the maximum 262144"), e.getMessage());
        }
        // EPB caplen larger than its block
        Out epb = new Out(ByteOrder.LITTLE_ENDIAN).shb().idb(1, -1).i32(6).i32(48).i32(0).i32(0).i32(0).i32(200)
                .i32(200).raw(new byte[16]).i32(48);
        try (PcapFileSource src = PcapFileSource.open(write("epb.pcapng", epb.toBytes()))) {
            e = assertThrows(CaptureException.class, () -> src.next(new RawPacket()));
            assertTrue(e.getMessage().contains("captured length 200 exceeds the block"), e.getMessage());
        }
        // packet of an interface that was never described
        Out noIf = new Out(ByteOrder.BIG_ENDIAN).shb().epb(0, 0, packet(0, 20), 20);
        try (PcapFileSource src = PcapFileSource.open(write("noif.pcapng", noIf.toBytes()))) {
            e = assertThrows(CaptureException.class, () -> src.next(new RawPacket()));
            assertTrue(e.getMessage().contains("interface 0 is not described"), e.getMessage());
        }
        // block length not a multiple of 4, and a wrong trailing length
        Out badLen = new Out(ByteOrder.LITTLE_ENDIAN).shb().i32(1).i32(21).raw(new byte[13]);
        try (PcapFileSource src = PcapFileSource.open(write("bl.pcapng", badLen.toBytes()))) {
            e = assertThrows(CaptureException.class, () -> src.next(new RawPacket()));
            assertTrue(e.getMessage().contains("at offset 28") && e.getMessage().contains("multiple of 4"),
                    e.getMessage());
        }
        byte[] trailer = new Out(ByteOrder.LITTLE_ENDIAN).shb().idb(1, -1).epb(0, 0, packet(0, 20), 20).toBytes();
        trailer[trailer.length - 4] = 99;
        try (PcapFileSource src = PcapFileSource.open(write("tr.pcapng", trailer))) {
            e = assertThrows(CaptureException.class, () -> src.next(new RawPacket()));
            assertTrue(e.getMessage().contains("trailing length"), e.getMessage());
        }
    }

    @Test
    void closeReleasesAndRefusesFurtherReads() throws IOException {
        Path p = write("c.pcap", new Out(ByteOrder.LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 1)
                .record(1, 0, packet(1, 100), 100).toBytes());
        PcapFileSource src = PcapFileSource.open(p);
        assertEquals(p.toString(), src.name());
        assertTrue(src.next(new RawPacket()));
        src.close();
        src.close(); // idempotent
        assertTrue(src.isFinished());
        assertFalse(src.next(new RawPacket()));
        Files.delete(p);
    }

    @Test
    void closeFromAnotherThreadDefersTheUnmapToTheReader() throws Exception {
        Out o = new Out(ByteOrder.LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 1);
        for (int i = 0; i < 10; i++) {
            o.record(i, 0, packet(i, 100), 100);
        }
        PcapFileSource src = PcapFileSource.open(write("t.pcap", o.toBytes()));
        RawPacket r = new RawPacket();
        assertTrue(src.next(r));
        Thread closer = new Thread(() -> {
            try {
                src.close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        closer.start();
        closer.join();
        // the reader's packet is still mapped until its next call, which then ends the source
        assertArrayEquals(packet(0, 100), bytesOf(r));
        assertFalse(src.next(r));
        assertTrue(src.isFinished());
    }
}
