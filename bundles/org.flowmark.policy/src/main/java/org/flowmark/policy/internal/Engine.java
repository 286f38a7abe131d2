package org.flowmark.policy.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.FlowRecord;
import org.flowmark.policy.internal.expr.FlowContext;

/**
 * The policy engine's logic, single-threaded (the engine thread of {@link PolicyEngine} calls it; tests call it
 * with a fake clock):
 * <ol>
 * <li>{@link #classified}: exemptions first (any matching {@code exempt} rule: nothing is done for the flow), then
 * the other rules in priority order; each match emits ADD actions; a matching {@code halt} rule stops the walk.</li>
 * <li>A flow that got actions with a timeout, or from a {@code remove_on_purge} rule, is remembered as active (a
 * bounded map, {@code maxActive}; beyond it flows still get their ADDs but are not refreshed or removed, counted
 * as {@code untracked}).</li>
 * <li>{@link #runDue}: entries with a timeout are REFRESHed when {@code refreshFraction} of their timeout has
 * passed since the last ADD/REFRESH (2/3 by default), for as long as the flow is active and its rule unchanged.</li>
 * <li>{@link #purged}: the flow stops being active; entries of {@code remove_on_purge} rules get a REMOVE.</li>
 * </ol>
 * Rules may change at any time ({@link #setRules}); a changed or removed rule's entries stop being refreshed (they
 * expire in the kernel) but are still removed at purge when their rule said so.
 */
public final class Engine {

    /** A rule's action as applied to one active flow. */
    private static final class Entry {
        final Rule rule;
        final ActionSpec spec;
        long due; // next refresh, Long.MAX_VALUE when the action has no timeout

        Entry(Rule rule, ActionSpec spec) {
            this.rule = rule;
            this.spec = spec;
        }
    }

    private static final class Active {
        final FlowRecord flow;
        final Entry[] entries;
        long due;

        Active(FlowRecord flow, Entry[] entries) {
            this.flow = flow;
            this.entries = entries;
        }
    }

    private static final Comparator<Active> BY_DUE =
            Comparator.<Active>comparingLong(a -> a.due).thenComparingLong(a -> a.flow.id());

    private final LongSupplier clock;
    private final EngineLog log;
    private final int maxActive;
    private final double refreshFraction;
    private final FlowContext ctx = new FlowContext();

    private final Map<Long, Active> active = new HashMap<>();
    private final TreeSet<Active> schedule = new TreeSet<>(BY_DUE);

    private volatile Rule[] rules = new Rule[0];
    private volatile Rule[] exemptions = new Rule[0];
    private volatile Map<String, Rule> ruleByName = Map.of();
    private volatile Map<String, Dispatch> dispatch = Map.of();
    private volatile boolean dryRun;
    private final Set<String> warnedMissing = new HashSet<>();

    final AtomicLong classifiedFlows = new AtomicLong();
    final AtomicLong purgedFlows = new AtomicLong();
    final AtomicLong matchedFlows = new AtomicLong();
    final AtomicLong exemptedFlows = new AtomicLong();
    final AtomicLong actions = new AtomicLong();
    final AtomicLong refreshes = new AtomicLong();
    final AtomicLong removes = new AtomicLong();
    final AtomicLong queueFull = new AtomicLong();
    final AtomicLong noActuator = new AtomicLong();
    final AtomicLong untracked = new AtomicLong();
    final AtomicLong dryRunActions = new AtomicLong();

    public Engine(LongSupplier nanoClock, EngineLog log, int maxActive, double refreshFraction, boolean dryRun) {
        this.clock = nanoClock;
        this.log = log;
        this.maxActive = Math.max(1, maxActive);
        if (!(refreshFraction > 0 && refreshFraction < 1)) {
            throw new IllegalArgumentException("refresh fraction must be between 0 and 1: " + refreshFraction);
        }
        this.refreshFraction = refreshFraction;
        this.dryRun = dryRun;
    }

    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    /** Replaces the rule set (any thread). */
    public void setRules(Collection<Rule> all) {
        List<Rule> normal = new ArrayList<>();
        List<Rule> exempt = new ArrayList<>();
        Map<String, Rule> byName = new LinkedHashMap<>();
        for (Rule r : all) {
            (r.exempt() ? exempt : normal).add(r);
            byName.put(r.name(), r);
        }
        Comparator<Rule> order = Comparator.comparingInt(Rule::priority).thenComparing(Rule::name);
        normal.sort(order);
        exempt.sort(order);
        rules = normal.toArray(new Rule[0]);
        exemptions = exempt.toArray(new Rule[0]);
        ruleByName = Map.copyOf(byName);
    }

    /** Replaces the actuator dispatch table, type to channel (any thread). */
    public void setDispatch(Map<String, Dispatch> byType) {
        dispatch = Map.copyOf(byType);
        synchronized (warnedMissing) {
            warnedMissing.retainAll(Set.of()); // warn again if a type disappears later
        }
    }

    /** Rules in evaluation order (exemptions first). */
    public List<Rule> rules() {
        List<Rule> l = new ArrayList<>(List.of(exemptions));
        l.addAll(List.of(rules));
        return l;
    }

    public int activeFlows() {
        return active.size();
    }

