package org.flowmark.capture.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo shell commands ({@code flowmark:status}, {@code flowmark:stats}, {@code flowmark:flows},
 * {@code flowmark:detectors}, {@code flowmark:services}): the same text as {@code flowmark status}. Gogo finds
 * them by the {@code osgi.command.*} service properties of a service registered as {@code java.lang.Object} (its
 * own class, in an internal package, is not visible to Gogo's service tracker). Nothing here depends on Gogo, so the
 * core resolves without it; {@link StatusSocket} uses an instance of its own.
 */
@Component(service = Object.class, property = { // Object: Gogo cannot see this internal package's class
        "osgi.command.scope=flowmark",
        "osgi.command.function=status",
        "osgi.command.function=stats",
        "osgi.command.function=flows",
        "osgi.command.function=detectors",
        "osgi.command.function=services"})
public final class FlowmarkCommands {
    private final StatusService status;

    @Activate
    public FlowmarkCommands(@Reference StatusService status) {
        this.status = status;
    }

    /** Everything: uptime, sources, detections, detectors, actuators. */
    public String status() {
        return status.status();
    }

    /** Uptime, threads, heap and per-source counters (packets, bytes, drops, flows). */
    public String stats() {
        StringBuilder sb = new StringBuilder();
        status.header(sb);
        status.stats(sb);
        return sb.toString();
    }

    /** Flows live per source and flows classified per protocol and application. */
    public String flows() {
        StringBuilder sb = new StringBuilder();
        status.stats(sb);
        status.detections(sb);
        return sb.toString();
    }

    /** Detectors of the current generation with counters; detector and actuator bundles with versions. */
    public String detectors() {
        StringBuilder sb = new StringBuilder();
        status.detectors(sb);
        status.actuators(sb);
        return sb.toString();
    }

    /** Every registered service by bundle: for leak checks after hot deployment. */
    public String services() {
        StringBuilder sb = new StringBuilder();
        status.services(sb);
        return sb.toString();
    }

    /** Runs a command by name (for the status socket). */
    String run(String name) {
        return switch (name) {
            case "", "status" -> status();
            case "stats" -> stats();
            case "flows" -> flows();
            case "detectors" -> detectors();
            case "services" -> services();
            default -> null;
        };
    }
}
