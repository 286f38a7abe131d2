package org.flowmark.policy.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One action of a rule: an actuator type and its parameters, written {@code type[:key=value{;key=value}]}, e.g.
 * {@code ipset:set=NETIFY_ZOOM;set_type=hash:ip,port,ip;layout=other_ip,other_port,local_ip;timeout=600}.
 * The type is up to the first {@code ':'}; parameters are separated by {@code ';'}, each split at its first
 * {@code '='} (so values may hold {@code ':'}, {@code ','} and {@code '='}). {@code timeout} (seconds, 0 = none) is
 * common to all types; the special type {@code exempt} (no parameters) makes a rule an exemption.
 */
public record ActionSpec(String type, Map<String, String> params, long timeoutSeconds) {

    public static final String EXEMPT = "exempt";

    public ActionSpec {
        params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params)); // keeps the rule's order
    }

    public boolean exempt() {
        return EXEMPT.equals(type);
    }

    /** Parses one action; the message of the exception says what is wrong. */
    public static ActionSpec parse(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty action");
        }
        int colon = s.indexOf(':');
        String type = (colon < 0 ? s : s.substring(0, colon)).trim();
        if (!type.matches("[a-z0-9][a-z0-9_.-]*")) {
            throw new IllegalArgumentException("action '" + s + "': type '" + type
                    + "' must be lower case letters, digits, '_', '.', '-' (e.g. ipset, log, nftables)");
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (colon >= 0) {
            for (String part : s.substring(colon + 1).split(";")) {
                if (part.isBlank()) {
                    continue;
                }
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("action '" + s + "': parameter '" + part.trim()
                            + "' is not key=value");
                }
                String key = part.substring(0, eq).trim();
                if (params.put(key, part.substring(eq + 1).trim()) != null) {
                    throw new IllegalArgumentException("action '" + s + "': parameter '" + key + "' given twice");
                }
            }
        }
        long timeout = 0;
        String t = params.get("timeout");
        if (t != null) {
            try {
                timeout = Long.parseLong(t);
            } catch (NumberFormatException e) {
                timeout = -1;
            }
            if (timeout < 0 || timeout > 2_147_483L) {
                throw new IllegalArgumentException("action '" + s + "': timeout '" + t
                        + "' must be seconds, 0 to 2147483");
            }
        }
        if (type.equals(EXEMPT) && !params.isEmpty()) {
            throw new IllegalArgumentException("action 'exempt' takes no parameters");
        }
        return new ActionSpec(type, params, timeout);
    }

    /**
     * Parses a rule's {@code actions} value: a String with actions separated by {@code '|'} (or new lines), or a
     * String array / collection (typed {@code .config} files), each element possibly holding several.
     */
    public static List<ActionSpec> parseList(Object value) {
        List<String> texts = new ArrayList<>();
        if (value instanceof String) {
            texts.add((String) value);
        } else if (value instanceof String[]) {
            texts.addAll(List.of((String[]) value));
        } else if (value instanceof Iterable<?>) {
            for (Object o : (Iterable<?>) value) {
                texts.add(String.valueOf(o));
            }
        } else if (value != null) {
            throw new IllegalArgumentException("actions must be text, not " + value.getClass().getSimpleName());
        }
        List<ActionSpec> out = new ArrayList<>();
        for (String t : texts) {
            for (String one : t.split("[|\\n]")) {
                if (!one.isBlank()) {
                    out.add(parse(one));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no actions (actions=ipset:set=NAME | log:level=info ...)");
        }
        boolean exempt = out.stream().anyMatch(ActionSpec::exempt);
        if (exempt && out.size() > 1) {
            throw new IllegalArgumentException("'exempt' must be the rule's only action");
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(type);
        char sep = ':';
        for (Map.Entry<String, String> e : params.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = ';';
        }
        return sb.toString();
    }
}
