package org.flowmark.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * How the distribution boots: the framework properties and the installation of {@code bundles/}.
 *
 * <p>{@code bundles/} holds one directory per start level, named {@code <level>-<what>} (for example
 * {@code 1-log}, {@code 5-core}); a jar directly in {@code bundles/} gets {@link #DEFAULT_START_LEVEL}.
 * Bundles dropped into {@code deploy/} are installed by FileInstall at {@link #DEPLOY_START_LEVEL}.
 * The integration tests boot the framework through this same class.
 */
public final class Boot {

    /** Symbolic name of the capture core, which ends read and bench runs by stopping the framework. */
    public static final String CORE_BUNDLE = "org.flowmark.capture";
    /** Start level of jars placed directly in {@code bundles/}. */
    public static final int DEFAULT_START_LEVEL = 4;
    /** Start level of bundles hot-deployed into {@code deploy/} (detectors, sinks: before the core). */
    public static final int DEPLOY_START_LEVEL = 4;
    /** JVM system property the core sets to "0" or "1" before it stops the framework in read and bench modes. */
    public static final String EXIT_STATUS_PROPERTY = "flowmark.exit.status";

    private Boot() {
    }

    /**
     * The start level encoded in a {@code bundles/} sub-directory name ({@code "2-libs"} gives 2), or -1 when the
     * name does not start with a number from 1 to 99.
     */
    public static int startLevelOf(String dirName) {
        int i = 0;
        while (i < dirName.length() && i < 3 && Character.isDigit(dirName.charAt(i))) {
            i++;
        }
        if (i == 0 || i > 2 || (i < dirName.length() && dirName.charAt(i) != '-')) {
            return -1;
        }
        int level = Integer.parseInt(dirName.substring(0, i));
        return level >= 1 ? level : -1;
    }

    /** The jars of {@code bundlesDir} by start level, sorted by file name within a level. */
    public static TreeMap<Integer, List<Path>> scanBundles(Path bundlesDir, PrintStream err) throws IOException {
        TreeMap<Integer, List<Path>> byLevel = new TreeMap<>();
        try (DirectoryStream<Path> top = Files.newDirectoryStream(bundlesDir)) {
            for (Path p : top) {
                String name = p.getFileName().toString();
                if (Files.isDirectory(p)) {
                    int level = startLevelOf(name);
                    if (level < 0) {
                        err.println("flowmark: ignoring " + p + ": bundle directories are named <start level>-<name>");
                        continue;
                    }
                    try (Stream<Path> jars = Files.list(p)) {
                        byLevel.computeIfAbsent(level, k -> new ArrayList<>())
                                .addAll(jars.filter(Boot::isJar).collect(Collectors.toList()));
                    }
                } else if (isJar(p)) {
                    byLevel.computeIfAbsent(DEFAULT_START_LEVEL, k -> new ArrayList<>()).add(p);
                }
            }
        }
        byLevel.values().forEach(l -> l.sort(null));
        return byLevel;
    }

    private static boolean isJar(Path p) {
        return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar");
    }

    /** The highest start level among {@code byLevel} and the deploy level: the framework's beginning level. */
    public static int beginningLevel(Map<Integer, List<Path>> byLevel) {
        int max = DEPLOY_START_LEVEL;
        for (int l : byLevel.keySet()) {
            max = Math.max(max, l);
        }
        return max;
    }

    /**
     * Installs every jar of {@code byLevel} with its start level and marks it persistently started (fragments are
     * only installed). A jar that cannot be installed or started is reported on {@code err} with the reason and
     * skipped; the others continue. Call between {@code init()} and {@code start()} of the framework.
     *
     * @return the bundles installed
     */
    public static List<Bundle> installBundles(BundleContext ctx, Map<Integer, List<Path>> byLevel, PrintStream err) {
        List<Bundle> installed = new ArrayList<>();
        for (Map.Entry<Integer, List<Path>> e : byLevel.entrySet()) {
            for (Path jar : e.getValue()) {
                Bundle b;
                try {
                    b = ctx.installBundle(jar.toUri().toString());
                } catch (BundleException | RuntimeException ex) {
                    err.println("flowmark: cannot install " + jar.getFileName() + ": " + reason(ex));
                    continue;
                }
                installed.add(b);
                try {
                    b.adapt(BundleStartLevel.class).setStartLevel(e.getKey());
                    if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                        b.start();
                    }
                } catch (BundleException | RuntimeException ex) {
                    err.println("flowmark: cannot start " + name(b) + ": " + reason(ex));
                }
            }
        }
        return installed;
    }

    /**
     * A listener that reports framework errors (a bundle failing to start during the start-level change, a DS
     * component failing, ...) on {@code err} with the bundle name and the reason, and records the bundles that
     * failed in {@code failed}.
     */
    public static FrameworkListener errorReporter(PrintStream err, Set<String> failed) {
        return event -> {
            if (event.getType() == FrameworkEvent.ERROR) {
                Bundle b = event.getBundle();
                String who = b == null || b.getBundleId() == 0 ? "framework" : name(b);
                if (b != null && b.getBundleId() != 0 && b.getSymbolicName() != null) {
                    failed.add(b.getSymbolicName());
                }
                err.println("flowmark: " + who + ": " + reason(event.getThrowable()));
            } else if (event.getType() == FrameworkEvent.WARNING && event.getThrowable() != null) {
                Bundle b = event.getBundle();
                err.println("flowmark: warning: " + (b == null ? "framework" : name(b)) + ": "
                        + reason(event.getThrowable()));
            }
        };
    }

    /** A thread-safe set for {@link #errorReporter}. */
    public static Set<String> newFailedSet() {
        return Collections.newSetFromMap(new ConcurrentHashMap<>());
    }

    /** {@code symbolic-name version (file)} of a bundle. */
    public static String name(Bundle b) {
        String sn = b.getSymbolicName();
        return (sn == null ? b.getLocation() : sn + " " + b.getVersion());
    }

    /** The message of an exception and of its causes, on one line. */
    public static String reason(Throwable t) {
        if (t == null) {
            return "(no reason given)";
        }
        StringBuilder sb = new StringBuilder();
        Throwable c = t;
        for (int depth = 0; c != null && depth < 5; depth++, c = c.getCause()) {
            String m = c.getMessage();
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(m == null || m.isBlank() ? c.getClass().getName() : m.replace('\n', ' ').trim());
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.toString();
    }

    /**
     * The framework properties of a run.
     *
     * @param home      installation directory (holds {@code bundles/}, {@code deploy/}, ...)
     * @param configDir directory of ConfigAdmin files, watched
     * @param storage   framework storage directory (cleaned at start)
     * @param cmd       the command
     * @param files     absolute paths of the readable capture files (read, bench, demo)
     * @param beginning framework beginning start level
     * @param system    JVM system properties: {@code flowmark.*} and {@code felix.*} entries override the defaults
     */
    public static Map<String, String> frameworkProperties(Path home, Path configDir, Path storage, Command cmd,
            List<Path> files, int beginning, Properties system) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        p.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        p.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(beginning));
        p.put("felix.startlevel.bundle", Integer.toString(DEPLOY_START_LEVEL));
        p.put("felix.log.level", "1");
        // Felix's own messages go to stderr through StderrLogger, set by the launcher as an object property.

        // FileInstall: deploy/ (bundles) and config/ (ConfigAdmin .cfg/.config), comma-separated dirs.
        p.put("felix.fileinstall.dir", home.resolve("deploy") + "," + configDir);
        p.put("felix.fileinstall.poll", "250"); // a dropped bundle is active within ~0.5 s
        p.put("felix.fileinstall.noInitialDelay", "true");
        p.put("felix.fileinstall.log.level", "2"); // warnings: a deployed bundle that cannot start, by name
        p.put("felix.fileinstall.log.default", "jul");
        p.put("felix.fileinstall.enableConfigSave", "false");
        p.put("felix.fileinstall.bundles.new.start", "true");
        p.put("felix.fileinstall.start.level", Integer.toString(DEPLOY_START_LEVEL));
        p.put("felix.fileinstall.tmpdir", storage.resolve("fileinstall-tmp").toString());

        // ConfigAdmin keeps nothing across runs: config/ is the single source of truth.
        p.put("felix.cm.dir", storage.resolve("config").toString());
        // SCR: errors only, through the log service.
        p.put("ds.loglevel", "error");

        // EventAdmin: the JSON sink blocks on purpose while it drains (read mode backpressure, DRAIN at stop), so
        // it must never be deny-listed for exceeding the handler timeout. Reading files delivers synchronously
        // (sendEvent from the reader thread); without a timeout Felix calls handlers on that thread directly
        // instead of handing each event to a pool thread and waiting for it.
        p.put("org.apache.felix.eventadmin.IgnoreTimeout", "org.flowmark.sink.json.internal.*");
        // EventAdmin re-posts every framework, bundle, service and log event as an event of its own; nothing here
        // subscribes to those, and at shutdown their backlog is what EventAdmin interrupts (and complains about on
        // stdout). Ignored topics are dropped before they are queued.
        p.put("org.apache.felix.eventadmin.IgnoreTopic", "org/osgi/framework/*,org/osgi/service/log/*");
        if (cmd.readsFiles()) {
            p.put("org.apache.felix.eventadmin.Timeout", "0");
        }

        // Gogo: never interactive unless asked; with --noi it neither prints nor reads stdin.
        p.put("gosh.args", cmd.console() ? "" : "--noi");

        p.put("flowmark.home", home.toString());
        p.put("flowmark.config.dir", configDir.toString());
        p.put("flowmark.mode", cmd.verb().mode());
        if (cmd.readsFiles()) {
            p.put("flowmark.read.files", files.stream().map(Path::toString).collect(Collectors.joining("\n")));
            p.put("flowmark.output.format", cmd.format());
        }
        if (cmd.verb() == Command.Verb.BENCH) {
            p.put("flowmark.bench.repeat", Integer.toString(cmd.repeat()));
        }
        for (String k : system.stringPropertyNames()) {
            if ((k.startsWith("flowmark.") || k.startsWith("felix.") || k.startsWith("gosh."))
                    && !k.equals(EXIT_STATUS_PROPERTY) && !k.startsWith("flowmark.launcher.")
                    && !k.equals("flowmark.home")) {
                p.put(k, system.getProperty(k));
            }
        }
        return p;
    }
}
