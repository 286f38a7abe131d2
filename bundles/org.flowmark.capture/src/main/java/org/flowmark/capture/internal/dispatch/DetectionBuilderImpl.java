package org.flowmark.capture.internal.dispatch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.flow.Detection;

/** The core's per-flow {@link DetectionBuilder}; allocates its maps only when a detector adds to them. */
public final class DetectionBuilderImpl implements DetectionBuilder {
    private String protocol;
    private String application;
    private String hostname;
    private String category;
    private Set<String> risks;
    private Map<String, Map<String, Object>> metadata;

    @Override public DetectionBuilder protocol(String name) { protocol = name; return this; }
    @Override public DetectionBuilder application(String name) { application = name; return this; }
    @Override public DetectionBuilder hostname(String host) { hostname = host; return this; }
    @Override public DetectionBuilder category(String c) { category = c; return this; }

    @Override public DetectionBuilder risk(String risk) {
        if (risks == null) {
            risks = new TreeSet<>();
        }
        risks.add(risk);
        return this;
    }

    @Override public DetectionBuilder put(String group, String key, Object value) {
        if (metadata == null) {
            metadata = new LinkedHashMap<>();
        }
        if (value != null) {
            metadata.computeIfAbsent(group, g -> new LinkedHashMap<>()).put(key, value);
        }
        return this;
    }

    @Override public String protocol() { return protocol; }
    @Override public String hostname() { return hostname; }
    @Override public String application() { return application; }
    @Override public String category() { return category; }

    @Override public Object get(String group, String key) {
        Map<String, Object> g = metadata == null ? null : metadata.get(group);
        return g == null ? null : g.get(key);
    }

    /** The immutable detection; {@code fallbackProtocol} when no protocol was set. */
    public Detection build(String fallbackProtocol, String detector) {
        return new Detection(protocol != null ? protocol : fallbackProtocol, application, hostname, category,
                risks != null ? risks : Set.of(), metadata != null ? metadata : Map.of(), detector);
    }
}
