package org.flowmark.capture.internal.dispatch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.flowmark.api.packet.PacketView;

/**
 * The core's reusable {@link PacketView}: a window {@code [base, base+length)} over a (possibly memory-mapped)
 * ByteBuffer, read with absolute big-endian getters. Re-pointed for every packet with {@link #wrap}; never copied.
 */
public final class BufferPacketView implements PacketView {
    private ByteBuffer buf;
    private int base;
    private int length;

    /** Re-points the view; no allocation. */
    public BufferPacketView wrap(ByteBuffer buf, int base, int length) {
        this.buf = buf;
        this.base = base;
        this.length = length;
        return this;
    }

    private int at(int index, int size) {
        if (index < 0 || size > length - index) {
            throw new IndexOutOfBoundsException("read of " + size + " at " + index + " in a view of " + length);
        }
        return base + index;
    }

    @Override public int length() { return length; }

    @Override public int u8(int index) { return buf.get(at(index, 1)) & 0xff; }

    @Override public int u16(int index) { return buf.getShort(at(index, 2)) & 0xffff; }

    @Override public int u16le(int index) { return Short.reverseBytes(buf.getShort(at(index, 2))) & 0xffff; }

    @Override public int u24(int index) {
        int i = at(index, 3);
        return ((buf.get(i) & 0xff) << 16) | (buf.getShort(i + 1) & 0xffff);
    }

    @Override public long u32(int index) { return buf.getInt(at(index, 4)) & 0xffffffffL; }

    @Override public long u32le(int index) { return Integer.reverseBytes(buf.getInt(at(index, 4))) & 0xffffffffL; }

    @Override public int i32(int index) { return buf.getInt(at(index, 4)); }

    @Override public long i64(int index) { return buf.getLong(at(index, 8)); }

    @Override public boolean startsWith(int index, byte[] pattern) {
        if (index < 0 || pattern.length > length - index) {
            return false;
        }
        int p = base + index;
        for (int i = 0; i < pattern.length; i++) {
            if (buf.get(p + i) != pattern[i]) {
                return false;
            }
        }
        return true;
    }

    @Override public boolean startsWithIgnoreCase(int index, byte[] lowerAscii) {
        if (index < 0 || lowerAscii.length > length - index) {
            return false;
        }
        int p = base + index;
        for (int i = 0; i < lowerAscii.length; i++) {
            int c = buf.get(p + i);
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
        byte x = (byte) b;
        for (int i = Math.max(from, 0); i < end; i++) {
            if (buf.get(base + i) == x) {
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
        buf.get(at(index, len), dst, dstOffset, len);
    }

    @Override public String ascii(int index, int len) {
        byte[] b = new byte[len];
        copyTo(index, b, 0, len);
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
