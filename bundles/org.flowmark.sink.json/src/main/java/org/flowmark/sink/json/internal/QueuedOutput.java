package org.flowmark.sink.json.internal;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.flowmark.sink.json.internal.SinkRecord.Format;
import org.flowmark.sink.json.internal.SinkRecord.Kind;
import org.osgi.service.log.Logger;

/**
 * One output of the data stream: a bounded queue of lines filled by the event handler and emptied by one writer
 * thread named {@code flowmark-json-<name>}.
 *
 * <p>When the queue is full, a live agent drops the line and counts it (the handler never waits); in
 * <em>backpressure</em> mode ({@code flowmark read}/{@code demo}) the handler waits for room instead, so nothing is
 * lost. Drops are logged once per burst: when dropping starts and when the queue has room again.
 *
 * <p>{@link #drain(long)} returns once every line offered before it is written and flushed (bounded by a deadline);
 * {@link #close(long)} writes what is queued, stops the thread and releases the resources, also bounded.
 */
abstract class QueuedOutput {

    /** Period of {@link #tick()}: periodic flush, reopen attempts. */
    static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final Object STOP = new Object();

    private static final class Marker {
        final CountDownLatch done = new CountDownLatch(1);
    }

    final String name;
    final Format format;
    protected final Logger log;
    private final Set<Kind> include;
    private final boolean backpressure;
    private final ArrayBlockingQueue<Object> queue;
    private final Thread thread;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final AtomicBoolean dropping = new AtomicBoolean();
    private volatile boolean closed;
    /** Wait between attempts to open a file or bind a socket that failed. */
    protected volatile long retryNanos = TimeUnit.SECONDS.toNanos(5);
    /** Deadline of the running {@link #close(long)}, for subclasses releasing resources. */
    protected volatile long closeDeadlineNanos;

    QueuedOutput(String name, Format format, Set<Kind> include, int queueSize, boolean backpressure, Logger log) {
        if (queueSize < 1) {
            throw new IllegalArgumentException("JSON output " + name + ": queue_size must be at least 1, got "
                    + queueSize);
        }
        this.name = name;
        this.format = format;
        this.include = include.isEmpty() ? EnumSet.noneOf(Kind.class) : EnumSet.copyOf(include);
        this.backpressure = backpressure;
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.log = log;
        this.thread = new Thread(this::run, threadName(""));
        this.thread.setDaemon(true);
    }

    /** Thread name of this output, with an optional suffix ({@code -accept}, {@code -client-1}). */
    final String threadName(String suffix) {
        return "flowmark-json-" + name + suffix;
    }

    /** Starts the writer thread; call once, after construction. */
    final QueuedOutput start() {
        thread.start();
        return this;
    }

    /** Changes the retry period of failed opens/binds (tests); call before {@link #start()}. */
    final QueuedOutput retryEvery(long nanos) {
        this.retryNanos = nanos;
        return this;
    }

    /** True when this output takes records of this kind. */
    final boolean includes(Kind kind) {
        return include.contains(kind);
    }

    /** Offers the record's line in this output's format, if it is included and has one. */
    final void accept(SinkRecord r) {
        if (!include.contains(r.kind())) {
            return;
        }
        String line = r.line(format);
        if (line != null) {
            offer(line);
        }
    }

