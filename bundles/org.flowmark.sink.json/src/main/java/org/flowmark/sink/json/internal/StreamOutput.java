package org.flowmark.sink.json.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Set;

import org.flowmark.sink.json.internal.SinkRecord.Format;
import org.flowmark.sink.json.internal.SinkRecord.Kind;
import org.osgi.service.log.Logger;

/**
 * Output to a stream the agent does not own (standard output): lines are written in line-aligned batches and
 * flushed whenever the queue runs empty; the stream is flushed but never closed. A write error is logged once
 * and the records are counted as failed.
 */
final class StreamOutput extends QueuedOutput {

    private final OutputStream out;
    private final LineBatch batch = new LineBatch();
    private boolean headerDone;
    private boolean broken;

    StreamOutput(String name, OutputStream out, Format format, Set<Kind> include, int queueSize,
            boolean backpressure, Logger log) {
        super(name, format, include, queueSize, backpressure, log);
        this.out = out;
    }

    @Override
    protected void write(String line) {
        try {
            if (format == Format.TABLE && !headerDone) {
                headerDone = true;
                batch.append(TableFormat.HEADER, out);
            }
            batch.append(line, out);
            broken = false;
        } catch (IOException e) {
            failed(e);
        }
    }

    @Override
    protected void flush() {
        try {
            batch.flush(out);
        } catch (IOException e) {
            failed(e);
        }
    }

    private void failed(IOException e) {
        int lost = batch.discard();
        for (int i = 0; i < lost; i++) {
            countFailed();
        }
        if (!broken) {
            broken = true;
            log.error("JSON output {}: write failed: {}; records are lost until writing works again", name,
                    e.toString());
        }
    }

    @Override
    protected void releaseResources() {
        // not ours to close (System.out); flushed by the writer loop on exit
    }
}
