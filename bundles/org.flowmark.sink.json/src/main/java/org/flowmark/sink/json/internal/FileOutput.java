package org.flowmark.sink.json.internal;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.flowmark.sink.json.internal.SinkRecord.Format;
import org.flowmark.sink.json.internal.SinkRecord.Kind;
import org.osgi.service.log.Logger;

/**
 * Appends lines to a file, flushed about once a second, on drain and on close. When the file cannot be opened or
 * written, the error is logged once with the path, records are counted as failed, and the output retries every
 * five seconds (the component stays alive). When the file disappears (removed or rotated away), it is
 * reopened at its path on the next tick.
 */
final class FileOutput extends QueuedOutput {

    private final Path path;
    private final LineBatch batch = new LineBatch();
    private volatile OutputStream out;
    private boolean failing;
    private boolean headerPending;
    private long nextRetry;

    FileOutput(String name, Path path, Format format, Set<Kind> include, int queueSize, boolean backpressure,
            Logger log) {
        super(name, format, include, queueSize, backpressure, log);
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** True while the file is open (for tests and diagnostics). */
    boolean isOpen() {
        return out != null;
    }

    @Override
    protected void opened() {
        tryOpen();
    }

    private void tryOpen() {
        try {
            out = new FileOutputStream(path.toFile(), true);
            headerPending = format == Format.TABLE && path.toFile().length() == 0;
            if (failing) {
                log.info("JSON output {}: file {} is open again", name, path);
            }
            failing = false;
        } catch (IOException | SecurityException e) {
            out = null;
            nextRetry = System.nanoTime() + retryNanos;
            if (!failing) {
                failing = true;
                log.error("JSON output {}: cannot open file {}: {}; records are lost until it can be opened "
                        + "(retrying every {} s)", name, path, e.toString(), TimeUnit.NANOSECONDS.toSeconds(retryNanos));
            }
        }
    }

    @Override
    protected void write(String line) {
        if (out == null && System.nanoTime() - nextRetry >= 0) {
            tryOpen();
        }
        if (out == null) {
            countFailed();
            return;
        }
        try {
            if (headerPending) {
                headerPending = false;
                batch.append(TableFormat.HEADER, out);
            }
            batch.append(line, out);
        } catch (IOException e) {
            writeFailed(e);
        }
    }

    @Override
    protected void flush() {
        if (out == null) {
            return;
        }
        try {
            batch.flush(out);
        } catch (IOException e) {
            writeFailed(e);
        }
    }

    @Override
    protected boolean flushWhenIdle() {
        return false;
    }

    @Override
    protected void tick() {
        if (out == null) {
            if (System.nanoTime() - nextRetry >= 0) {
                tryOpen();
            }
            return;
        }
        flush();
        if (out != null && !Files.exists(path)) {
            log.info("JSON output {}: file {} was removed or rotated, reopening", name, path);
            closeQuietly();
            tryOpen();
        }
    }

    private void writeFailed(IOException e) {
        int lost = batch.discard();
        for (int i = 0; i < lost; i++) {
            countFailed();
        }
        log.error("JSON output {}: write to {} failed: {}; {} records lost, reopening in {} s", name, path,
                e.toString(), lost, TimeUnit.NANOSECONDS.toSeconds(retryNanos));
        closeQuietly();
        failing = true;
        nextRetry = System.nanoTime() + retryNanos;
    }

    private void closeQuietly() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                log.warn("JSON output {}: closing {} failed: {}", name, path, e.toString());
            }
            out = null;
        }
    }

    @Override
    protected void releaseResources() {
        closeQuietly();
    }
}
