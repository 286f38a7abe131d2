package org.flowmark.actuator.ctmark.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the tc helper installs on one device, from its configuration, as command lines (pure: unit-tested).
 *
 * <p>An HTB root {@code 1:} with a root class {@code 1:1} (rate = ceil = the link rate), a default class for
 * unmarked traffic, and one class per mark. Marks reach the classes one of two ways:
 * <ul>
 * <li>{@code fw}: {@code tc filter ... handle MARK/MASK fw classid 1:X}, with an nft rule in the helper's own table
 * restoring the packet mark from the conntrack mark on the way out ({@code meta mark set ct mark}); needs the
 * kernel's {@code cls_fw}.</li>
 * <li>{@code nft}: no tc filter at all; the helper's nft table sets the packet's priority to the class id from the
 * conntrack mark in postrouting ({@code ct mark and MASK == MARK meta priority set 1:X}); HTB then puts the packet
 * straight into that class. Works without {@code cls_fw}.</li>
 * </ul>
 * Never {@code u32 match mark}: accepted by kernels without mark support in u32 but matching every packet.
 */
final class TcPlan {

    /** One class: the mark that selects it, its id (minor, hex), rates and priority. */
    record TcClass(int mark, int minor, String rate, String ceil, int prio) {
        String classId() {
            return "1:" + Integer.toHexString(minor);
        }
    }

    final String device;
    final String rate;
    final int mask;
    final int defaultMinor;
    final String defaultRate;
    final List<TcClass> classes;
    final String table;