    /** Queues one line (without newline): waits for room in backpressure mode, else drops and counts when full. */
    final void offer(String line) {
        if (closed) {
            dropped.increment();
            return;
        }
        if (!backpressure) {
            if (queue.offer(line)) {
                roomAgain();
            } else {
                dropOne();
            }
            return;
        }
        try {
            while (!queue.offer(line, 100, TimeUnit.MILLISECONDS)) {
                if (closed || !thread.isAlive()) {
                    dropOne();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dropOne();
        }
    }

    private void dropOne() {
        dropped.increment();
        if (!dropping.get() && dropping.compareAndSet(false, true)) {
            log.warn("JSON output {}: queue full ({} records), dropping records", name, queue.remainingCapacity()
                    + queue.size());
        }
    }

    private void roomAgain() {
        if (dropping.get() && dropping.compareAndSet(true, false)) {
            log.info("JSON output {}: queue has room again, {} records dropped so far", name, dropped.sum());
        }
    }

    /** Records dropped because the queue was full (or the output closed). */
    final long dropped() {
        return dropped.sum();
    }

    /** Records taken from the queue that could not be written (file not open, write error). */
    final long failed() {
        return failed.sum();
    }

    /** For subclasses: one record could not be written. */
    protected final void countFailed() {
        failed.increment();
    }

    /** Lines waiting in the queue. */
    final int queued() {
        return queue.size();
    }

    final boolean isAlive() {
        return thread.isAlive();
    }

    /**
     * Waits until every line offered before this call is written and flushed, or {@code deadlineNanos}
     * ({@link System#nanoTime()}) passes.
     *
     * @return true when drained in time
     */
    final boolean drain(long deadlineNanos) {
        if (!thread.isAlive()) {
            return queue.isEmpty();
        }
        Marker m = new Marker();
        try {
            if (!queue.offer(m, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return false;
            }
            if (!m.done.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return false;
            }
            return awaitDelivered(deadlineNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Writes what is queued (bounded by {@code timeoutMillis}), stops the writer thread and releases resources.
     * Lines offered after this call are dropped. Idempotent.
     */
    final void close(long timeoutMillis) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        closeDeadlineNanos = deadline;
        try {
            if (thread.isAlive()) {
                if (!queue.offer(STOP, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    int lost = queue.size();
                    queue.clear();
                    failed.add(lost);
                    queue.offer(STOP);
                }
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                if (thread.isAlive()) {
                    log.warn("JSON output {}: writer did not finish within {} ms, aborting ({} records lost)", name,
                            timeoutMillis, queue.size());
                    thread.interrupt();
                    abortIo();
                    thread.join(1000);
                }
            } else {
                releaseResources();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.error("JSON output {}: writer thread {} is stuck in I/O and did not stop", name, thread.getName());
        }
        long d = dropped.sum();
        long f = failed.sum();
        if (d > 0 || f > 0) {
            log.info("JSON output {}: closed; {} records dropped (queue full), {} not written (errors)", name, d, f);
        }
    }

    private void run() {
        try {
            opened();
        } catch (RuntimeException e) {
            log.error("JSON output {}: start failed: {}", name, e.toString(), e);
        }
        long nextTick = System.nanoTime() + TICK_NANOS;
        try {
            while (true) {
                long wait = nextTick - System.nanoTime();
                Object o = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                try {
                    if (System.nanoTime() - nextTick >= 0) {
                        nextTick = System.nanoTime() + TICK_NANOS;
                        tick();
                    }
                    if (o == null) {
                        continue;
                    }
                    if (o == STOP) {
                        break;
                    }
                    if (o instanceof Marker m) {
                        flush();
                        m.done.countDown();
                        continue;
                    }
                    write((String) o);
                    if (flushWhenIdle() && queue.isEmpty()) {
                        flush();
                    }
                } catch (RuntimeException e) {
                    // never let one bad record or a bug in a writer kill the output
                    log.error("JSON output {}: unexpected error: {}", name, e.toString(), e);
                }
            }
        } catch (InterruptedException e) {
            // aborted by close()
        } finally {
            try {
                flush();
            } catch (RuntimeException e) {
                log.error("JSON output {}: final flush failed: {}", name, e.toString());
            }
            releaseResources();
        }
    }

    /** Called on the writer thread when it starts (open the file, start listening). */
    protected void opened() {
    }

    /** Writes one line (without newline); handles its own I/O errors. Writer thread only. */
    protected abstract void write(String line);

    /** Pushes buffered lines to the destination; handles its own I/O errors. Writer thread only. */
    protected abstract void flush();

    /** About once a second on the writer thread; defaults to {@link #flush()}. */
    protected void tick() {
        flush();
    }

    /** True to flush each time the queue becomes empty (interactive outputs); else flush on tick and drain. */
    protected boolean flushWhenIdle() {
        return true;
    }

    /** After a drain marker was flushed: waits for downstream buffers (socket clients). Default: nothing. */
    protected boolean awaitDelivered(long deadlineNanos) {
        return true;
    }

    /** Releases all resources; called once, on the writer thread when it ends (or by close if it never ran). */
    protected abstract void releaseResources();

    /** Called from close() when the writer is stuck: unblock its I/O (close channels). Default: nothing. */
    protected void abortIo() {
    }
}
