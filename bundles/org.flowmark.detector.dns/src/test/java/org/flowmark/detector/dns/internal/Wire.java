package org.flowmark.detector.dns.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes DNS messages for tests (RFC 1035 wire format), with optional compression pointers. */
final class Wire {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static Wire header(int id, int flags, int qd, int an, int ns, int ar) {
        return new Wire().u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
    }

    Wire u8(int v) {
        out.write(v);
        return this;
    }

    Wire u16(int v) {
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    Wire u32(long v) {
        return u16((int) (v >>> 16)).u16((int) v);
    }

    Wire bytes(int... bs) {
        for (int b : bs) {
            out.write(b);
        }
        return this;
    }

    /** Writes a name uncompressed, ending with the root label. */
    Wire name(String dotted) {
        labels(dotted);
        return u8(0);
    }

    /** Writes labels without the root (to be followed by a pointer or u8(0)). */
    Wire labels(String dotted) {
        if (!dotted.isEmpty()) {
            for (String l : dotted.split("\\.")) {
                byte[] b = l.getBytes(StandardCharsets.ISO_8859_1);
                out.write(b.length);
                out.write(b, 0, b.length);
            }
        }
        return this;
    }

    Wire pointer(int offset) {
        return u16(0xc000 | offset);
    }

    Wire question(String name, int type, int cls) {
        return name(name).u16(type).u16(cls);
    }

    /** Fixed part of a record after its owner name. */
    Wire rr(int type, int cls, long ttl, int rdlen) {
        return u16(type).u16(cls).u32(ttl).u16(rdlen);
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** The message with a 2-byte TCP length prefix. */
    byte[] tcp() {
        byte[] m = out.toByteArray();
        byte[] r = new byte[m.length + 2];
        r[0] = (byte) (m.length >>> 8);
        r[1] = (byte) m.length;
        System.arraycopy(m, 0, r, 2, m.length);
        return r;
    }
}