    /** A flow was classified: evaluate the rules, emit ADDs, remember it for refresh and removal. */
    public void classified(FlowRecord flow) {
        classifiedFlows.incrementAndGet();
        ctx.reset(flow);
        for (Rule r : exemptions) {
            if (r.match().matches(ctx)) {
                exemptedFlows.incrementAndGet();
                log.debug("policy: flow " + flow.id() + " exempted by rule " + r.name());
                return;
            }
        }
        List<Entry> entries = null;
        long now = clock.getAsLong();
        for (Rule r : rules) {
            if (!r.match().matches(ctx)) {
                continue;
            }
            if (entries == null) {
                entries = new ArrayList<>(4);
            }
            for (ActionSpec a : r.actions()) {
                emit(r, a, Operation.ADD, flow, now);
                entries.add(new Entry(r, a));
            }
            if (r.halt()) {
                break;
            }
        }
        if (entries == null) {
            return;
        }
        matchedFlows.incrementAndGet();
        Active prev = active.remove(flow.id());
        if (prev != null) { // classified twice (re-classification): the new actions replace the old
            schedule.remove(prev);
        }
        boolean track = false;
        for (Entry e : entries) {
            e.due = e.spec.timeoutSeconds() > 0 ? now + refreshDelay(e.spec) : Long.MAX_VALUE;
            track |= e.spec.timeoutSeconds() > 0 || e.rule.removeOnPurge();
        }
        if (!track) {
            return;
        }
        if (active.size() >= maxActive) {
            untracked.incrementAndGet();
            return;
        }
        Active a = new Active(flow, entries.toArray(new Entry[0]));
        a.due = minDue(a);
        active.put(flow.id(), a);
        if (a.due != Long.MAX_VALUE) {
            schedule.add(a);
        }
    }

    /** A flow left the flow table: forget it, REMOVE the entries of remove_on_purge rules. */
    public void purged(FlowRecord flow) {
        purgedFlows.incrementAndGet();
        Active a = active.remove(flow.id());
        if (a == null) {
            return;
        }
        schedule.remove(a);
        long now = clock.getAsLong();
        for (Entry e : a.entries) {
            if (e.rule.removeOnPurge()) {
                emit(e.rule, e.spec, Operation.REMOVE, flow, now);
            }
        }
    }

    /**
     * Refreshes every entry due by now; returns the nanoTime of the next due refresh, or {@code Long.MAX_VALUE}.
     */
    public long runDue() {
        long now = clock.getAsLong();
        Map<String, Rule> current = ruleByName;
        while (!schedule.isEmpty()) {
            Active a = schedule.first();
            if (a.due > now) {
                return a.due;
            }
            schedule.pollFirst();
            for (Entry e : a.entries) {
                if (e.due > now) {
                    continue;
                }
                if (current.get(e.rule.name()) != e.rule) {
                    e.due = Long.MAX_VALUE; // rule changed or removed: let the kernel entry expire
                    continue;
                }
                emit(e.rule, e.spec, Operation.REFRESH, a.flow, now);
                refreshes.incrementAndGet();
                e.due = now + refreshDelay(e.spec);
            }
            a.due = minDue(a);
            if (a.due != Long.MAX_VALUE) {
                schedule.add(a);
            }
        }
        return Long.MAX_VALUE;
    }

    private long refreshDelay(ActionSpec spec) {
        return Math.max(1, (long) (TimeUnit.SECONDS.toNanos(spec.timeoutSeconds()) * refreshFraction));
    }

    private static long minDue(Active a) {
        long m = Long.MAX_VALUE;
        for (Entry e : a.entries) {
            m = Math.min(m, e.due);
        }
        return m;
    }

    private void emit(Rule rule, ActionSpec spec, Operation op, FlowRecord flow, long now) {
        Action action = new Action(rule.name(), spec.type(), op, flow, spec.params(), spec.timeoutSeconds(), now);
        if (op == Operation.REMOVE) {
            removes.incrementAndGet();
        }
        if (dryRun) {
            dryRunActions.incrementAndGet();
            log.info("policy dry-run: would " + op + " " + spec + " (rule " + rule.name() + ") for flow " + describe(
                    flow));
            return;
        }
        Dispatch d = dispatch.get(spec.type());
        if (d == null) {
            noActuator.incrementAndGet();
            boolean first;
            synchronized (warnedMissing) {
                first = warnedMissing.add(spec.type());
            }
            if (first) {
                log.warn("policy: no actuator of type '" + spec.type() + "' is running; actions of rule "
                        + rule.name() + " are dropped until one registers (counted as no_actuator)");
            }
            return;
        }
        actions.incrementAndGet();
        if (!d.offer(action)) {
            queueFull.incrementAndGet();
        }
    }

    static String describe(FlowRecord f) {
        StringBuilder sb = new StringBuilder().append(f.id()).append(' ').append(f.localIp()).append(':')
                .append(f.localPort()).append(" <-> ").append(f.otherIp()).append(':').append(f.otherPort())
                .append(" proto ").append(f.ipProtocol()).append(' ').append(f.detection());
        return sb.toString();
    }

    /** Counters by name, for the status log and tests. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("classified", classifiedFlows.get());
        m.put("purged", purgedFlows.get());
        m.put("matched", matchedFlows.get());
        m.put("exempted", exemptedFlows.get());
        m.put("actions", actions.get());
        m.put("refreshes", refreshes.get());
        m.put("removes", removes.get());
        m.put("queue_full", queueFull.get());
        m.put("no_actuator", noActuator.get());
        m.put("untracked", untracked.get());
        m.put("dry_run", dryRunActions.get());
        m.put("active", (long) active.size());
        return m;
    }
}
