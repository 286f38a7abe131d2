package org.flowmark.sink.json.internal;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import org.flowmark.api.event.FlowEvents;
import org.flowmark.api.flow.CaptureStats;
import org.flowmark.api.flow.FlowRecord;
import org.flowmark.sink.json.internal.SinkRecord.Format;
import org.flowmark.sink.json.internal.SinkRecord.Kind;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The JSON data stream: receives the core's flow and capture events, renders each once per format needed and
 * offers the line to every output's bounded queue. {@link #handleEvent} returns at once (except in backpressure
 * mode when an output is full, and on {@code DRAIN}, which waits, bounded, until every output wrote and flushed
 * what was queued before it).
 *
 * <p>Outputs: the configured {@link JsonOutput} components, plus a built-in stdout output when the framework
 * property {@code flowmark.output.format} is {@code ndjson} or {@code table} (how {@code flowmark read} prints).
 */
@Component(service = EventHandler.class, configurationPid = JsonSink.PID, property = {
        EventConstants.EVENT_TOPIC + "=" + FlowEvents.TOPIC_CLASSIFIED,
        EventConstants.EVENT_TOPIC + "=" + FlowEvents.TOPIC_PURGED,
        EventConstants.EVENT_TOPIC + "=" + FlowEvents.TOPIC_STATS,
        EventConstants.EVENT_TOPIC + "=" + FlowEvents.TOPIC_SOURCE_END,
        EventConstants.EVENT_TOPIC + "=" + FlowEvents.TOPIC_DRAIN})
@Designate(ocd = JsonSink.Config.class)
public final class JsonSink implements EventHandler {

    public static final String PID = "org.flowmark.sink.json";

    @ObjectClassDefinition(name = "Flowmark JSON data stream",
            description = "Renders flow events as netifyd-style JSON records for the configured outputs")
    @interface Config {
        @AttributeDefinition(description = "Records buffered by the built-in stdout output", min = "1")
        int stdout__queue__size() default 8192;

        @AttributeDefinition(description = "Longest wait of a DRAIN event for all outputs to write and flush (ms)",
                min = "0")
        long drain__timeout__ms() default 10_000;
    }

    private static final QueuedOutput[] NONE = new QueuedOutput[0];

    private final Logger log;
    private final long drainTimeoutMs;
    private final QueuedOutput stdout;
    private final AtomicLong badEvents = new AtomicLong();
    private volatile QueuedOutput[] outputs;

    @Activate
    public JsonSink(BundleContext context, Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this(context::getProperty, config, log);
    }

    JsonSink(UnaryOperator<String> properties, Config config, Logger log) {
        this.log = log;
        this.drainTimeoutMs = Math.max(0, config.drain__timeout__ms());
        this.stdout = builtInStdout(properties, config, log);
        this.outputs = stdout != null ? new QueuedOutput[] {stdout} : NONE;
    }

    private static QueuedOutput builtInStdout(UnaryOperator<String> properties, Config config, Logger log) {
        String value = properties.apply(Modes.OUTPUT_FORMAT);
        if (value == null || value.isBlank() || value.trim().toLowerCase(Locale.ROOT).equals("none")) {
            return null;
        }
        Format format;
        try {
            format = Format.parse(value);
        } catch (IllegalArgumentException e) {
            log.error("JSON sink: framework property {}={} is invalid (expected ndjson, table or none); "
                    + "no stdout output", Modes.OUTPUT_FORMAT, value);
            return null;
        }
        int queueSize = Math.max(1, config.stdout__queue__size());
        boolean backpressure = Modes.backpressure(properties);
        log.debug("JSON sink: stdout output, format {}, queue {}, {}", format.label, queueSize,
                backpressure ? "backpressure" : "drop when full");
        return new StreamOutput("stdout", System.out, format, EnumSet.allOf(Kind.class), queueSize, backpressure, log)
                .start();
    }

