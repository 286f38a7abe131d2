package org.flowmark.launcher;

import java.util.ArrayList;
import java.util.List;

import org.flowmark.launcher.Command.Verb;

/** Parses the launcher's arguments into a {@link Command}. Pure: no file system access. */
public final class CommandLine {

    public static final String USAGE = String.join("\n",
            "Usage: flowmark <command> [options]",
            "",
            "Commands:",
            "  run [--config DIR] [--console]",
            "        capture live traffic as configured in DIR (default: <home>/config), until SIGTERM or Ctrl-C;",
            "        --console also starts the interactive Gogo shell",
            "  read [--format ndjson|table] [--config DIR] FILE...",
            "        classify the flows of pcap/pcapng files; records to stdout (default ndjson), summary to stderr",
            "  bench [--repeat N] [--config DIR] FILE",
            "        read FILE N times (default 5) without output and print throughput figures",
            "  demo  read the bundled sample capture (samples/demo.pcap) and print a table",
            "  status [status|stats|flows|detectors|services] [--socket PATH]",
            "        ask the running agent (default socket: <data>/flowmark.sock) for uptime, interfaces, packets,",
            "        drops, flows, detections, detectors and actuators with their bundle versions",
            "  help  this text",
            "",
            "Environment: FLOWMARK_HOME (installation), FLOWMARK_CONFIG (config directory), FLOWMARK_DATA",
            "             (state: framework cache, status socket), FLOWMARK_JAVA_OPTS (JVM options);",
            "             -Dflowmark.*=... sets framework properties; FLOWMARK_<PID>_<KEY>=value overrides a config",
            "             value (FLOWMARK_CAPTURE_INTERFACES=eth0 sets interfaces of org.flowmark.capture).",
            "Exit status: 0 ok, 1 some input could not be read or processed, 2 usage or startup error.");

    static final int DEFAULT_REPEAT = 5;

    private CommandLine() {
    }

    public static Command parse(String... args) throws UsageException {
        if (args.length == 0) {
            return new Command(Verb.HELP, null, null, false, List.of(), 0, null);
        }
        String first = args[0];
        Verb verb = switch (first) {
            case "run" -> Verb.RUN;
            case "read" -> Verb.READ;
            case "bench" -> Verb.BENCH;
            case "demo" -> Verb.DEMO;
            case "status" -> Verb.STATUS;
            case "help", "-h", "--help" -> Verb.HELP;
            default -> throw new UsageException("unknown command '" + first + "'");
        };
        String format = verb == Verb.BENCH ? "none" : verb == Verb.DEMO ? "table" : verb == Verb.READ ? "ndjson" : null;
        String config = null;
        String socket = null;
        boolean console = false;
        int repeat = verb == Verb.BENCH ? DEFAULT_REPEAT : 0;
        List<String> files = new ArrayList<>();
        boolean optionsDone = false;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (optionsDone || !a.startsWith("-") || a.equals("-")) {
                files.add(a);
                continue;
            }
            if (a.equals("--")) {
                optionsDone = true;
                continue;
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            switch (name) {
                case "--config" -> {
                    requireVerb(verb, name, Verb.RUN, Verb.READ, Verb.BENCH, Verb.DEMO);
                    if (value == null) {
                        value = next(args, ++i, name);
                    }
                    if (value.isEmpty()) {
                        throw new UsageException("--config needs a directory");
                    }
                    config = value;
                }
                case "--format" -> {
                    requireVerb(verb, name, Verb.READ);
                    if (value == null) {
                        value = next(args, ++i, name);
                    }
                    if (!value.equals("ndjson") && !value.equals("table")) {
                        throw new UsageException("--format must be ndjson or table, not '" + value + "'");
                    }
                    format = value;
                }
                case "--repeat" -> {
                    requireVerb(verb, name, Verb.BENCH);
                    if (value == null) {
                        value = next(args, ++i, name);
                    }
                    try {
                        repeat = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        throw new UsageException("--repeat needs a number, not '" + value + "'");
                    }
                    if (repeat < 1 || repeat > 1000) {
                        throw new UsageException("--repeat must be between 1 and 1000, not " + repeat);
                    }
                }
                case "--socket" -> {
                    requireVerb(verb, name, Verb.STATUS);
                    if (value == null) {
                        value = next(args, ++i, name);
                    }
                    if (value.isEmpty()) {
                        throw new UsageException("--socket needs a path");
                    }
                    socket = value;
                }
                case "--console" -> {
                    requireVerb(verb, name, Verb.RUN);
                    if (value != null) {
                        throw new UsageException("--console takes no value");
                    }
                    console = true;
                }
                case "-h", "--help" -> {
                    return new Command(Verb.HELP, null, null, false, List.of(), 0, null);
                }
                default -> throw new UsageException("unknown option '" + a + "' for " + first);
            }
        }
        switch (verb) {
            case READ, BENCH -> {
                if (files.isEmpty()) {
                    throw new UsageException(first + " needs at least one capture file");
                }
            }
            case STATUS -> {
                if (files.size() > 1 || (files.size() == 1
                        && !List.of("status", "stats", "flows", "detectors", "services").contains(files.get(0)))) {
                    throw new UsageException("status takes one of status, stats, flows, detectors, services, not '"
                            + String.join(" ", files) + "'");
                }
            }
            default -> {
                if (!files.isEmpty()) {
                    throw new UsageException(first + " takes no file arguments: '" + files.get(0) + "'");
                }
            }
        }
        return new Command(verb, format, config, console, files, repeat, socket);
    }

    private static String next(String[] args, int i, String option) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static void requireVerb(Verb verb, String option, Verb... allowed) throws UsageException {
        for (Verb v : allowed) {
            if (v == verb) {
                return;
            }
        }
        throw new UsageException("option " + option + " does not apply to " + verb.name().toLowerCase());
    }
}
