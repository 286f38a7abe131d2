package org.flowmark.api.event;

/**
 * EventAdmin topics and property names of the control-plane events the core posts. Never one event per packet.
 *
 * <ul>
 * <li>{@link #TOPIC_CLASSIFIED}: a flow's detection is final (or Unknown when its budget ran out).</li>
 * <li>{@link #TOPIC_PURGED}: a flow left the table (idle, closed, evicted, source end), with final counters.</li>
 * <li>{@link #TOPIC_STATS}: periodic and end-of-source capture statistics.</li>
 * <li>{@link #TOPIC_SOURCE_END}: a capture source (file, interface) ended; all its purge events precede it.</li>
 * <li>{@link #TOPIC_DRAIN}: sent synchronously by the core before it stops or finishes reading files; handlers
 * (sinks) flush everything queued before returning.</li>
 * </ul>
 */
public final class FlowEvents {
    public static final String TOPIC_PREFIX = "org/flowmark/";
    public static final String TOPIC_CLASSIFIED = "org/flowmark/flow/CLASSIFIED";
    public static final String TOPIC_PURGED = "org/flowmark/flow/PURGED";
    public static final String TOPIC_STATS = "org/flowmark/capture/STATS";
    public static final String TOPIC_SOURCE_END = "org/flowmark/capture/SOURCE_END";
    public static final String TOPIC_DRAIN = "org/flowmark/capture/DRAIN";
    /** All flow topics, for an EventHandler's {@code event.topics}. */
    public static final String TOPIC_FLOW_ALL = "org/flowmark/flow/*";

    /** {@link org.flowmark.api.flow.FlowRecord} of a flow event. */
    public static final String PROP_FLOW = "flow";
    /** {@link org.flowmark.api.flow.CaptureStats} of a stats or source-end event. */
    public static final String PROP_STATS = "stats";
    /** Capture source (interface name or file path), String. */
    public static final String PROP_SOURCE = "source";
    /** Detected protocol name, String (for handler filters). */
    public static final String PROP_PROTOCOL = "protocol";
    /** Detected application, String, absent when unknown. */
    public static final String PROP_APPLICATION = "application";
    /** Host name, String, absent when unknown. */
    public static final String PROP_HOSTNAME = "hostname";
    /** Purge reason label ({@code idle}, {@code closed}, {@code evicted}, {@code source_end}), String. */
    public static final String PROP_REASON = "reason";
    /** True on a source-end event when the source failed (unreadable, truncated), Boolean. */
    public static final String PROP_FAILED = "failed";
    /** Human-readable error of a failed source, String. */
    public static final String PROP_ERROR = "error";

    private FlowEvents() {
    }
}
