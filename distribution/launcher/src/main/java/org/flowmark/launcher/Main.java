package org.flowmark.launcher;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * {@code flowmark} command: boots the OSGi framework with the distribution's bundles.
 *
 * <p>{@code run} stays in the foreground until SIGTERM/Ctrl-C (or until the framework is stopped from the console).
 * {@code read}, {@code bench} and {@code demo} hand the files to the capture core through framework properties;
 * the core stops the framework when done, after setting the system property {@value Boot#EXIT_STATUS_PROPERTY}.
 */
public final class Main {

    /** Exit status for usage and startup errors. */
    public static final int EXIT_USAGE = 2;
    static final long STOP_WAIT_MILLIS = 20_000;

    private final Map<String, String> env;
    private final Properties system;
    private final PrintStream out;
    private final PrintStream err;

    public Main(Map<String, String> env, Properties system, PrintStream out, PrintStream err) {
        this.env = env;
        this.system = system;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        int status = new Main(System.getenv(), System.getProperties(), System.out, System.err).run(args);
        System.out.flush();
        System.exit(status);
    }

    /** Runs one command line and returns the exit status. */
    public int run(String... args) {
        Command cmd;
        try {
            cmd = CommandLine.parse(args);
        } catch (UsageException e) {
            err.println("flowmark: " + e.getMessage());
            err.println();
            err.println(CommandLine.USAGE);
            return EXIT_USAGE;
        }
        if (cmd.verb() == Command.Verb.HELP) {
            out.println(CommandLine.USAGE);
            return 0;
        }
        Path home;
        try {
            home = home();
        } catch (IllegalStateException e) {
            err.println("flowmark: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (cmd.verb() == Command.Verb.STATUS) {
            return status(cmd, home);
        }
        Path bundles = home.resolve("bundles");
        if (!Files.isDirectory(bundles)) {
            err.println("flowmark: " + bundles + " is not a directory: is FLOWMARK_HOME (" + home
                    + ") a Flowmark installation?");
            return EXIT_USAGE;
        }
        Path configDir = configDir(cmd, home);
        if (!Files.isDirectory(configDir)) {
            err.println("flowmark: config directory " + configDir + " does not exist or is not a directory");
            return EXIT_USAGE;
        }
        List<Path> files = new ArrayList<>();
        int unreadable = 0;
        if (cmd.readsFiles()) {
            List<String> given = cmd.verb() == Command.Verb.DEMO
                    ? List.of(home.resolve("samples").resolve("demo.pcap").toString())
                    : cmd.files();
            for (String f : given) {
                String problem = checkReadable(Path.of(f));
                if (problem != null) {
                    err.println("flowmark: skipping " + f + ": " + problem);
                    unreadable++;
                } else {
                    files.add(Path.of(f).toAbsolutePath().normalize());
                }
            }
            if (files.isEmpty()) {
                err.println("flowmark: no readable capture file");
                return 1;
            }
        }
        int status = boot(cmd, home, configDir, files);
        return status == 0 && unreadable > 0 ? 1 : status;
    }

    /**
     * Why {@code f} cannot be read as a capture file, or null when it can.
     */
    public static String checkReadable(Path f) {
        if (!Files.exists(f)) {
            return "no such file";
        }
        if (Files.isDirectory(f)) {
            return "is a directory";
        }
        if (!Files.isRegularFile(f)) {
            return "not a regular file";
        }
        if (!Files.isReadable(f)) {
            return "permission denied";
        }
        return null;
    }

    Path home() {
        String h = env.get("FLOWMARK_HOME");
        if (h == null || h.isBlank()) {
            h = system.getProperty("flowmark.home");
        }
        if (h != null && !h.isBlank()) {
            return Path.of(h).toAbsolutePath().normalize();
        }
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path lib = jar.getParent();
            if (lib != null && lib.getParent() != null) {
                return lib.getParent().toAbsolutePath().normalize();
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through
        }
        throw new IllegalStateException("cannot locate the installation: set FLOWMARK_HOME");
    }

    /** State directory: framework cache, status socket, config overlay ({@code FLOWMARK_DATA}, else home/data). */
    Path dataDir(Path home) {
        String data = system.getProperty("flowmark.launcher.data");
        if (data == null || data.isBlank()) {
            data = env.get("FLOWMARK_DATA");
        }
        return data != null && !data.isBlank() ? Path.of(data).toAbsolutePath().normalize() : home.resolve("data");
    }

    /** Where {@code run} listens and {@code status} asks: -Dflowmark.status.socket, else data/flowmark.sock. */
    Path socketPath(Command cmd, Path home) {
        if (cmd.socket() != null) {
            return Path.of(cmd.socket());
        }
        String s = system.getProperty("flowmark.status.socket");
        return s != null && !s.isBlank() ? Path.of(s) : dataDir(home).resolve("flowmark.sock");
    }

    /** {@code flowmark status}: one request over the agent's Unix domain socket; prints the answer. */
    int status(Command cmd, Path home) {
        Path sock = socketPath(cmd, home);
        String what = cmd.files().isEmpty() ? "status" : cmd.files().get(0);
        if (!Files.exists(sock)) {
            err.println("flowmark: no agent status socket at " + sock + ": is 'flowmark run' running with this "
                    + "FLOWMARK_DATA (or use --socket PATH)?");
            return 1;
        }
        try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(
                java.net.UnixDomainSocketAddress.of(sock))) {
            c.write(java.nio.ByteBuffer.wrap((what + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(8192);
            while (c.read(buf) >= 0) {
                answer.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            String text = answer.toString(java.nio.charset.StandardCharsets.UTF_8);
            out.print(text);
            out.flush();
            return text.startsWith("error:") ? 1 : 0;
        } catch (java.net.SocketException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("ermission")) {
                err.println("flowmark: permission denied on " + sock + ": run as root or as a member of the agent's "
                        + "group");
            } else {
                err.println("flowmark: the agent does not answer on " + sock + " (" + m + "): is it running?");
            }
            return 1;
        } catch (IOException e) {
            err.println("flowmark: cannot ask the agent on " + sock + ": " + e);
            return 1;
        }
    }

    Path configDir(Command cmd, Path home) {
        String c = cmd.configDir();
        if (c == null) {
            c = env.get("FLOWMARK_CONFIG");
        }
        if (c == null || c.isBlank()) {
            return home.resolve("config");
        }
        return Path.of(c).toAbsolutePath().normalize();
    }

    /** Seconds to wait for a read or bench run: generous, in proportion to the input. */
    long readTimeoutSeconds(Command cmd, List<Path> files) {
        String override = system.getProperty("flowmark.launcher.timeout");
        if (override != null) {
            try {
                return Math.max(1, Long.parseLong(override.trim()));
            } catch (NumberFormatException e) {
                err.println("flowmark: ignoring flowmark.launcher.timeout=" + override + ": not a number");
            }
        }
        long bytes = 0;
        for (Path f : files) {
            try {
                bytes += Files.size(f);
            } catch (IOException e) {
                // counted as empty; the core reports the file
            }
        }
        long passes = cmd.verb() == Command.Verb.BENCH ? cmd.repeat() : 1;
        // 120 s to boot plus 4 s per MB per pass: two orders of magnitude slower than the core should be.
        return 120 + passes * (bytes / 250_000);
    }

    private int boot(Command cmd, Path home, Path configDir, List<Path> files) {
        Path storage;
        boolean tempStorage = cmd.readsFiles();
        try {
            storage = storage(home, tempStorage);
        } catch (IOException e) {
            err.println("flowmark: cannot create the framework storage directory: " + e);
            return EXIT_USAGE;
        }
        TreeMap<Integer, List<Path>> byLevel;
        try {
            byLevel = Boot.scanBundles(home.resolve("bundles"), err);
        } catch (IOException e) {
            err.println("flowmark: cannot list " + home.resolve("bundles") + ": " + e);
            return EXIT_USAGE;
        }
        Path overlayToDelete = null;
        Map<String, String> props = Boot.frameworkProperties(home, configDir, storage, cmd, files,
                Boot.beginningLevel(byLevel), system);
        if (cmd.verb() == Command.Verb.RUN && !props.containsKey("flowmark.status.socket")) {
            props.put("flowmark.status.socket", socketPath(cmd, home).toString());
        }
        Thread envWatch = null;
        if (EnvConfig.hasOverrides(env)) {
            // config values from FLOWMARK_<PID>_<KEY>: FileInstall watches an overlay of config/ (see EnvConfig)
            // (not inside the framework storage: the framework cleans that at init)
            Path overlay = tempStorage ? storage.resolveSibling(storage.getFileName() + ".config-env")
                    : dataDir(home).resolve("config-env");
            if (tempStorage) {
                overlayToDelete = overlay;
            }
            EnvConfig ec = new EnvConfig(configDir, overlay, env, err)
                    .withMetatype(EnvConfig.metatypeKeys(home.resolve("bundles"), err));
            try {
                ec.sync();
            } catch (IOException e) {
                err.println("flowmark: cannot write the configuration overlay " + overlay + ": " + e);
                return EXIT_USAGE;
            }
            props.put("felix.fileinstall.dir", home.resolve("deploy") + "," + overlay);
            if (cmd.verb() == Command.Verb.RUN) {
                envWatch = ec.watch(500);
            }
        }
        Map<String, Object> config = new HashMap<>(props);
        config.put("felix.log.logger", new StderrLogger(err));

        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, Main.class.getClassLoader())
                .findFirst().orElse(null);
        if (factory == null) {
            err.println("flowmark: no OSGi framework in lib/ (org.apache.felix.framework jar missing)");
            return EXIT_USAGE;
        }
        System.clearProperty(Boot.EXIT_STATUS_PROPERTY);
        @SuppressWarnings({"unchecked", "rawtypes"})
        Framework fw = factory.newFramework((Map) config);
        AtomicBoolean cleaned = new AtomicBoolean();
        Path overlayDir = overlayToDelete;
        Runnable cleanup = () -> {
            if (tempStorage && cleaned.compareAndSet(false, true)) {
                deleteTree(storage);
                if (overlayDir != null) {
                    deleteTree(overlayDir);
                    deleteTree(overlayDir.resolveSibling(overlayDir.getFileName() + ".tmp"));
                }
            }
        };
        PrintStream stdout = System.out;
        PrintStream guarded = null;
        Thread hook = new Thread(() -> {
            stopAndWait(fw);
            System.out.flush();
            cleanup.run();
        }, "flowmark-shutdown");
        try {
            fw.init();
            Set<String> failed = Boot.newFailedSet();
            fw.getBundleContext().addFrameworkListener(Boot.errorReporter(err, failed));
            LogForwarder.install(fw.getBundleContext(), err, props.get("flowmark.log.level"));
            if (tempStorage) {
                guarded = new PrintStream(new StdoutGuard(
                        new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), err), false);
                System.setOut(guarded);
                divertStdoutOnStop(fw);
            }
            List<Bundle> installed = Boot.installBundles(fw.getBundleContext(), byLevel, err);
            Runtime.getRuntime().addShutdownHook(hook);
            fw.start();
            if (cmd.verb() == Command.Verb.RUN) {
                fw.waitForStop(0);
                return 0;
            }
            return awaitCore(cmd, fw, installed, failed, files);
        } catch (BundleException | RuntimeException e) {
            err.println("flowmark: cannot start the OSGi framework: " + Boot.reason(e));
            stopAndWait(fw);
            return EXIT_USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopAndWait(fw);
            return EXIT_USAGE;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook is running
            }
            if (fw.getState() != Bundle.RESOLVED && fw.getState() != Bundle.INSTALLED) {
                stopAndWait(fw);
            }
            if (envWatch != null) {
                envWatch.interrupt();
            }
            cleanup.run();
            if (guarded != null) {
                guarded.close(); // writes out a last unterminated line, flushes stdout
            }
            System.setOut(stdout);
        }
    }

    /**
     * In read and bench modes the core has drained the sinks before it stops the framework: from then on stdout
     * must stay clean, yet some bundles print shutdown warnings to {@code System.out} (EventAdmin does when its
     * log service is gone). On the framework's STOPPING event, stdout is flushed and {@code System.out} becomes
     * stderr; {@link #boot} restores it.
     */
    private void divertStdoutOnStop(Framework fw) {
        fw.getBundleContext().addBundleListener((SynchronousBundleListener) event -> {
            if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
                System.out.flush();
                System.setOut(err);
            }
        });
    }

    private int awaitCore(Command cmd, Framework fw, List<Bundle> installed, Set<String> failed, List<Path> files)
            throws InterruptedException {
        Bundle core = installed.stream().filter(b -> Boot.CORE_BUNDLE.equals(b.getSymbolicName())).findFirst()
                .orElse(null);
        if (core == null) {
            err.println("flowmark: the capture core (bundle " + Boot.CORE_BUNDLE + ") is not installed: nothing can "
                    + "read the files");
            return EXIT_USAGE;
        }
        if (fw.getState() == Bundle.ACTIVE && core.getState() != Bundle.ACTIVE && core.getState() != Bundle.STARTING) {
            err.println("flowmark: the capture core (bundle " + Boot.name(core) + ") did not start"
                    + (failed.contains(Boot.CORE_BUNDLE) ? "" : "; see the messages above"));
            return EXIT_USAGE;
        }
        long timeout = readTimeoutSeconds(cmd, files);
        FrameworkEvent ev = fw.waitForStop(timeout * 1000);
        if (ev.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
            err.println("flowmark: the capture core did not finish within " + timeout + " s; stopping (set "
                    + "-Dflowmark.launcher.timeout=SECONDS in FLOWMARK_JAVA_OPTS to wait longer)");
            return EXIT_USAGE;
        }
        String s = System.getProperty(Boot.EXIT_STATUS_PROPERTY);
        if ("0".equals(s)) {
            return 0;
        }
        if ("1".equals(s)) {
            return 1;
        }
        err.println("flowmark: the framework stopped without an exit status from the capture core"
                + (s == null ? "" : " (" + Boot.EXIT_STATUS_PROPERTY + "=" + s + ")")
                + "; the run did not complete");
        return EXIT_USAGE;
    }

    private void stopAndWait(Framework fw) {
        int state = fw.getState();
        if (state != Bundle.ACTIVE && state != Bundle.STARTING && state != Bundle.STOPPING) {
            return;
        }
        try {
            if (state != Bundle.STOPPING) {
                fw.stop();
            }
            FrameworkEvent ev = fw.waitForStop(STOP_WAIT_MILLIS);
            if (ev.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                err.println("flowmark: the framework did not stop within " + STOP_WAIT_MILLIS / 1000 + " s");
            }
        } catch (BundleException | RuntimeException e) {
            err.println("flowmark: error while stopping: " + Boot.reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Path storage(Path home, boolean temp) throws IOException {
        Path dataDir = dataDir(home);
        if (!temp) {
            Path cache = dataDir.resolve("felix-cache");
            Files.createDirectories(cache);
            return cache;
        }
        // Read runs may overlap (scripts, tests): each gets its own storage, deleted at exit.
        try {
            Files.createDirectories(dataDir);
            return Files.createTempDirectory(dataDir, "read-");
        } catch (IOException e) {
            return Files.createTempDirectory("flowmark-read-");
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: data/ is disposable
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
