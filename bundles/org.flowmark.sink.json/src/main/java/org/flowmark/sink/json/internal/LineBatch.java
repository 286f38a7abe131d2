package org.flowmark.sink.json.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Collects lines and writes them to a stream in batches that always end at a line end, so that several writers
 * sharing one stream (System.out, a file opened in append mode) never interleave inside a line.
 */
final class LineBatch {

    /** Batch size that triggers a write. */
    static final int LIMIT = 64 * 1024;

    private final StringBuilder buf = new StringBuilder(LIMIT + 1024);
    private int lines;

    /** Appends a line and its newline; writes the batch to {@code out} once it reaches {@link #LIMIT}. */
    void append(String line, OutputStream out) throws IOException {
        buf.append(line).append('\n');
        lines++;
        if (buf.length() >= LIMIT) {
            writeTo(out);
        }
    }

    /** Writes the pending lines (one write call) and flushes {@code out}. */
    void flush(OutputStream out) throws IOException {
        if (buf.length() > 0) {
            writeTo(out);
        }
        out.flush();
    }

    boolean isEmpty() {
        return buf.length() == 0;
    }

    /** Forgets pending lines (after a failed write); returns how many there were. */
    int discard() {
        int n = lines;
        buf.setLength(0);
        lines = 0;
        return n;
    }

    private void writeTo(OutputStream out) throws IOException {
        byte[] bytes = buf.toString().getBytes(StandardCharsets.UTF_8);
        out.write(bytes); // on failure the lines stay pending, for discard() to count
        buf.setLength(0);
        lines = 0;
    }
}
