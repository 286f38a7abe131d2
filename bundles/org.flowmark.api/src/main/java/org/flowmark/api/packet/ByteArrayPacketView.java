package org.flowmark.api.packet;

import java.nio.charset.StandardCharsets;

/**
 * A {@link PacketView} over a byte array: for detector unit tests, for reassembly buffers a detector owns, and
 * for any code that holds bytes on the heap. It can be re-pointed with {@link #wrap} so one instance serves
 * many buffers without allocation.
 */
public final class ByteArrayPacketView implements PacketView {
    private byte[] data;
    private int offset;
    private int length;

    public ByteArrayPacketView() {
        this(new byte[0]);
    }

    public ByteArrayPacketView(byte[] data) {
        wrap(data, 0, data.length);
    }

    public ByteArrayPacketView(byte[] data, int offset, int length) {
        wrap(data, offset, length);
    }

    /** Re-points this view at {@code data[offset, offset+length)}. */
    public ByteArrayPacketView wrap(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > data.length) {
            throw new IndexOutOfBoundsException("window " + offset + "+" + length + " outside " + data.length);
        }
        this.data = data;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** A view over the ISO-8859-1 bytes of {@code text}: handy in tests. */
    public static ByteArrayPacketView ofAscii(String text) {
        return new ByteArrayPacketView(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A view over hex digits (whitespace ignored): handy for hex vectors in tests. */
    public static ByteArrayPacketView ofHex(String hex) {
        String h = hex.replaceAll("\\s+", "");
        if ((h.length() & 1) != 0) {
            throw new IllegalArgumentException("odd number of hex digits");
        }
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return new ByteArrayPacketView(b);
    }

    private int at(int index, int size) {
        if (index < 0 || size > length - index) {
            throw new IndexOutOfBoundsException("read of " + size + " at " + index + " in a view of " + length);
        }
        return offset + index;
    }

    @Override public int length() { return length; }

    @Override public int u8(int index) { return data[at(index, 1)] & 0xff; }

    @Override public int u16(int index) {
        int i = at(index, 2);
        return ((data[i] & 0xff) << 8) | (data[i + 1] & 0xff);
    }

    @Override public int u16le(int index) {
        int i = at(index, 2);
        return ((data[i + 1] & 0xff) << 8) | (data[i] & 0xff);
    }

    @Override public int u24(int index) {
        int i = at(index, 3);
        return ((data[i] & 0xff) << 16) | ((data[i + 1] & 0xff) << 8) | (data[i + 2] & 0xff);
    }

    @Override public long u32(int index) { return i32(index) & 0xffffffffL; }

    @Override public long u32le(int index) {
        int i = at(index, 4);
        return ((data[i + 3] & 0xffL) << 24) | ((data[i + 2] & 0xff) << 16) | ((data[i + 1] & 0xff) << 8) | (data[i] & 0xff);
    }

    @Override public int i32(int index) {
        int i = at(index, 4);
        return ((data[i] & 0xff) << 24) | ((data[i + 1] & 0xff) << 16) | ((data[i + 2] & 0xff) << 8) | (data[i + 3] & 0xff);
    }

    @Override public long i64(int index) {
        return ((long) i32(index) << 32) | (i32(index + 4) & 0xffffffffL);
    }

    @Override public boolean startsWith(int index, byte[] pattern) {
        if (index < 0 || pattern.length > length - index) {
            return false;
        }
        int base = offset + index;
        for (int i = 0; i < pattern.length; i++) {
            if (data[base + i] != pattern[i]) {
                return false;
            }
        }
        return true;
    }

    @Override public boolean startsWithIgnoreCase(int index, byte[] lowerAscii) {
        if (index < 0 || lowerAscii.length > length - index) {
            return false;
        }
        int base = offset + index;
        for (int i = 0; i < lowerAscii.length; i++) {
            int c = data[base + i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lowerAscii[i]) {
                return false;
            }
        }
        return true;
    }

    @Override public int indexOf(int from, int to, int b) {
        int end = Math.min(to, length);
        for (int i = Math.max(from, 0); i < end; i++) {
            if ((data[offset + i] & 0xff) == (b & 0xff)) {
                return i;
            }
        }
        return -1;
    }

    @Override public int indexOf(int from, int to, byte[] pattern) {
        int end = Math.min(to, length) - pattern.length;
        for (int i = Math.max(from, 0); i <= end; i++) {
            if (startsWith(i, pattern)) {
                return i;
            }
        }
        return -1;
    }

    @Override public void copyTo(int index, byte[] dst, int dstOffset, int len) {
        System.arraycopy(data, at(index, len), dst, dstOffset, len);
    }

    @Override public String ascii(int index, int len) {
        return new String(data, at(index, len), len, StandardCharsets.ISO_8859_1);
    }
}
