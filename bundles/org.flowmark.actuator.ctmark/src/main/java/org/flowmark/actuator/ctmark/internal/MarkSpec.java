package org.flowmark.actuator.ctmark.internal;

import org.flowmark.api.actuator.Action;

/**
 * Parameters of a {@code ctmark} action (rule syntax {@code ctmark:mark=0x85;mask=0xff}):
 * <ul>
 * <li>{@code mark} (required): the conntrack mark, hexadecimal {@code 0x..} or decimal, 32 bits;</li>
 * <li>{@code mask} (default {@code 0xffffffff}): the bits of the mark this action owns; others are kept, so several
 * rules (QoS class, WAN choice) can share the mark;</li>
 * <li>{@code clear_on_remove} (default {@code true}): REMOVE (flow purged, rule with {@code remove_on_purge}) clears
 * the masked bits when the entry still exists.</li>
 * </ul>
 * ADD and REFRESH both set the mark (REFRESH re-asserts it if something else changed it); {@code timeout} is
 * ignored: the entry lives as long as conntrack keeps it.
 */
record MarkSpec(int mark, int mask, boolean clearOnRemove) {

    static MarkSpec of(Action a) {
        String m = a.params().get("mark");
        if (m == null || m.isBlank()) {
            throw new IllegalArgumentException("ctmark action needs mark=0x.. (and optionally mask=0x..)");
        }
        int mark = parse("mark", m);
        int mask = parse("mask", a.param("mask", "0xffffffff"));
        if (mask == 0) {
            throw new IllegalArgumentException("mask=0 changes nothing");
        }
        if ((mark & ~mask) != 0) {
            throw new IllegalArgumentException("mark " + m + " has bits outside mask " + a.param("mask", ""));
        }
        String c = a.param("clear_on_remove", "true").trim();
        if (!c.equals("true") && !c.equals("false")) {
            throw new IllegalArgumentException("clear_on_remove must be true or false");
        }
        return new MarkSpec(mark, mask, c.equals("true"));
    }

    static int parse(String name, String text) {
        String t = text.trim();
        try {
            long v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
            if (v < 0 || v > 0xffffffffL) {
                throw new NumberFormatException();
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " '" + text + "' must be a 32-bit number (0x85 or 133)");
        }
    }
}