    @Deactivate
    void deactivate() {
        outputs = NONE;
        if (stdout != null) {
            stdout.close(drainTimeoutMs);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeOutput")
    synchronized void addOutput(JsonOutput output) {
        QueuedOutput[] cur = outputs;
        QueuedOutput[] next = Arrays.copyOf(cur, cur.length + 1);
        next[cur.length] = output.output();
        outputs = next;
    }

    synchronized void removeOutput(JsonOutput output) {
        outputs = Arrays.stream(outputs).filter(o -> o != output.output()).toArray(QueuedOutput[]::new);
    }

    /** Outputs receiving records now (for tests). */
    QueuedOutput[] outputs() {
        return outputs;
    }

    @Override
    public void handleEvent(Event event) {
        String topic = event.getTopic();
        try {
            if (FlowEvents.TOPIC_DRAIN.equals(topic)) {
                drain();
                return;
            }
            QueuedOutput[] outs = outputs;
            if (outs.length == 0) {
                return;
            }
            SinkRecord r = render(topic, event, outs);
            if (r != null) {
                for (QueuedOutput o : outs) {
                    o.accept(r);
                }
            }
        } catch (RuntimeException e) {
            badEvent(topic, e.toString());
        }
    }

    /** Renders the event in the formats some output wants; null when no output takes it or it is malformed. */
    private SinkRecord render(String topic, Event event, QueuedOutput[] outs) {
        Kind kind = switch (topic) {
            case FlowEvents.TOPIC_CLASSIFIED -> Kind.CLASSIFIED;
            case FlowEvents.TOPIC_PURGED -> Kind.PURGE;
            case FlowEvents.TOPIC_STATS, FlowEvents.TOPIC_SOURCE_END -> Kind.STATS;
            default -> null;
        };
        if (kind == null) {
            return null;
        }
        boolean json = false;
        boolean table = false;
        for (QueuedOutput o : outs) {
            if (o.includes(kind)) {
                json |= o.format == Format.NDJSON;
                table |= o.format == Format.TABLE;
            }
        }
        if (!json && !table) {
            return null;
        }
        switch (topic) {
            case FlowEvents.TOPIC_CLASSIFIED:
            case FlowEvents.TOPIC_PURGED: {
                Object f = event.getProperty(FlowEvents.PROP_FLOW);
                if (!(f instanceof FlowRecord flow)) {
                    badEvent(topic, "property flow is " + describe(f));
                    return null;
                }
                if (kind == Kind.CLASSIFIED) {
                    return new SinkRecord(kind, json ? JsonRecords.classified(flow) : null, null);
                }
                return new SinkRecord(kind, json ? JsonRecords.purged(flow) : null,
                        table ? TableFormat.row(flow) : null);
            }
            case FlowEvents.TOPIC_STATS: {
                Object s = event.getProperty(FlowEvents.PROP_STATS);
                if (!(s instanceof CaptureStats stats)) {
                    badEvent(topic, "property stats is " + describe(s));
                    return null;
                }
                return new SinkRecord(kind, json ? JsonRecords.status(stats) : null, null);
            }
            default: { // SOURCE_END: stats may be absent when the source failed to open
                Object s = event.getProperty(FlowEvents.PROP_STATS);
                CaptureStats stats = s instanceof CaptureStats cs ? cs : null;
                Object src = event.getProperty(FlowEvents.PROP_SOURCE);
                String source = src != null ? src.toString() : null;
                boolean failed = Boolean.TRUE.equals(event.getProperty(FlowEvents.PROP_FAILED))
                        || "true".equals(String.valueOf(event.getProperty(FlowEvents.PROP_FAILED)));
                Object err = event.getProperty(FlowEvents.PROP_ERROR);
                String error = err != null ? err.toString() : null;
                return new SinkRecord(kind, json ? JsonRecords.sourceEnd(source, stats, failed, error) : null,
                        table ? TableFormat.sourceEnd(source, stats, failed, error) : null);
            }
        }
    }

    /** Malformed events ignored so far. */
    long badEvents() {
        return badEvents.get();
    }

    private static String describe(Object o) {
        return o == null ? "missing" : "a " + o.getClass().getName();
    }

    private void badEvent(String topic, String why) {
        long n = badEvents.incrementAndGet();
        if (n == 1 || n % 1000 == 0) {
            log.warn("JSON sink: ignored malformed event {} ({}); {} ignored so far", topic, why, n);
        }
    }

    /** Waits, bounded by the drain timeout overall, until every output wrote and flushed what it had queued. */
    void drain() {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(drainTimeoutMs);
        for (QueuedOutput o : outputs) {
            if (!o.drain(deadline)) {
                log.warn("JSON output {}: drain not complete within {} ms ({} records still queued)", o.name,
                        drainTimeoutMs, o.queued());
            }
        }
        log.debug("JSON sink: drained in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
}
