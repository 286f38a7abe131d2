package org.flowmark.api.detector;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Collects a flow's detection while detectors run. One per flow, owned by the core. Setting a field that is
 * already set replaces it, except risks, which accumulate.
 */
@ProviderType
public interface DetectionBuilder {

    /** Protocol name, e.g. {@code "HTTP"}. */
    DetectionBuilder protocol(String name);

    /** Lowercase application tag, e.g. {@code "zoom"}. */
    DetectionBuilder application(String name);

    /** Server host name (HTTP Host, TLS SNI). */
    DetectionBuilder hostname(String host);

    /** Category, e.g. {@code "web"}. */
    DetectionBuilder category(String category);

    /** Adds a risk flag, e.g. {@code "http_suspicious_user_agent"}. */
    DetectionBuilder risk(String risk);

    /** Puts {@code key = value} into metadata group {@code group} (e.g. {@code "http"}, {@code "url"}). */
    DetectionBuilder put(String group, String key, Object value);

    /** The protocol set so far, or null. */
    String protocol();

    /** The host name set so far, or null. */
    String hostname();

    /** The application set so far, or null. */
    String application();

    /** The category set so far, or null. */
    String category();

    /** A metadata value put so far, or null. */
    Object get(String group, String key);
}
