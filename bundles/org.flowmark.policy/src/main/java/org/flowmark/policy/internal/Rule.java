package org.flowmark.policy.internal;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.flowmark.policy.internal.expr.Expression;
import org.flowmark.policy.internal.expr.ExpressionException;

/**
 * A compiled policy rule (one factory configuration {@code org.flowmark.policy.rule}).
 *
 * @param name          the rule's name: {@code <name>} of {@code org.flowmark.policy.rule-<name>.cfg}, else the
 *                      {@code name} property, else the configuration PID
 * @param origin        where it came from, for messages (the file, else the PID)
 * @param match         the compiled match expression
 * @param actions       actions in order ({@code exempt} alone for an exemption)
 * @param priority      lower runs first; ties by name
 * @param halt          when it matches, no later rule is evaluated
 * @param removeOnPurge at purge, its kernel entries are removed
 */
public record Rule(String name, String origin, Expression match, List<ActionSpec> actions, int priority,
        boolean halt, boolean removeOnPurge) {

    public static final String FACTORY_PID = "org.flowmark.policy.rule";
    static final String FILE_PROPERTY = "felix.fileinstall.filename";

    public Rule {
        actions = List.copyOf(actions);
    }

    public boolean exempt() {
        return actions.size() == 1 && actions.get(0).exempt();
    }

    /** A rule configuration that was rejected, with the message saying where and why. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    /** Disabled rules ({@code enabled=false}) compile to null. */
    public static Rule fromConfig(Map<String, ?> props) throws Invalid {
        String origin = origin(props);
        String name = name(props);
        if (!bool(props, "enabled", true, origin)) {
            return null;
        }
        Object m = props.get("match");
        if (!(m instanceof String) || ((String) m).isBlank()) {
            throw new Invalid("policy rule " + origin + ": 'match' is missing (e.g. match=application == \"zoom\")");
        }
        Expression match;
        try {
            match = Expression.compile((String) m);
        } catch (ExpressionException e) {
            throw new Invalid("policy rule " + origin + ": match: " + e.describe());
        }
        List<ActionSpec> actions;
        try {
            actions = ActionSpec.parseList(props.get("actions"));
        } catch (IllegalArgumentException e) {
            throw new Invalid("policy rule " + origin + ": actions: " + e.getMessage());
        }
        int priority = (int) number(props, "priority", 100, origin);
        return new Rule(name, origin, match, actions, priority, bool(props, "halt", false, origin),
                bool(props, "remove_on_purge", false, origin));
    }

    static String origin(Map<String, ?> props) {
        Object file = props.get(FILE_PROPERTY);
        if (file != null) {
            String f = file.toString();
            if (f.startsWith("file:")) {
                f = f.substring(5);
            }
            return f;
        }
        Object pid = props.get("service.pid");
        return pid != null ? pid.toString() : "(unnamed configuration)";
    }

    static String name(Map<String, ?> props) {
        Object file = props.get(FILE_PROPERTY);
        if (file != null) {
            String f = file.toString();
            f = f.substring(f.lastIndexOf('/') + 1);
            String prefix = FACTORY_PID + "-";
            if (f.startsWith(prefix)) {
                f = f.substring(prefix.length());
            }
            int dot = f.lastIndexOf('.');
            return dot > 0 ? f.substring(0, dot) : f;
        }
        Object n = props.get("name");
        if (n != null && !n.toString().isBlank()) {
            return n.toString().trim();
        }
        Object pid = props.get("service.pid");
        return pid != null ? pid.toString() : "rule";
    }

    private static boolean bool(Map<String, ?> props, String key, boolean dflt, String origin) throws Invalid {
        Object v = props.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean) {
            return (Boolean) v;
        }
        String s = v.toString().trim().toLowerCase(Locale.ROOT);
        if (s.equals("true") || s.equals("yes") || s.equals("1")) {
            return true;
        }
        if (s.equals("false") || s.equals("no") || s.equals("0")) {
            return false;
        }
        throw new Invalid("policy rule " + origin + ": " + key + "=" + v + " is not true or false");
    }

    private static long number(Map<String, ?> props, String key, long dflt, String origin) throws Invalid {
        Object v = props.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number) {
            return ((Number) v).longValue();
        }
        try {
            return Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new Invalid("policy rule " + origin + ": " + key + "=" + v + " is not an integer");
        }
    }

    @Override
    public String toString() {
        return name + " [" + match.source() + " -> " + actions + "]";
    }
}
