package org.flowmark.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The {@code System.out} of read and bench runs: passes records through and diverts to stderr the lines that
 * third-party bundles print to stdout as their fallback log (Felix EventAdmin prints
 * {@code "WARNING: EventAdmin: ..."} there when it logs without a log service), so stdout carries records only.
 * Works line by line: a line is held until its newline (or until {@link #close}), then written whole.
 */
final class StdoutGuard extends OutputStream {

    private static final byte[][] DIVERTED = {
        bytes("ERROR: "), bytes("WARNING: "), bytes("INFO: "), bytes("DEBUG: "),
    };

    private final OutputStream out;
    private final OutputStream err;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

    StdoutGuard(OutputStream out, OutputStream err) {
        this.out = out;
        this.err = err;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public synchronized void write(int b) throws IOException {
        line.write(b);
        if (b == '\n') {
            emit();
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        int start = off;
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (b[i] == '\n') {
                if (line.size() == 0 && !diverted(b, start, i + 1 - start)) {
                    out.write(b, start, i + 1 - start); // the common case: whole lines, no copy
                } else {
                    line.write(b, start, i + 1 - start);
                    emit();
                }
                start = i + 1;
            }
        }
        if (start < end) {
            line.write(b, start, end - start);
        }
    }

    private static boolean diverted(byte[] b, int off, int len) {
        for (byte[] prefix : DIVERTED) {
            if (len >= prefix.length) {
                boolean match = true;
                for (int k = 0; k < prefix.length && match; k++) {
                    match = b[off + k] == prefix[k];
                }
                if (match) {
                    return true;
                }
            }
        }
        return false;
    }

    private void emit() throws IOException {
        byte[] l = line.toByteArray();
        line.reset();
        if (diverted(l, 0, l.length)) {
            err.write(l);
            err.flush();
        } else {
            out.write(l);
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        if (line.size() > 0) {
            emit();
        }
        out.flush();
    }
}
