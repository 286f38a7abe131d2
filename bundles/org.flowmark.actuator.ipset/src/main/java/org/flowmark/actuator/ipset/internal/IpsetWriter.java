package org.flowmark.actuator.ipset.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.ActuatorException;
import org.flowmark.api.actuator.Operation;

/**
 * Feeds one long-lived {@code ipset -exist restore} child. A batch is written as
 * <pre>
 * create SET TYPE family F timeout T     (only for sets not known to exist)
 * add SET ELEMENT timeout T              (ADD and REFRESH: -exist makes a re-add refresh the timeout)
 * del SET ELEMENT                        (REMOVE)
 * COMMIT                                 (without it a kept-open restore holds the adds back until EOF)
 * list -n SET                            (its output line proves that everything before it is in the kernel)
 * </pre>
 * {@link #apply} returns once that line came back, so an element is in the kernel when it returns.
 *
 * <p>ipset restore stops at the first error ({@code Error in line N: ...} on stderr). The writer maps the line to
 * the action or set, then: a set deleted behind our back is re-created and the batch retried; a create refused
 * because the set already exists with other parameters is taken as "the set exists" (warned once); another error
 * fails that one action (logged with its rule) and the rest is retried. "Operation not permitted" and a missing
 * kernel module fail the batch with a message that says what to do. A dead child is restarted at the next batch.
 */
final class IpsetWriter {
    private static final Pattern LINE_ERROR = Pattern.compile("Error in line (\\d+): (.*)");
    private static final int MAX_ROUNDS = 8;

    private final RestoreChannel.Launcher launcher;
    private final long syncTimeoutMs;
    private final Consumer<String> warn;
    private final boolean confirm;
    private RestoreChannel child;
    private long linesWritten;
    private final Set<String> knownSets = new HashSet<>();
    private final Set<String> warnedSets = new HashSet<>();

    final AtomicLong added = new AtomicLong();
    final AtomicLong refreshed = new AtomicLong();
    final AtomicLong removed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong restarts = new AtomicLong();
    final AtomicLong created = new AtomicLong();
    final AtomicLong recreated = new AtomicLong();

    /**
     * @param confirm false when the child's stdout cannot be line-buffered (no {@code stdbuf}): batches are then
     *                committed but not confirmed, and an error shows only at the next batch
     */
    IpsetWriter(RestoreChannel.Launcher launcher, long syncTimeoutMs, boolean confirm, Consumer<String> warn) {
        this.launcher = launcher;
        this.confirm = confirm;
        this.syncTimeoutMs = syncTimeoutMs;
        this.warn = warn;
    }

    private record Op(Action action, IpsetElement.Target target) {
        String line() {
            return action.operation() == Operation.REMOVE ? target.delLine() : target.addLine();
        }
    }

