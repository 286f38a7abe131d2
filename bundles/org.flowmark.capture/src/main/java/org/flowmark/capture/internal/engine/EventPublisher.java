package org.flowmark.capture.internal.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.flowmark.api.event.FlowEvents;
import org.flowmark.api.flow.CaptureStats;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;
import org.flowmark.api.flow.PurgeReason;
import org.flowmark.capture.internal.decode.DecodedPacket;
import org.flowmark.capture.internal.flow.Flow;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/**
 * Turns flow events into EventAdmin events. Control plane only: one event per flow classification and purge,
 * never per packet. Two modes:
 * <ul>
 * <li>synchronous ({@code sendEvent} on the capture thread): for capture files, where nothing may be lost and
 * the file reader can simply wait;</li>
 * <li>asynchronous: the capture thread snapshots the flow into a {@link FlowRecord} and offers it to a bounded
 * queue; a publisher thread posts it. When the queue is full the event is dropped and counted: a slow consumer
 * never stalls the capture.</li>
 * </ul>
 */
public final class EventPublisher implements FlowEventSink, AutoCloseable {
    private final EventAdmin eventAdmin;
    private final boolean synchronous;
    private final ArrayBlockingQueue<Event> queue;
    private final Thread thread;
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean running = true;

    public EventPublisher(EventAdmin eventAdmin, boolean synchronous, int queueSize, String name) {
        this.eventAdmin = eventAdmin;
        this.synchronous = synchronous;
        if (synchronous) {
            queue = null;
            thread = null;
        } else {
            queue = new ArrayBlockingQueue<>(queueSize);
            thread = new Thread(this::run, "flowmark-events-" + name);
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Events dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void classified(Flow flow) {
        publish(event(FlowEvents.TOPIC_CLASSIFIED, record(flow, null)));
    }

    @Override
    public void purged(Flow flow, PurgeReason reason) {
        publish(event(FlowEvents.TOPIC_PURGED, record(flow, reason)));
    }

    /** Publishes capture statistics (periodic, or at the end of a source with {@code end}). */
    public void stats(CaptureStats stats, boolean end, String error) {
        Map<String, Object> p = new HashMap<>();
        p.put(FlowEvents.PROP_STATS, stats);
        p.put(FlowEvents.PROP_SOURCE, stats.source());
        if (end) {
            p.put(FlowEvents.PROP_FAILED, error != null);
            if (error != null) {
                p.put(FlowEvents.PROP_ERROR, error);
            }
        }
        publish(new Event(end ? FlowEvents.TOPIC_SOURCE_END : FlowEvents.TOPIC_STATS, p));
    }

    /**
     * Synchronously asks every handler to flush what it queued (sinks write out everything), after the queued
     * events of this publisher were posted.
     */
    public void drain() {
        if (!synchronous) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!queue.isEmpty() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        eventAdmin.sendEvent(new Event(FlowEvents.TOPIC_DRAIN, Map.of()));
    }

    private void publish(Event e) {
        if (synchronous) {
            eventAdmin.sendEvent(e);
        } else if (!queue.offer(e)) {
            dropped.incrementAndGet();
        }
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            try {
                Event e = queue.poll(200, TimeUnit.MILLISECONDS);
                if (e != null) {
                    eventAdmin.postEvent(e);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException re) {
                // EventAdmin gone while stopping: nothing more to deliver to
                if (!running) {
                    break;
                }
            }
        }
    }

    static Event event(String topic, FlowRecord r) {
        Map<String, Object> p = new HashMap<>();
        p.put(FlowEvents.PROP_FLOW, r);
        p.put(FlowEvents.PROP_SOURCE, r.source());
        p.put(FlowEvents.PROP_PROTOCOL, r.detection().protocol());
        if (r.detection().application() != null) {
            p.put(FlowEvents.PROP_APPLICATION, r.detection().application());
        }
        if (r.detection().hostname() != null) {
            p.put(FlowEvents.PROP_HOSTNAME, r.detection().hostname());
        }
        if (r.purgeReason() != null) {
            p.put(FlowEvents.PROP_REASON, r.purgeReason().label());
        }
        return new Event(topic, p);
    }

    /** Snapshot of a flow. */
    public static FlowRecord record(Flow f, PurgeReason reason) {
        Detection det = f.detection != null ? f.detection : Detection.NONE;
        return new FlowRecord(f.id(), f.source, f.ipVersion(), f.ipProtocol(), f.vlanId(),
                DecodedPacket.TUNNEL_NAMES[f.tunnel], f.localIp(), f.localPort(), f.localMac(), f.otherIp(),
                f.otherPort(), f.otherMac(), f.localIsInitiator(), f.localPackets(), f.localBytes(), f.otherPackets(),
                f.otherBytes(), f.firstSeenNanos(), f.lastSeenNanos(), f.dpiPackets(), det, reason);
    }

    /** Stops the publisher thread after posting what is queued (bounded wait). */
    @Override
    public void close() {
        running = false; // the publisher polls with a timeout: no interrupt, which EventAdmin would report
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
