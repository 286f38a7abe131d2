package org.flowmark.capture.internal.dispatch;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import org.flowmark.api.detector.Budgets;
import org.flowmark.api.detector.Detector;

/**
 * One registered detector and its properties, shared by every generation it belongs to (so its counters and
 * fault state survive hot deployment of other detectors).
 */
public final class DetectorEntry {
    public static final int T_TCP = 1;
    public static final int T_UDP = 2;
    public static final int T_SCTP = 4;
    public static final int T_OTHER = 8;

    public final Detector detector;
    public final String name;
    public final String bundle;
    public final int transports;
    /** Sorted hint ports. */
    public final int[] ports;
    public final int priority;
    public final int extraPackets;
    public final long serviceId;

    /** False once the service is gone: flows still holding an old generation skip it. */
    public volatile boolean active = true;
    /** True after too many faults; skipped until redeployed. */
    public volatile boolean disabled;
    public final AtomicLong faults = new AtomicLong();
    public final AtomicLong detections = new AtomicLong();
    public final AtomicLong calls = new AtomicLong();
    /** Timed calls (one in {@link Dispatcher#TIMING_SAMPLE}) that ran past the per-call budget. */
    public final AtomicLong overruns = new AtomicLong();
    /** Longest timed call, nanoseconds. */
    public volatile long maxCallNanos;
    /** Overruns seen so far that were forgiven as warm-up (capture threads only; a racy count is harmless). */
    public int timedOverBudgetWarmup;

    public DetectorEntry(Detector detector, String name, String bundle, int transports, int[] ports, int priority,
            int extraPackets, long serviceId) {
        this.detector = detector;
        this.name = name;
        this.bundle = bundle;
        this.transports = transports;
        this.ports = ports.clone();
        Arrays.sort(this.ports);
        this.priority = priority;
        this.extraPackets = Math.max(0, Math.min(extraPackets, Budgets.MAX_EXTRA_PACKETS));
        this.serviceId = serviceId;
    }

    /** True when {@code port} is one of this detector's hint ports. */
    public boolean hinted(int port) {
        return ports.length != 0 && Arrays.binarySearch(ports, port) >= 0;
    }

    /** Transport bit of an IP protocol number. */
    public static int transportOf(int ipProtocol) {
        switch (ipProtocol) {
            case 6: return T_TCP;
            case 17: return T_UDP;
            case 132: return T_SCTP;
            default: return T_OTHER;
        }
    }

    @Override
    public String toString() {
        return name + " (" + bundle + ")";
    }
}