    /** Applies the batch; returns normally when every action is in the kernel. */
    void apply(List<Action> batch) throws ActuatorException {
        List<Op> ops = new ArrayList<>(batch.size());
        List<String> problems = new ArrayList<>();
        for (Action a : batch) {
            try {
                ops.add(new Op(a, IpsetElement.target(a)));
            } catch (IllegalArgumentException e) {
                problems.add("rule " + a.rule() + ": " + e.getMessage());
            }
        }
        Set<String> deletedAgain = new HashSet<>();
        for (int round = 0; round < MAX_ROUNDS && !ops.isEmpty(); round++) {
            ensureChild();
            Map<Long, Object> byLine = new HashMap<>(); // line number -> Op or set name (create)
            StringBuilder sb = new StringBuilder();
            long line = linesWritten;
            Set<String> creating = new LinkedHashSet<>();
            for (Op op : ops) {
                String set = op.target.set();
                if (!knownSets.contains(set) && op.action.operation() != Operation.REMOVE && creating.add(set)) {
                    sb.append(op.target.createLine()).append('\n');
                    byLine.put(++line, set);
                }
            }
            for (Op op : ops) {
                sb.append(op.line()).append('\n');
                byLine.put(++line, op);
            }
            String sync = ops.get(0).target.set();
            sb.append("COMMIT\n");
            line++;
            if (confirm) {
                sb.append("list -n ").append(sync).append('\n');
                line++;
            }
            String reply;
            try {
                child.write(sb.toString());
                linesWritten = line;
                reply = confirm ? child.readLine(syncTimeoutMs) : "unconfirmed";
            } catch (IOException e) {
                reply = null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ActuatorException("ipset: interrupted", ops.size() + problems.size());
            }
            if (reply != null && child.alive()) {
                knownSets.addAll(creating);
                created.addAndGet(creating.size());
                count(ops);
                ops.clear();
                break;
            }
            // the child died (or hung): find out why
            String errors;
            try {
                errors = child.alive() ? "" : child.errors(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                errors = "";
            }
            boolean hung = child.alive();
            child.close();
            child = null;
            if (hung) {
                throw new ActuatorException("ipset restore did not confirm the batch within " + syncTimeoutMs
                        + " ms; restarted", ops.size() + problems.size());
            }
            fatal(errors, ops.size() + problems.size());
            Matcher m = LINE_ERROR.matcher(errors);
            Object what = m.find() ? byLine.get(Long.parseLong(m.group(1))) : null;
            String msg = m.find(0) ? m.group(2).trim() : errors;
            if (what instanceof String) { // a create failed
                String set = (String) what;
                if (msg.contains("already exists")) {
                    knownSets.add(set);
                    if (warnedSets.add(set)) {
                        warn.accept("ipset: set " + set + " already exists with other parameters than the rule's; "
                                + "using it as it is (" + msg + ")");
                    }
                    continue;
                }
                List<Op> lost = new ArrayList<>();
                for (Op op : ops) {
                    if (op.target.set().equals(set)) {
                        lost.add(op);
                        problems.add("rule " + op.action.rule() + ": cannot create set " + set + ": " + msg);
                    }
                }
                ops.removeAll(lost);
                continue;
            }
            if (what instanceof Op) {
                Op op = (Op) what;
                String set = op.target.set();
                if (msg.contains("does not exist")) {
                    if (op.action.operation() == Operation.REMOVE) {
                        ops.remove(op); // nothing to remove from a set that is gone
                        removed.incrementAndGet();
                        continue;
                    }
                    // destroyed behind our back: create it again, once per batch
                    if (deletedAgain.add(set)) {
                        knownSets.remove(set);
                        recreated.incrementAndGet();
                        warn.accept("ipset: set " + set + " was deleted; creating it again");
                        continue;
                    }
                }
                ops.remove(op);
                problems.add("rule " + op.action.rule() + ": '" + op.line() + "': " + msg);
                continue;
            }
            throw new ActuatorException("ipset restore failed: " + (errors.isEmpty() ? "exited" : errors),
                    ops.size() + problems.size());
        }
        if (!ops.isEmpty()) {
            problems.add(ops.size() + " actions not applied after " + MAX_ROUNDS + " attempts");
        }
        if (!problems.isEmpty()) {
            int n = problems.size() + (ops.isEmpty() ? 0 : ops.size() - 1);
            failed.addAndGet(n);
            throw new ActuatorException("ipset: " + String.join("; ", problems), n);
        }
    }

    private void count(List<Op> ops) {
        for (Op op : ops) {
            switch (op.action.operation()) {
                case ADD: added.incrementAndGet(); break;
                case REFRESH: refreshed.incrementAndGet(); break;
                default: removed.incrementAndGet();
            }
        }
    }

    /** Errors that no retry can fix: not permitted, no kernel support. */
    private static void fatal(String errors, int n) throws ActuatorException {
        if (errors.contains("Operation not permitted") || errors.contains("You need to be root")) {
            throw new ActuatorException("ipset: not permitted (" + errors + "): Flowmark needs root or the "
                    + "CAP_NET_ADMIN capability to change ipsets (e.g. AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW "
                    + "in its systemd unit)", n);
        }
        if (errors.contains("Cannot open session to kernel") || errors.contains("Protocol not supported")
                || errors.contains("Address family not supported") || errors.contains("Kernel support protocol")) {
            throw new ActuatorException("ipset: the kernel has no ipset support (" + errors
                    + "): load it with 'modprobe ip_set' (and ip_set_hash_* for the set types) or enable "
                    + "CONFIG_IP_SET", n);
        }
        if (errors.contains("set type not supported") || errors.contains("type is not supported")) {
            throw new ActuatorException("ipset: the kernel lacks this set type (" + errors
                    + "): load its module, e.g. 'modprobe ip_set_hash_ipportip'", n);
        }
    }

    private void ensureChild() throws ActuatorException {
        if (child != null && child.alive()) {
            return;
        }
        if (child != null) {
            child.close();
            restarts.incrementAndGet();
        }
        try {
            child = launcher.start();
            linesWritten = 0;
        } catch (IOException e) {
            child = null;
            throw new ActuatorException("ipset: cannot start 'ipset -exist restore': " + e.getMessage()
                    + " (install the ipset package, or set 'ipset' in org.flowmark.actuator.ipset.cfg to its path)",
                    0, e);
        }
    }

    /** Sets created by this writer that it believes exist. */
    Set<String> knownSets() {
        return Set.copyOf(knownSets);
    }

    void close() {
        if (child != null) {
            child.close();
            child = null;
        }
    }

    String counters() {
        return "added " + added + ", refreshed " + refreshed + ", removed " + removed + ", failed " + failed
                + ", restarts " + restarts + ", sets re-created " + recreated;
    }

    /** The same counters by name, for {@code flowmark status}. */
    java.util.Map<String, Long> counterMap() {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("added", added.get());
        m.put("refreshed", refreshed.get());
        m.put("removed", removed.get());
        m.put("failed", failed.get());
        m.put("restarts", restarts.get());
        m.put("sets_recreated", recreated.get());
        return m;
    }
}
