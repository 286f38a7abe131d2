package org.flowmark.actuator.nftables.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.flowmark.api.actuator.Operation;

/**
 * Builds the nft script of one batch: one transaction (nft applies a buffer all or nothing).
 *
 * <p>Consecutive actions on the same set with the same kind are grouped into one element list:
 * <ul>
 * <li>ADD and REFRESH: {@code add element} (creates the absent ones), {@code delete element}, {@code add element}
 * with the timeout. nft's {@code add element} leaves an existing element's timeout alone (checked here: an element
 * re-added after 2 s still expired 2 s earlier), so the delete and re-add in the same transaction is what restarts
 * the timeout; the element is never absent for a packet, since the transaction commits at once.</li>
 * <li>REMOVE: {@code add element} then {@code delete element}, so removing an element that has already expired
 * (or was never there) does not fail the transaction.</li>
 * </ul>
 * Sets not known to exist are declared first ({@code add set ... flags timeout}: a no-op when the set exists with
 * the same type; nft rejects a set of the same name with another type). The table is not: when it is missing the
 * transaction fails, which tells the writer to recreate it with its script.
 */
final class NftScript {
    private NftScript() {
    }

    /** One item of a batch: where it goes and what to do. */
    record Item(NftTarget.Target target, Operation op) {
    }

    static String tableLine(String table) {
        return "add table " + table + "\n";
    }

    static String setLine(String table, String set, String type) {
        return "add set " + table + " " + set + " { type " + type + "; flags timeout; }\n";
    }

    /**
     * The script for {@code items}, in order, declaring the sets whose name is not in {@code known} (they are
     * added to {@code declared}, name to type).
     */
    static String build(String table, List<Item> items, Set<String> known, Map<String, String> declared) {
        StringBuilder sb = new StringBuilder(64 + items.size() * 64);
        Map<String, String> newSets = new LinkedHashMap<>();
        for (Item it : items) {
            if (!known.contains(it.target().set())) {
                newSets.putIfAbsent(it.target().set(), it.target().type());
            }
        }
        if (!newSets.isEmpty()) {
            newSets.forEach((name, type) -> sb.append(setLine(table, name, type)));
            declared.putAll(newSets);
        }
        int i = 0;
        while (i < items.size()) {
            Item first = items.get(i);
            boolean put = first.op() != Operation.REMOVE;
            String set = first.target().set();
            // key -> element with timeout; a later action on the same key in the group wins
            Map<String, String> group = new LinkedHashMap<>();
            int j = i;
            while (j < items.size() && items.get(j).target().set().equals(set)
                    && (items.get(j).op() != Operation.REMOVE) == put) {
                NftTarget.Target t = items.get(j).target();
                group.remove(t.key());
                group.put(t.key(), t.keyWithTimeout());
                j++;
            }
            String prefix = table + " " + set + " { ";
            if (put) {
                elements(sb.append("add element ").append(prefix), group.values()).append(" }\n");
                elements(sb.append("delete element ").append(prefix), group.keySet()).append(" }\n");
                elements(sb.append("add element ").append(prefix), group.values()).append(" }\n");
            } else {
                elements(sb.append("add element ").append(prefix), group.keySet()).append(" }\n");
                elements(sb.append("delete element ").append(prefix), group.keySet()).append(" }\n");
            }
            i = j;
        }
        return sb.toString();
    }

    private static StringBuilder elements(StringBuilder sb, Iterable<String> elements) {
        boolean firstEl = true;
        for (String e : elements) {
            if (!firstEl) {
                sb.append(", ");
            }
            sb.append(e);
            firstEl = false;
        }
        return sb;
    }
}
