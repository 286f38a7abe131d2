package org.flowmark.api.flow;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The outcome of detection for one flow: protocol, application, server host name, category, risk flags and
 * per-protocol metadata groups (e.g. {@code "http" -> {"method": "GET", "url": "/"}}). Immutable.
 *
 * <p>Names follow netifyd's data stream: {@code protocol} is a protocol name such as {@code "HTTP"} or
 * {@code "TLS"}; {@code application} a lowercase application tag such as {@code "zoom"}, null when unknown.
 */
public final class Detection {

    /** Protocol name used when the packet budget ran out without a verdict. */
    public static final String UNKNOWN = "Unknown";

    /** The detection of a flow no detector recognised. */
    public static final Detection NONE = new Detection(UNKNOWN, null, null, null, Set.of(), Map.of(), null);

    private final String protocol;
    private final String application;
    private final String hostname;
    private final String category;
    private final Set<String> risks;
    private final Map<String, Map<String, Object>> metadata;
    private final String detector;

    public Detection(String protocol, String application, String hostname, String category, Set<String> risks,
            Map<String, Map<String, Object>> metadata, String detector) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.application = application;
        this.hostname = hostname;
        this.category = category;
        this.risks = Collections.unmodifiableSet(new TreeSet<>(risks));
        Map<String, Map<String, Object>> m = new LinkedHashMap<>();
        metadata.forEach((k, v) -> m.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        this.metadata = Collections.unmodifiableMap(m);
        this.detector = detector;
    }

    /** Protocol name, {@link #UNKNOWN} when undetected. */
    public String protocol() { return protocol; }

    /** Lowercase application tag, or null. */
    public String application() { return application; }

    /** Server host name (HTTP Host, TLS SNI, DNS hint), or null. */
    public String hostname() { return hostname; }

    /** Category name, or null. */
    public String category() { return category; }

    /** Risk flags, sorted. */
    public Set<String> risks() { return risks; }

    /** Per-protocol metadata groups, in insertion order. */
    public Map<String, Map<String, Object>> metadata() { return metadata; }

    /** Name of the detector that decided, or null. */
    public String detector() { return detector; }

    /** True when some detector recognised the flow. */
    public boolean isKnown() { return !UNKNOWN.equals(protocol); }

    @Override
    public String toString() {
        return protocol + (application != null ? "." + application : "") + (hostname != null ? " " + hostname : "");
    }
}
