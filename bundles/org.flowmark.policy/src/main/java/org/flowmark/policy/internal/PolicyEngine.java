package org.flowmark.policy.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.flowmark.api.actuator.Actuator;
import org.flowmark.api.event.FlowEvents;
import org.flowmark.api.flow.FlowRecord;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
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
 * The policy engine component: receives CLASSIFIED and PURGED flow events ({@link #handleEvent} only enqueues, so
 * EventAdmin is never held up), evaluates the rules on its own thread ({@link Engine}), and hands actions to the
 * actuator services by type ({@code flowmark.actuator.type}), each through its own bounded queue and thread
 * ({@link ActuatorChannel}). Actuators and rules come and go at run time (a vendor bundle dropped into
 * {@code deploy/} gets actions as soon as its service registers).
 */
@Component(service = EventHandler.class, configurationPid = PolicyEngine.PID, property = {
        EventConstants.EVENT_TOPIC + "=" + FlowEvents.TOPIC_CLASSIFIED,
        EventConstants.EVENT_TOPIC + "=" + FlowEvents.TOPIC_PURGED})
@Designate(ocd = PolicyEngine.Config.class)
public final class PolicyEngine implements EventHandler {

    public static final String PID = "org.flowmark.policy";
    static final String TYPE_PROPERTY = "flowmark.actuator.type";
    static final String MAX_BATCH_PROPERTY = "flowmark.actuator.maxBatch";

    @ObjectClassDefinition(name = "Flowmark policy engine", description = "Rules to actuator actions")
    @interface Config {
        @AttributeDefinition(description = "Log what would be done instead of calling any actuator")
        boolean dry__run() default false;

        @AttributeDefinition(description = "Flow events buffered for the engine thread (dropped and counted when "
                + "full)", min = "16")
        int event__queue__size() default 16384;

        @AttributeDefinition(description = "Actions buffered per actuator (dropped and counted when full)",
                min = "16")
        int actuator__queue__size() default 16384;

        @AttributeDefinition(description = "Active flows remembered for refresh and removal", min = "1")
        int max__active__flows() default 262144;

        @AttributeDefinition(description = "Entries are refreshed when this fraction of their timeout has passed")
        double refresh__fraction() default 0.667;

        @AttributeDefinition(description = "Interval of the counters log line at debug level (s), 0: never",
                min = "0")
        int status__interval() default 60;
    }

    private record FlowEvent(boolean purged, FlowRecord flow) {
    }

    private final Logger log;
    private final EngineLog engineLog;
    private final Engine engine;
    private final ArrayBlockingQueue<FlowEvent> events;
    private final int actuatorQueueSize;
    private final long statusIntervalNanos;
    private final AtomicLong eventsDropped = new AtomicLong();
    private final AtomicLong badEvents = new AtomicLong();
    private final Map<Actuator, ActuatorChannel> channels = new LinkedHashMap<>();
    private final Map<Actuator, Map<String, Object>> actuatorProps = new ConcurrentHashMap<>();
    private final Map<PolicyRule, Boolean> ruleComponents = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    @Activate
    public PolicyEngine(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.engineLog = adapt(log);
        this.engine = new Engine(System::nanoTime, engineLog, config.max__active__flows(), config.refresh__fraction(),
                config.dry__run());
        this.events = new ArrayBlockingQueue<>(Math.max(16, config.event__queue__size()));
        this.actuatorQueueSize = Math.max(16, config.actuator__queue__size());
        this.statusIntervalNanos = TimeUnit.SECONDS.toNanos(Math.max(0, config.status__interval()));
        if (config.dry__run()) {
            log.warn("policy engine: dry run (dry_run=true in {}): actions are logged, no actuator is called", PID);
        }
        this.thread = new Thread(this::run, "flowmark-policy");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    @Modified
    void modified(Config config) {
        engine.setDryRun(config.dry__run());
        log.info("policy engine: dry_run={}", config.dry__run());
    }

    @Deactivate
    void deactivate() {
        running = false;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<ActuatorChannel> all;
        synchronized (this) {
            all = new ArrayList<>(channels.values());
            channels.clear();
        }
        for (ActuatorChannel c : all) {
            c.close(5000);
        }
        log.info("policy engine stopped: {}, events dropped {}", engine.counters(), eventsDropped.get());
    }

    // ------------------------------------------------------------------------------------------- actuators

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeActuator")
    void addActuator(Actuator actuator, Map<String, Object> props) {
        Object type = props.get(TYPE_PROPERTY);
        if (!(type instanceof String) || ((String) type).isBlank()) {
            log.error("policy: actuator service {} has no {} property; ignored", props.get(Constants.SERVICE_ID),
                    TYPE_PROPERTY);
            return;
        }
        int maxBatch = 256;
        Object mb = props.get(MAX_BATCH_PROPERTY);
        if (mb instanceof Number) {
            maxBatch = ((Number) mb).intValue();
        } else if (mb != null) {
            try {
                maxBatch = Integer.parseInt(mb.toString().trim());
            } catch (NumberFormatException e) {
                log.warn("policy: actuator {}: {}={} is not a number; using 256", type, MAX_BATCH_PROPERTY, mb);
            }
        }
        ActuatorChannel c = new ActuatorChannel((String) type, actuator, maxBatch, actuatorQueueSize, engineLog)
                .start();
        synchronized (this) {
            channels.put(actuator, c);
            actuatorProps.put(actuator, props);
            rebuildDispatch();
        }
        log.info("policy: actuator '{}' available (max batch {}, service {})", type, maxBatch,
                props.get(Constants.SERVICE_ID));
    }

    void removeActuator(Actuator actuator) {
        ActuatorChannel c;
        synchronized (this) {
            c = channels.remove(actuator);
            actuatorProps.remove(actuator);
            rebuildDispatch();
        }
        if (c != null) {
            c.close(2000);
            log.info("policy: actuator '{}' gone ({})", c.type(), c.counters());
        }
    }

    private void rebuildDispatch() {
        // per type, the service with the highest ranking (then the lowest id) serves the actions
        Map<String, ActuatorChannel> best = new LinkedHashMap<>();
        Map<String, Map<String, Object>> bestProps = new LinkedHashMap<>();
        Comparator<Map<String, Object>> order = Comparator.<Map<String, Object>>comparingInt(
                p -> p.get(Constants.SERVICE_RANKING) instanceof Integer ? -(Integer) p.get(Constants.SERVICE_RANKING)
                        : 0)
                .thenComparingLong(p -> p.get(Constants.SERVICE_ID) instanceof Long ? (Long) p.get(
                        Constants.SERVICE_ID) : Long.MAX_VALUE);
        for (Map.Entry<Actuator, ActuatorChannel> e : channels.entrySet()) {
            String type = e.getValue().type();
            Map<String, Object> p = actuatorProps.get(e.getKey());
            if (!best.containsKey(type) || order.compare(p, bestProps.get(type)) < 0) {
                best.put(type, e.getValue());
                bestProps.put(type, p);
            }
        }
        engine.setDispatch(new LinkedHashMap<>(best));
    }

    // ------------------------------------------------------------------------------------------- rules

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeRule")
    void addRule(PolicyRule rule) {
        ruleComponents.put(rule, Boolean.TRUE);
        rebuildRules();
    }

    void removeRule(PolicyRule rule) {
        ruleComponents.remove(rule);
        rebuildRules();
    }

    private synchronized void rebuildRules() {
        List<Rule> rules = new ArrayList<>();
        for (PolicyRule p : ruleComponents.keySet()) {
            if (p.rule() != null) {
                rules.add(p.rule());
            }
        }
        engine.setRules(rules);
        log.debug("policy: {} rules active", rules.size());
    }

    /** The engine, for tests and the status command. */
    Engine engine() {
        return engine;
    }

    // ------------------------------------------------------------------------------------------- events

    @Override
    public void handleEvent(Event event) {
        Object f = event.getProperty(FlowEvents.PROP_FLOW);
        if (!(f instanceof FlowRecord)) {
            if (badEvents.getAndIncrement() == 0) {
                log.warn("policy: event {} without a FlowRecord in '{}' ignored", event.getTopic(),
                        FlowEvents.PROP_FLOW);
            }
            return;
        }
        boolean purged = FlowEvents.TOPIC_PURGED.equals(event.getTopic());
        if (!events.offer(new FlowEvent(purged, (FlowRecord) f)) && eventsDropped.getAndIncrement() % 1000 == 0) {
            log.warn("policy: event queue full; flow events dropped ({} so far)", eventsDropped.get());
        }
    }

    private void run() {
        long nextStatus = System.nanoTime() + statusIntervalNanos;
        String lastStatus = "";
        while (running) {
            try {
                long next = engine.runDue();
                long now = System.nanoTime();
                long wait = next == Long.MAX_VALUE ? TimeUnit.MILLISECONDS.toNanos(500)
                        : Math.max(0, Math.min(next - now, TimeUnit.MILLISECONDS.toNanos(500)));
                FlowEvent ev = events.poll(wait, TimeUnit.NANOSECONDS);
                while (ev != null) {
                    if (ev.purged) {
                        engine.purged(ev.flow);
                    } else {
                        engine.classified(ev.flow);
                    }
                    ev = events.poll();
                }
                if (statusIntervalNanos > 0 && System.nanoTime() - nextStatus > 0) {
                    nextStatus = System.nanoTime() + statusIntervalNanos;
                    String status = status();
                    if (!status.equals(lastStatus)) {
                        log.debug("policy: {}", status);
                        lastStatus = status;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("policy engine: {} (event skipped)", e.toString(), e);
            }
        }
    }

    /** Counters of the engine and its actuators. */
    public synchronized String status() {
        StringBuilder sb = new StringBuilder(engine.counters().toString()).append(", events dropped ")
                .append(eventsDropped.get());
        for (ActuatorChannel c : channels.values()) {
            sb.append("; ").append(c.counters());
        }
        return sb.toString();
    }

    private static EngineLog adapt(Logger log) {
        return new EngineLog() {
            @Override
            public void debug(String message) {
                log.debug(message);
            }

            @Override
            public void info(String message) {
                log.info(message);
            }

            @Override
            public void warn(String message) {
                log.warn(message);
            }

            @Override
            public void error(String message) {
                log.error(message);
            }
        };
    }
}
