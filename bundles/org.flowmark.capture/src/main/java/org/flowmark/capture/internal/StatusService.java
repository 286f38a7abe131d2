package org.flowmark.capture.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

import org.flowmark.api.actuator.Actuator;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.event.FlowEvents;
import org.flowmark.api.flow.CaptureStats;
import org.flowmark.capture.internal.dispatch.DetectorEntry;
import org.flowmark.capture.internal.dispatch.DetectorRegistry;
import org.flowmark.capture.internal.dispatch.Generation;
import org.flowmark.capture.internal.engine.CaptureEngine;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * The agent's status, as text: what {@code flowmark status} (over {@link StatusSocket}) and the Gogo commands
 * ({@link FlowmarkCommands}) print.
 *
 * <p>Sources of the figures:
 * <ul>
 * <li>Live interfaces: {@link LiveCapture} attaches each capture engine; packet, byte, flow and error counters are
 * plain fields written by the capture thread and read here without synchronisation, so a figure may lag the
 * capture thread by a few packets (never torn on the 64-bit JVMs Flowmark supports). Kernel drops are those of
 * the latest statistics period ({@code statsInterval}): libpcap's counters are only read by the capture thread.</li>
 * <li>Other sources (capture files) and ended interfaces: the latest {@code org/flowmark/capture/STATS} or
 * {@code SOURCE_END} event.</li>
 * <li>Detections per protocol and application: counted from {@code org/flowmark/flow/CLASSIFIED} events (those
 * the bounded event queue dropped are not counted; the per-source {@code events-dropped} figure says how many).</li>
 * <li>Detectors: the registry's current generation with each detector's calls, detections, faults, overruns.</li>
 * <li>Actuators: every {@link Actuator} service, its bundle and version; operation and error counters when the
 * service publishes them as service properties {@code flowmark.actuator.operations}/{@code .errors}, else its
 * {@link Actuator#counters()}; "no counters" when it has none.</li>
 * </ul>
 */
@Component(service = {StatusService.class, EventHandler.class}, immediate = true, property = {
        EventConstants.EVENT_TOPIC + "=" + FlowEvents.TOPIC_STATS,
        EventConstants.EVENT_TOPIC + "=" + FlowEvents.TOPIC_SOURCE_END,
        EventConstants.EVENT_TOPIC + "=" + FlowEvents.TOPIC_CLASSIFIED})
public final class StatusService implements EventHandler {

    /** A live engine attached by {@link LiveCapture}. */
    private record Live(String source, CaptureEngine engine) {
    }

    private final BundleContext context;
    private final DetectorRegistry registry;
    private final long startedMillis = System.currentTimeMillis();
    private final List<Live> live = new CopyOnWriteArrayList<>();
    private final Map<String, CaptureStats> lastStats = new ConcurrentHashMap<>();
    private final Map<String, Boolean> ended = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byProtocol = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byApplication = new ConcurrentHashMap<>();
    private final LongAdder classified = new LongAdder();

    @Activate
    public StatusService(BundleContext context, @Reference DetectorRegistry registry) {
        this.context = context;
        this.registry = registry;
    }

    /** Called by a live capture worker when its engine starts. */
    public void attach(String source, CaptureEngine engine) {
        live.add(new Live(source, engine));
        ended.remove(source);
    }

    /** Called when a live capture worker stopped. */
    public void detach(CaptureEngine engine) {
        live.removeIf(l -> l.engine == engine);
    }

    @Override
    public void handleEvent(Event event) {
        String topic = event.getTopic();
        if (FlowEvents.TOPIC_CLASSIFIED.equals(topic)) {
            classified.increment();
            count(byProtocol, event.getProperty(FlowEvents.PROP_PROTOCOL));
            count(byApplication, event.getProperty(FlowEvents.PROP_APPLICATION));
            return;
        }
        Object s = event.getProperty(FlowEvents.PROP_STATS);
        if (s instanceof CaptureStats cs) {
            lastStats.put(cs.source(), cs);
            if (FlowEvents.TOPIC_SOURCE_END.equals(topic)) {
                ended.put(cs.source(), Boolean.TRUE);
            }
        }
    }

    private static void count(Map<String, LongAdder> m, Object key) {
        if (key != null) {
            m.computeIfAbsent(key.toString(), k -> new LongAdder()).increment();
        }
    }

    /** Uptime of the capture core, seconds. */
    public long uptimeSeconds() {
        return (System.currentTimeMillis() - startedMillis) / 1000;
    }

    /** Every section: what {@code flowmark status} prints. */
    public String status() {
        StringBuilder sb = new StringBuilder();
        header(sb);
        stats(sb);
        detections(sb);
        detectors(sb);
        actuators(sb);
        return sb.toString();
    }

    /** Agent header: version, mode, uptime, threads, bundles, services, heap. */
    public void header(StringBuilder sb) {
        long up = uptimeSeconds();
        Bundle self = context.getBundle();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        sb.append("flowmark ").append(self.getVersion()).append("  mode ").append(context.getProperty("flowmark.mode"))
                .append("  uptime ").append(String.format(Locale.ROOT, "%d:%02d:%02d", up / 3600, up / 60 % 60, up % 60))
                .append(" (").append(up).append(" s)\n");
        sb.append("threads ").append(ManagementFactory.getThreadMXBean().getThreadCount())
                .append("  bundles ").append(context.getBundles().length)
                .append("  services ").append(serviceCount())
                .append("  heap-used ").append(heap.getUsed() >> 10).append(" KiB")
                .append("  heap-committed ").append(heap.getCommitted() >> 10).append(" KiB\n");
    }

    private int serviceCount() {
        try {
            ServiceReference<?>[] all = context.getAllServiceReferences(null, null);
            return all == null ? 0 : all.length;
        } catch (InvalidSyntaxException e) {
            return -1;
        }
    }

    /** One line per capture source: packets, bytes, drops, flows. */
    public void stats(StringBuilder sb) {
        Map<String, CaptureStats> rows = new TreeMap<>(lastStats);
        Map<String, String> state = new TreeMap<>();
        for (String k : rows.keySet()) {
            state.put(k, ended.containsKey(k) ? "ended" : "stats-event");
        }
        for (Live l : live) {
            CaptureStats s = l.engine.stats();
            CaptureStats last = lastStats.get(l.source);
            long kernel = last != null ? last.kernelDrops() : 0;
            rows.put(l.source, new CaptureStats(l.source, s.packets(), s.bytes(), kernel, s.agentDrops(),
                    s.decodeErrors(), s.fragments(), s.flowsActive(), s.flowsCreated(), s.flowsEvicted(),
                    s.eventsDropped(), s.elapsedNanos()));
            state.put(l.source, "live");
        }
        sb.append("interfaces ").append(rows.isEmpty() ? "(none)" : String.join(",", rows.keySet())).append('\n');
        for (CaptureStats s : rows.values()) {
            sb.append("source ").append(s.source()).append(" [").append(state.get(s.source())).append("]")
                    .append(" packets ").append(s.packets())
                    .append(" bytes ").append(s.bytes())
                    .append(" kernel-drops ").append(s.kernelDrops())
                    .append(" agent-drops ").append(s.agentDrops())
                    .append(" decode-errors ").append(s.decodeErrors())
                    .append(" flows-live ").append(s.flowsActive())
                    .append(" flows-created ").append(s.flowsCreated())
                    .append(" flows-evicted ").append(s.flowsEvicted())
                    .append(" events-dropped ").append(s.eventsDropped()).append('\n');
        }
    }

    /** Flows classified, per protocol and per application. */
    public void detections(StringBuilder sb) {
        sb.append("detections ").append(classified.sum()).append('\n');
        for (Map.Entry<String, Long> e : sorted(byProtocol).entrySet()) {
            sb.append("  protocol ").append(e.getKey()).append(' ').append(e.getValue()).append('\n');
        }
        for (Map.Entry<String, Long> e : sorted(byApplication).entrySet()) {
            sb.append("  application ").append(e.getKey()).append(' ').append(e.getValue()).append('\n');
        }
    }

    private static Map<String, Long> sorted(Map<String, LongAdder> m) {
        Map<String, Long> r = new TreeMap<>();
        m.forEach((k, v) -> r.put(k, v.sum()));
        return r;
    }

    /** The current detector generation and each detector's counters and bundle. */
    public void detectors(StringBuilder sb) {
        Generation g = registry.get();
        sb.append("detectors ").append(g.entries.length).append(" (generation ").append(g.number).append(")\n");
        for (DetectorEntry e : g.entries) {
            sb.append("  detector ").append(e.name).append(" bundle ").append(e.bundle.replace(' ', '/'))
                    .append(" max-call-us ").append(e.maxCallNanos / 1000)
                    .append(" detections ").append(e.detections.get())
                    .append(" faults ").append(e.faults.get())
                    .append(" overruns ").append(e.overruns.get())
                    .append(e.disabled ? " DISABLED" : "").append('\n');
        }
        List<String> bundles = bundlesOf(Detector.class.getName());
        sb.append("detector-bundles ").append(bundles.size()).append('\n');
        for (String b : bundles) {
            sb.append("  bundle ").append(b).append('\n');
        }
    }

    /** Actuator services with their bundles and, where published, their counters. */
    public void actuators(StringBuilder sb) {
        ServiceReference<?>[] refs = refs(Actuator.class.getName());
        sb.append("actuators ").append(refs.length).append('\n');
        for (ServiceReference<?> r : refs) {
            Bundle b = r.getBundle();
            sb.append("  actuator ").append(r.getProperty("flowmark.actuator.type"))
                    .append(" bundle ").append(b == null ? "?" : b.getSymbolicName() + "/" + b.getVersion());
            Object ops = r.getProperty("flowmark.actuator.operations");
            Object errs = r.getProperty("flowmark.actuator.errors");
            String counters = ops != null || errs != null ? "operations " + ops + " errors " + errs : counters(r);
            sb.append(' ').append(counters).append('\n');
        }
    }

    /** The actuator's {@link Actuator#counters()} (API 1.1), or "no counters". */
    private String counters(ServiceReference<?> r) {
        Object svc = null;
        try {
            svc = context.getService(r);
            if (!(svc instanceof Actuator)) {
                return "no counters";
            }
            Map<String, Long> c = ((Actuator) svc).counters();
            return c == null || c.isEmpty() ? "no counters" : "counters " + c;
        } catch (RuntimeException | LinkageError e) {
            // an actuator built against API 1.0 has no counters() (AbstractMethodError cannot happen: the method
            // has a default), and one that throws must not break the status report
            return "counters unavailable (" + e + ")";
        } finally {
            if (svc != null) {
                context.ungetService(r);
            }
        }
    }

    private ServiceReference<?>[] refs(String clazz) {
        try {
            ServiceReference<?>[] r = context.getAllServiceReferences(clazz, null);
            return r == null ? new ServiceReference<?>[0] : r;
        } catch (InvalidSyntaxException e) {
            return new ServiceReference<?>[0];
        }
    }

    /** {@code symbolic-name/version (state, N services)} of the bundles that register {@code clazz}. */
    private List<String> bundlesOf(String clazz) {
        Map<Long, Bundle> seen = new TreeMap<>();
        Map<Long, Integer> count = new TreeMap<>();
        for (ServiceReference<?> r : refs(clazz)) {
            Bundle b = r.getBundle();
            if (b != null) {
                seen.put(b.getBundleId(), b);
                count.merge(b.getBundleId(), 1, Integer::sum);
            }
        }
        List<String> out = new ArrayList<>();
        for (Bundle b : seen.values()) {
            Object loc = b.getLocation();
            out.add(b.getSymbolicName() + "/" + b.getVersion() + " id " + b.getBundleId() + " services "
                    + count.get(b.getBundleId()) + (String.valueOf(loc).contains("/deploy/") ? " deployed" : " built-in"));
        }
        return out;
    }

    /** Every registered service ({@code bundle objectClass}) and every live thread, for leak checks. */
    public void services(StringBuilder sb) {
        ServiceReference<?>[] all = refs(null);
        List<String> lines = new ArrayList<>();
        for (ServiceReference<?> r : all) {
            Bundle b = r.getBundle();
            String[] oc = (String[]) r.getProperty(Constants.OBJECTCLASS);
            lines.add((b == null ? "?" : b.getSymbolicName()) + " " + String.join(",", oc));
        }
        lines.sort(null);
        sb.append("services ").append(lines.size()).append('\n');
        for (String l : lines) {
            sb.append("  service ").append(l).append('\n');
        }
        List<String> threads = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            threads.add(t.getName() + (t.isDaemon() ? " (daemon)" : ""));
        }
        threads.sort(null);
        sb.append("threads ").append(threads.size()).append('\n');
        for (String t : threads) {
            sb.append("  thread ").append(t).append('\n');
        }
    }
}
