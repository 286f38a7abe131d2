package org.flowmark.policy.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Actuator;
import org.flowmark.api.actuator.ActuatorException;

/**
 * One actuator's bounded queue and thread: the engine offers actions (never blocking; a full queue drops and
 * counts); the thread takes what is queued, up to {@code maxBatch}, and calls {@link Actuator#apply} with it. A
 * failed batch is logged with the actuator type and the rules involved, and counted; the thread carries on.
 */
public final class ActuatorChannel implements Dispatch {
    private final String type;
    private final Actuator actuator;
    private final int maxBatch;
    private final ArrayBlockingQueue<Action> queue;
    private final EngineLog log;
    private final Thread thread;
    private volatile boolean running = true;

    final AtomicLong applied = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong batches = new AtomicLong();

    public ActuatorChannel(String type, Actuator actuator, int maxBatch, int queueSize, EngineLog log) {
        this.type = type;
        this.actuator = actuator;
        this.maxBatch = Math.max(1, maxBatch);
        this.queue = new ArrayBlockingQueue<>(Math.max(1, queueSize));
        this.log = log;
        this.thread = new Thread(this::run, "flowmark-actuator-" + type);
        this.thread.setDaemon(true);
    }

    public ActuatorChannel start() {
        thread.start();
        return this;
    }

    public String type() {
        return type;
    }

    public Actuator actuator() {
        return actuator;
    }

    @Override
    public boolean offer(Action action) {
        if (queue.offer(action)) {
            return true;
        }
        if (dropped.getAndIncrement() % 1000 == 0) {
            log.warn("policy: the queue of actuator '" + type + "' is full (" + queue.size()
                    + "); actions are dropped (" + (dropped.get()) + " so far)");
        }
        return false;
    }

    private void run() {
        List<Action> batch = new ArrayList<>(maxBatch);
        while (running || !queue.isEmpty()) {
            try {
                Action first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                applyBatch(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    /** Applies one batch now (the thread's work; tests call it directly). */
    void applyBatch(List<Action> batch) {
        batches.incrementAndGet();
        try {
            actuator.apply(List.copyOf(batch));
            applied.addAndGet(batch.size());
        } catch (ActuatorException e) {
            int n = e.failed() > 0 ? Math.min(e.failed(), batch.size()) : batch.size();
            failed.addAndGet(n);
            applied.addAndGet(batch.size() - n);
            log.error("policy: actuator '" + type + "' failed " + n + " of " + batch.size() + " actions (rules "
                    + rules(batch) + "): " + e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            failed.addAndGet(batch.size());
            log.error("policy: actuator '" + type + "' threw " + e + " on " + batch.size() + " actions (rules "
                    + rules(batch) + ")");
        }
    }

    private static String rules(List<Action> batch) {
        Set<String> names = new LinkedHashSet<>();
        for (Action a : batch) {
            names.add(a.rule());
        }
        return String.join(", ", names);
    }

    /** Stops the thread after the queued actions were applied (bounded wait). */
    public void close(long waitMs) {
        running = false;
        try {
            thread.join(waitMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String counters() {
        return type + ": applied " + applied.get() + ", failed " + failed.get() + ", dropped " + dropped.get()
                + ", batches " + batches.get() + ", queued " + queue.size();
    }
}