    TcPlan(String device, String rate, String classes, int mask, String defaultClass, String defaultRate,
            String table) {
        if (device == null || !device.matches("[A-Za-z0-9_.@:-]{1,15}")) {
            throw new IllegalArgumentException("device '" + device + "' is not an interface name");
        }
        this.device = device;
        this.rate = rate(rate, "rate");
        this.mask = mask;
        if (mask == 0) {
            throw new IllegalArgumentException("mask=0 would match no mark");
        }
        this.defaultMinor = minor(defaultClass, "default_class");
        this.defaultRate = rate(defaultRate, "default_rate");
        this.classes = parseClasses(classes);
        String t = table == null || table.isBlank() ? "inet flowmark_tc_" + device.replaceAll("[^A-Za-z0-9_]", "_")
                : table.trim();
        if (!t.matches("(inet|ip|ip6) [A-Za-z_][A-Za-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("table '" + t + "' must be 'inet NAME'");
        }
        this.table = t;
    }

    private static String rate(String r, String what) {
        String s = r == null ? "" : r.trim().toLowerCase(Locale.ROOT);
        if (!s.matches("\\d+(\\.\\d+)?(bit|kbit|mbit|gbit|tbit|bps|kbps|mbps|gbps|tbps)")) {
            throw new IllegalArgumentException(what + " '" + r + "' must be a tc rate such as 10mbit");
        }
        return s;
    }

    /** A class id {@code 1:X} or {@code X} (hex minor). */
    private static int minor(String text, String what) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("1:")) {
            s = s.substring(2);
        }
        try {
            int m = Integer.parseInt(s, 16);
            if (m < 2 || m > 0xffff) {
                throw new NumberFormatException();
            }
            return m;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + text + "' must be a class id 1:2 to 1:ffff (1:1 is the "
                    + "root class)");
        }
    }

    private List<TcClass> parseClasses(String text) {
        List<TcClass> out = new ArrayList<>();
        Set<Integer> minors = new LinkedHashSet<>();
        Set<Integer> marks = new LinkedHashSet<>();
        minors.add(defaultMinor);
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("classes is empty (e.g. classes = mark=0x85 class=1:85 rate=10mbit "
                    + "ceil=100mbit prio=1; mark=0x86 class=1:86 rate=1mbit)");
        }
        for (String entry : text.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            Integer mark = null;
            Integer minor = null;
            String r = null;
            String c = null;
            int prio = 3;
            for (String kv : entry.trim().split("\\s+")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("class '" + entry.trim() + "': '" + kv + "' is not key=value");
                }
                String k = kv.substring(0, eq);
                String v = kv.substring(eq + 1);
                switch (k) {
                    case "mark" -> mark = MarkSpec.parse("mark", v);
                    case "class" -> minor = minor(v, "class");
                    case "rate" -> r = rate(v, "rate");
                    case "ceil" -> c = rate(v, "ceil");
                    case "prio" -> {
                        try {
                            prio = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            prio = -1;
                        }
                        if (prio < 0 || prio > 7) {
                            throw new IllegalArgumentException("class '" + entry.trim() + "': prio 0 to 7");
                        }
                    }
                    default -> throw new IllegalArgumentException("class '" + entry.trim() + "': unknown key '" + k
                            + "' (mark, class, rate, ceil, prio)");
                }
            }
            if (mark == null || r == null) {
                throw new IllegalArgumentException("class '" + entry.trim() + "' needs mark= and rate=");
            }
            if (mark == 0 || (mark & ~mask) != 0) {
                throw new IllegalArgumentException("class '" + entry.trim() + "': mark must be non-zero and within "
                        + "mask 0x" + Integer.toHexString(mask));
            }
            int m = minor != null ? minor : minor(Integer.toHexString(mark & 0xffff), "class (from the mark)");
            if (!minors.add(m)) {
                throw new IllegalArgumentException("class '" + entry.trim() + "': class id 1:" + Integer.toHexString(m)
                        + " used twice (or is the default class)");
            }
            if (!marks.add(mark)) {
                throw new IllegalArgumentException("class '" + entry.trim() + "': mark used twice");
            }
            out.add(new TcClass(mark, m, r, c != null ? c : rate, prio));
        }
        return List.copyOf(out);
    }

    List<List<String>> qdiscCommands() {
        List<List<String>> out = new ArrayList<>();
        out.add(List.of("tc", "qdisc", "replace", "dev", device, "root", "handle", "1:", "htb", "default",
                Integer.toHexString(defaultMinor)));
        out.add(List.of("tc", "class", "replace", "dev", device, "parent", "1:", "classid", "1:1", "htb", "rate", rate,
                "ceil", rate));
        out.add(List.of("tc", "class", "replace", "dev", device, "parent", "1:1", "classid",
                "1:" + Integer.toHexString(defaultMinor), "htb", "rate", defaultRate, "ceil", rate, "prio", "7"));
        for (TcClass c : classes) {
            out.add(List.of("tc", "class", "replace", "dev", device, "parent", "1:1", "classid", c.classId(), "htb",
                    "rate", c.rate(), "ceil", c.ceil(), "prio", String.valueOf(c.prio())));
        }
        return out;
    }

    List<List<String>> fwFilterCommands() {
        List<List<String>> out = new ArrayList<>();
        int prio = 1;
        for (TcClass c : classes) {
            out.add(List.of("tc", "filter", "replace", "dev", device, "parent", "1:", "protocol", "all", "prio",
                    String.valueOf(prio++), "handle", "0x" + Integer.toHexString(c.mark()) + "/0x"
                            + Integer.toHexString(mask), "fw", "classid", c.classId()));
        }
        return out;
    }

    /** The helper's nft table: restores the packet mark ({@code fw}) or sets the priority ({@code nft}). */
    String nftScript(boolean fw) {
        String hex = "0x" + Integer.toHexString(mask);
        StringBuilder sb = new StringBuilder();
        sb.append("add table ").append(table).append('\n');
        sb.append("add chain ").append(table).append(" post { type filter hook postrouting priority -150; policy "
                + "accept; }\n");
        sb.append("flush chain ").append(table).append(" post\n");
        if (fw) {
            sb.append("add rule ").append(table).append(" post oifname \"").append(device).append("\" ct mark and ")
                    .append(hex).append(" != 0 meta mark set ct mark\n");
        } else {
            for (TcClass c : classes) {
                sb.append("add rule ").append(table).append(" post oifname \"").append(device)
                        .append("\" ct mark and ").append(hex).append(" == 0x").append(Integer.toHexString(c.mark()))
                        .append(" meta priority set ").append(c.classId()).append('\n');
            }
        }
        return sb.toString();
    }

    List<List<String>> removeCommands() {
        return List.of(List.of("tc", "qdisc", "del", "dev", device, "root"),
                List.of("nft", "delete", "table", table.split(" ")[0], table.split(" ")[1]));
    }
}
