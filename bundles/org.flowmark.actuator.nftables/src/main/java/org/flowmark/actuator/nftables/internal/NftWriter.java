package org.flowmark.actuator.nftables.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.ActuatorException;

/**
 * Applies batches to the kernel: one nft transaction per batch ({@link NftScript}). Survives its table or sets
 * being deleted behind its back (recreates them, reloads the configured script, retries once); isolates a bad
 * action by retrying the batch one action per transaction; says clearly when nftables cannot work here.
 * Used by one thread (the engine's thread for this actuator).
 */
final class NftWriter implements AutoCloseable {

    /** Opens the nft backend; {@link LibNftables#open} in production. */
    interface Opener {
        Nft open() throws Nft.NftException;
    }

    private final Opener opener;
    private final String table;
    private final Path script;
    private final Consumer<String> warn;
    private Nft nft;
    private String openError;
    /** Sets known to exist in the kernel with their type (cleared when something was found missing). */
    private final Map<String, String> known = new HashMap<>();
    /** The table was seen or created by this writer (else the next batch checks it first). */
    private boolean tableKnown;

    // written by the actuator's apply thread only, read by status
    volatile long batches;
    volatile long elements;
    volatile long failures;
    volatile long recreations;
    long lastBatchNanos;
    /** Time spent inside libnftables (parse + netlink transaction) by the last batch. */
    long lastNftNanos;

    NftWriter(Opener opener, String table, Path script, Consumer<String> warn) {
        this.opener = opener;
        this.table = table;
        this.script = script;
        this.warn = warn;
    }

    /**
     * Checks that nftables works here; with a script, creates the table and loads it (without, the table is
     * created with the first set). Returns null when done, else the reason it cannot work.
     */
    String start() {
        try {
            if (script != null) {
                ensureTable(true);
            } else {
                try {
                    nft().run("list tables\n");
                } catch (Nft.NftException e) {
                    throw fatal(e, "cannot list tables");
                }
            }
            return null;
        } catch (ActuatorException e) {
            return e.getMessage();
        }
    }

    private Nft nft() throws ActuatorException {
        if (nft == null) {
            try {
                nft = opener.open();
                openError = null;
            } catch (Nft.NftException e) {
                openError = e.getMessage();
                throw new ActuatorException("nftables: " + openError, 0);
            }
        }
        return nft;
    }

    /** {@code add table} and, when the table was absent (or {@code always}), the configured script. */
    private void ensureTable(boolean always) throws ActuatorException {
        Nft n = nft();
        boolean present = true;
        if (!always) {
            try {
                // 'list tables', not 'list table': that would dump every element
                present = n.run("list tables\n").lines().anyMatch(l -> l.trim().equals("table " + table));
            } catch (Nft.NftException e) {
                throw fatal(e, "cannot list tables");
            }
        }
        try {
            n.run(NftScript.tableLine(table));
        } catch (Nft.NftException e) {
            throw fatal(e, "cannot create table " + table);
        }
        boolean hadTable = tableKnown;
        tableKnown = true;
        if (!present || always) {
            if (!present && hadTable) {
                recreations++;
                warn.accept("nftables: table " + table + " was deleted behind our back; recreated"
                        + (script != null ? " and " + script + " reloaded" : ""));
            }
            loadScript(n);
        }
    }

