package org.flowmark.launcher;

import java.util.List;

/**
 * One parsed command line.
 *
 * @param verb      what to do
 * @param format    output format of {@code read} ({@code ndjson} or {@code table}), {@code none} for bench
 * @param configDir the {@code --config} directory as given, or null for the default
 * @param console   {@code run --console}: start the interactive Gogo shell
 * @param files     capture files of {@code read}/{@code bench}, as given
 * @param repeat    {@code bench --repeat N}
 * @param socket    {@code status --socket PATH}, or null for the default
 */
public record Command(Verb verb, String format, String configDir, boolean console, List<String> files, int repeat,
        String socket) {

    /** The launcher's commands. */
    public enum Verb {
        RUN, READ, BENCH, DEMO, STATUS, HELP;

        /** Value of the {@code flowmark.mode} framework property. */
        public String mode() {
            return switch (this) {
                case RUN -> "run";
                case READ, DEMO -> "read";
                case BENCH -> "bench";
                case STATUS -> "status";
                case HELP -> "help";
            };
        }
    }

    public Command {
        files = List.copyOf(files);
    }

    /** True for the commands that read capture files and then stop by themselves. */
    public boolean readsFiles() {
        return verb == Verb.READ || verb == Verb.BENCH || verb == Verb.DEMO;
    }
}
