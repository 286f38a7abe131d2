package org.flowmark.capture.internal.dispatch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.flowmark.api.classify.ApplicationResolver;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorProperties;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Tracks {@link Detector} services (whiteboard, dynamic) and publishes an immutable {@link Generation} behind one
 * volatile field; capture threads read it when a flow starts. Adding or removing a detector builds a new
 * generation; entries are reused so counters and fault state stay with the service.
 */
@Component(service = DetectorRegistry.class, immediate = true)
public final class DetectorRegistry implements Supplier<Generation> {
    private static final String P = "flowmark.detector.";

    private final Map<Long, DetectorEntry> byId = new LinkedHashMap<>();
    private volatile Generation current = Generation.EMPTY;
    private long generationNumber;

    @Reference(service = LoggerFactory.class)
    private Logger log;

    private final java.util.TreeMap<org.osgi.framework.ServiceReference<?>, ApplicationResolver> resolverMap =
            new java.util.TreeMap<>(java.util.Collections.reverseOrder());
    private volatile ApplicationResolver[] resolvers = new ApplicationResolver[0];
    /** Exceptions thrown by resolvers. */
    public final java.util.concurrent.atomic.AtomicLong resolverFaults = new java.util.concurrent.atomic.AtomicLong();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void addResolver(org.osgi.framework.ServiceReference<ApplicationResolver> ref, ApplicationResolver r) {
        resolverMap.put(ref, r);
        resolvers = resolverMap.values().toArray(new ApplicationResolver[0]);
    }

    synchronized void removeResolver(org.osgi.framework.ServiceReference<ApplicationResolver> ref, ApplicationResolver r) {
        resolverMap.remove(ref);
        resolvers = resolverMap.values().toArray(new ApplicationResolver[0]);
    }

    /** Application resolvers, highest service ranking first (an immutable array; read per classified flow). */
    public ApplicationResolver[] resolvers() {
        return resolvers;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void addDetector(Detector detector, Map<String, Object> props) {
        long id = (Long) props.get(Constants.SERVICE_ID);
        DetectorEntry e = entry(detector, props);
        byId.put(id, e);
        rebuild();
        if (log != null) {
            log.info("detector {} from {} active (generation {})", e.name, e.bundle, current.number);
        }
    }

    synchronized void removeDetector(Detector detector, Map<String, Object> props) {
        long id = (Long) props.get(Constants.SERVICE_ID);
        DetectorEntry e = byId.remove(id);
        if (e != null) {
            e.active = false;
            rebuild();
            if (log != null) {
                log.info("detector {} from {} removed (generation {})", e.name, e.bundle, current.number);
            }
        }
    }

    synchronized void updatedDetector(Detector detector, Map<String, Object> props) {
        removeDetector(detector, props);
        addDetector(detector, props);
    }

    /** Builds an entry from a detector's service properties (see {@link DetectorProperties}). */
    public static DetectorEntry entry(Detector detector, Map<String, Object> props) {
        Object n = props.get(P + "name");
        String name = n != null ? n.toString() : detector.getClass().getSimpleName().toLowerCase();
        int transports = 0;
        for (String t : strings(props.get(P + "transport"), new String[] {"tcp", "udp"})) {
            switch (t.trim().toLowerCase()) {
                case "tcp": transports |= DetectorEntry.T_TCP; break;
                case "udp": transports |= DetectorEntry.T_UDP; break;
                case "sctp": transports |= DetectorEntry.T_SCTP; break;
                case "other": transports |= DetectorEntry.T_OTHER; break;
                default: break;
            }
        }
        int[] ports = ints(props.get(P + "ports"));
        int priority = firstInt(props.get(P + "priority"), 100);
        int extra = firstInt(props.get(P + "extraPackets"), 0);
        Object bsn = props.get("component.name");
        String bundle = detector.getClass().getName();
        try {
            org.osgi.framework.Bundle b = org.osgi.framework.FrameworkUtil.getBundle(detector.getClass());
            if (b != null) {
                bundle = b.getSymbolicName() + " " + b.getVersion();
            }
        } catch (RuntimeException ignored) {
            // outside a framework (unit tests)
        }
        if (bsn != null && bundle.equals(detector.getClass().getName())) {
            bundle = bsn.toString();
        }
        Object sid = props.get(Constants.SERVICE_ID);
        return new DetectorEntry(detector, name, bundle, transports, ports, priority, extra,
                sid instanceof Long ? (Long) sid : 0L);
    }

    private static String[] strings(Object v, String[] dflt) {
        if (v instanceof String[]) {
            return (String[]) v;
        }
        if (v instanceof String) {
            return ((String) v).split(",");
        }
        if (v instanceof Iterable) {
            List<String> l = new ArrayList<>();
            ((Iterable<?>) v).forEach(x -> l.add(String.valueOf(x)));
            return l.toArray(new String[0]);
        }
        return dflt;
    }

    private static int firstInt(Object v, int dflt) {
        int[] a = ints(v);
        return a.length > 0 ? a[0] : dflt;
    }

    private static int[] ints(Object v) {
        if (v instanceof int[]) {
            return (int[]) v;
        }
        if (v instanceof Integer[]) {
            Integer[] a = (Integer[]) v;
            int[] r = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                r[i] = a[i];
            }
            return r;
        }
        if (v instanceof Number) {
            return new int[] {((Number) v).intValue()};
        }
        if (v instanceof String) {
            String s = ((String) v).trim();
            if (s.isEmpty()) {
                return new int[0];
            }
            String[] parts = s.split(",");
            int[] r = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                r[i] = Integer.parseInt(parts[i].trim());
            }
            return r;
        }
        return new int[0];
    }

    private void rebuild() {
        List<DetectorEntry> list = new ArrayList<>(byId.values());
        list.sort(Comparator.comparingInt((DetectorEntry e) -> e.priority).thenComparing(e -> e.name)
                .thenComparingLong(e -> e.serviceId));
        if (list.size() > Generation.MAX_DETECTORS) {
            if (log != null) {
                log.error("more than {} detectors registered; ignoring {}", Generation.MAX_DETECTORS,
                        list.subList(Generation.MAX_DETECTORS, list.size()));
            }
            list = list.subList(0, Generation.MAX_DETECTORS);
        }
        current = new Generation(++generationNumber, list.toArray(new DetectorEntry[0]));
    }

    /** The current generation (read once per new flow). */
    @Override
    public Generation get() {
        return current;
    }
}