    private void loadScript(Nft n) throws ActuatorException {
        if (script == null) {
            return;
        }
        String text;
        try {
            text = Files.readString(script, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ActuatorException("nftables: cannot read script " + script + ": " + e, 0);
        }
        try {
            n.run(text);
        } catch (Nft.NftException e) {
            throw new ActuatorException("nftables: script " + script + " rejected: " + e.brief(), 0);
        }
    }

    private ActuatorException fatal(Nft.NftException e, String what) {
        String why = e.notPermitted() ? "not permitted: run Flowmark as root or with CAP_NET_ADMIN"
                : e.unsupported() ? "no nf_tables support in the kernel (modprobe nf_tables)" : e.brief();
        return new ActuatorException("nftables: " + what + ": " + why, 0);
    }

    /** Applies the batch; throws naming what failed (the valid actions are applied regardless). */
    void apply(List<Action> batch) throws ActuatorException {
        long t0 = System.nanoTime();
        List<NftScript.Item> items = new ArrayList<>(batch.size());
        List<String> errors = new ArrayList<>();
        int failed = 0;
        for (Action a : batch) {
            try {
                items.add(new NftScript.Item(NftTarget.target(a), a.operation()));
            } catch (IllegalArgumentException e) {
                failed++;
                errors.add("rule " + a.rule() + ": " + e.getMessage());
            }
        }
        if (!items.isEmpty()) {
            batches++;
            Nft n;
            Nft.NftException err;
            try {
                n = nft();
                if (!tableKnown) {
                    ensureTable(false);
                }
                err = runItems(n, items);
                if (err != null && err.missing()) {
                    // table or set deleted behind our back: recreate (with the script), declare the sets again
                    known.clear();
                    ensureTable(false);
                    err = runItems(n, items);
                }
            } catch (ActuatorException e) {
                failures += batch.size();
                throw new ActuatorException(e.getMessage(), batch.size(), e);
            }
            if (err != null) {
                if (err.notPermitted() || err.unsupported()) {
                    failures += items.size();
                    throw new ActuatorException(fatal(err, "batch of " + items.size() + " rejected").getMessage(),
                            batch.size());
                }
                // find the culprit(s): one transaction per action
                for (NftScript.Item it : items) {
                    Nft.NftException one = runItems(n, List.of(it));
                    if (one != null) {
                        failed++;
                        errors.add("set " + it.target().set() + " element " + it.target().key() + ": "
                                + one.brief());
                    } else {
                        elements++;
                    }
                }
            } else {
                elements += items.size();
            }
        }
        lastBatchNanos = System.nanoTime() - t0;
        if (failed > 0) {
            failures += failed;
            throw new ActuatorException("nftables: " + failed + " of " + batch.size() + " actions failed: "
                    + String.join("; ", errors.subList(0, Math.min(3, errors.size())))
                    + (errors.size() > 3 ? "; ..." : ""), failed);
        }
    }

    /** Runs one transaction; null when applied. */
    private Nft.NftException runItems(Nft n, List<NftScript.Item> items) {
        Map<String, String> declared = new LinkedHashMap<>();
        String text = NftScript.build(table, items, known.keySet(), declared);
        long t0 = System.nanoTime();
        try {
            n.run(text);
            lastNftNanos = System.nanoTime() - t0;
            known.putAll(declared);
            return null;
        } catch (Nft.NftException e) {
            return e;
        }
    }

    /** The script a batch would run (dry run); invalid actions are reported in comments. */
    String dryRun(List<Action> batch) {
        StringBuilder sb = new StringBuilder();
        List<NftScript.Item> items = new ArrayList<>();
        for (Action a : batch) {
            try {
                items.add(new NftScript.Item(NftTarget.target(a), a.operation()));
            } catch (IllegalArgumentException e) {
                sb.append("# rule ").append(a.rule()).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return sb.append(NftScript.build(table, items, known.keySet(), new HashMap<>())).toString();
    }

    String counters() {
        return "batches " + batches + ", elements " + elements + ", failed " + failures + ", table recreations "
                + recreations + (openError != null ? ", unavailable: " + openError : "");
    }

    /** The same counters by name, for {@code flowmark status}. */
    java.util.Map<String, Long> counterMap() {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("batches", batches);
        m.put("elements", elements);
        m.put("failed", failures);
        m.put("table_recreations", recreations);
        m.put("unavailable", openError != null ? 1L : 0L);
        return m;
    }

    @Override
    public void close() {
        if (nft != null) {
            nft.close();
            nft = null;
        }
    }
}
