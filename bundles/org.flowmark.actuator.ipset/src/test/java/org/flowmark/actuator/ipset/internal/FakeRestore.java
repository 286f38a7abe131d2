package org.flowmark.actuator.ipset.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An in-memory stand-in for {@code ipset -exist restore} with the behaviour that matters to the writer: commands
 * are held until COMMIT (then applied in order), {@code list -n SET} prints the name, the first failing line
 * prints {@code Error in line N: ...} and ends the process, as the real one does.
 */
final class FakeRestore implements RestoreChannel.Launcher {
    /** The "kernel": set name to its elements (with their timeouts) and its create line. */
    final Map<String, Map<String, String>> sets = new LinkedHashMap<>();
    final Map<String, String> createLines = new LinkedHashMap<>();
    final List<String> allLines = new ArrayList<>();
    /** Elements whose add fails with this message (simulates a kernel refusal). */
    final Map<String, String> refuse = new LinkedHashMap<>();
    String failEverything; // e.g. "Kernel error received: Operation not permitted"
    int starts;
    Child current;

    @Override
    public RestoreChannel start() throws IOException {
        starts++;
        return current = new Child();
    }

    final class Child implements RestoreChannel {
        final List<String> pending = new ArrayList<>();
        final List<Integer> pendingNo = new ArrayList<>();
        final List<String> out = new ArrayList<>();
        String err = "";
        boolean alive = true;
        int lineNo;

        void die(int line, String msg) {
            alive = false;
            err = "ipset v7.17: Error in line " + line + ": " + msg;
        }

        @Override
        public void write(String text) throws IOException {
            if (!alive) {
                throw new IOException("Broken pipe");
            }
            for (String l : text.split("\n")) {
                lineNo++;
                allLines.add(l);
                if (!alive) {
                    return;
                }
                if (l.equals("COMMIT")) {
                    commit();
                } else if (l.startsWith("list -n ")) {
                    String s = l.substring(8);
                    if (sets.containsKey(s)) {
                        out.add(s);
                    } else {
                        die(lineNo, "The set with the given name does not exist");
                    }
                } else {
                    pending.add(l);
                    pendingNo.add(lineNo);
                }
            }
        }

        private void commit() {
            for (int i = 0; i < pending.size() && alive; i++) {
                String[] w = pending.get(i).split(" ", 4);
                int no = pendingNo.get(i);
                if (failEverything != null) {
                    die(no, failEverything);
                    break;
                }
                switch (w[0]) {
                    case "create": {
                        String line = pending.get(i);
                        String prev = createLines.get(w[1]);
                        if (prev != null && !prev.equals(line)) {
                            die(no, "Set cannot be created: set with the same name already exists");
                        } else if (prev == null) {
                            createLines.put(w[1], line);
                            sets.put(w[1], new LinkedHashMap<>());
                        }
                        break;
                    }
                    case "add":
                    case "del": {
                        Map<String, String> set = sets.get(w[1]);
                        if (set == null) {
                            die(no, "The set with the given name does not exist");
                        } else if (refuse.containsKey(w[2])) {
                            die(no, refuse.get(w[2]));
                        } else if (w[0].equals("add")) {
                            set.put(w[2], w.length > 3 ? w[3] : "");
                        } else {
                            set.remove(w[2]);
                        }
                        break;
                    }
                    default:
                        die(no, "Syntax error");
                }
            }
            pending.clear();
            pendingNo.clear();
        }

        @Override
        public String readLine(long timeoutMs) {
            return out.isEmpty() ? null : out.remove(0);
        }

        @Override
        public boolean alive() {
            return alive;
        }

        @Override
        public String errors(long waitMs) {
            return err;
        }

        @Override
        public void close() {
            alive = false;
        }
    }

    void destroy(String set) {
        sets.remove(set);
        createLines.remove(set);
    }

    Set<String> elements(String set) {
        return sets.containsKey(set) ? new LinkedHashSet<>(sets.get(set).keySet()) : Set.of();
    }
}
