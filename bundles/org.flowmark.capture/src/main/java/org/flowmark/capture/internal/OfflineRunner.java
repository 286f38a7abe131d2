package org.flowmark.capture.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.flowmark.api.flow.PurgeReason;
import org.flowmark.capture.internal.dispatch.DetectorRegistry;
import org.flowmark.capture.internal.engine.CaptureEngine;
import org.flowmark.capture.internal.engine.EngineConfig;
import org.flowmark.capture.internal.engine.EventPublisher;
import org.flowmark.capture.internal.source.PcapFileSource;
import org.flowmark.capture.internal.source.RawPacket;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * {@code flowmark read} and {@code flowmark bench}: when the launcher sets the framework property
 * {@code flowmark.mode} to {@code read} or {@code bench}, this component runs the capture files named in
 * {@code flowmark.read.files} (one per line) through the core once the framework has started (so every detector and
 * sink bundle is active), then sets the JVM property {@code flowmark.exit.status} and stops the framework.
 *
 * <p>read: every flow is purged at the end of its file (reason {@code source_end}); events are sent synchronously
 * so nothing is lost; a summary goes to stderr. bench: the pipeline is timed in stages over the same file in
 * memory (read only, + decode, + flow tracking, + detectors), repeated, with heap per flow.
 */
@Component(immediate = true)
public final class OfflineRunner implements FrameworkListener {
    static final String PID = "org.flowmark.capture";

    private final BundleContext context;
    private final EventAdmin eventAdmin;
    private final DetectorRegistry registry;
    private final ConfigurationAdmin configAdmin;
    private final Logger log;
    private final String mode;
    private volatile Thread worker;
    private volatile boolean stopped;

    @Activate
    public OfflineRunner(BundleContext context, @Reference EventAdmin eventAdmin,
            @Reference DetectorRegistry registry,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL) ConfigurationAdmin configAdmin,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.eventAdmin = eventAdmin;
        this.registry = registry;
        this.configAdmin = configAdmin;
        this.log = log;
        this.mode = String.valueOf(context.getProperty("flowmark.mode"));
        if (!"read".equals(mode) && !"bench".equals(mode)) {
            return;
        }
        context.addFrameworkListener(this);
        if (context.getBundle(0).getState() == org.osgi.framework.Bundle.ACTIVE) {
            start();
        }
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.STARTED) {
            start();
        }
    }

    private synchronized void start() {
        if (worker != null) {
            return;
        }
        worker = new Thread(this::runAndStop, "flowmark-" + mode);
        worker.start();
    }

    @Deactivate
    void deactivate() {
        stopped = true;
        context.removeFrameworkListener(this);
        Thread w = worker;
        if (w != null && w != Thread.currentThread()) {
            try {
                w.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void runAndStop() {
        int status;
        try {
            CaptureConfig cfg = readConfig();
            EngineConfig ec = Configs.engine(cfg).withExpireIdle(cfg.offlineIdleExpiry());
            List<Path> files = new ArrayList<>();
            String list = context.getProperty("flowmark.read.files");
            if (list != null) {
                for (String line : list.split("\n")) {
                    if (!line.isBlank()) {
                        files.add(Paths.get(line.trim()));
                    }
                }
            }
            if (files.isEmpty()) {
                System.err.println("flowmark: no capture files given");
                status = 2;
            } else if ("bench".equals(mode)) {
                int repeat = Integer.parseInt(String.valueOf(
                        context.getProperty("flowmark.bench.repeat") != null ? context.getProperty("flowmark.bench.repeat") : "5"));
                status = new Bench(ec, registry, System.out).run(files.get(0), Math.max(1, repeat)) ? 0 : 1;
            } else {
                status = read(ec, files, System.err) ? 0 : 1;
            }
        } catch (RuntimeException | Error e) {
            System.err.println("flowmark: " + mode + " failed: " + e);
            log.error("{} failed", mode, e);
            status = 1;
        }
        System.setProperty("flowmark.exit.status", Integer.toString(status));
        if (!stopped) {
            try {
                context.getBundle(0).stop();
            } catch (BundleException | IllegalStateException e) {
                System.err.println("flowmark: could not stop the framework: " + e.getMessage());
            }
        }
    }

    private CaptureConfig readConfig() {
        Dictionary<String, Object> props = null;
        if (configAdmin != null) {
            try {
                Configuration[] cs = configAdmin.listConfigurations("(service.pid=" + PID + ")");
                if (cs != null && cs.length > 0) {
                    props = cs[0].getProperties();
                }
            } catch (IOException | org.osgi.framework.InvalidSyntaxException e) {
                System.err.println("flowmark: cannot read configuration " + PID + ": " + e.getMessage());
            }
        }
        return Configs.of(props);
    }

    /** Reads every file; returns false if any failed. */
    boolean read(EngineConfig ec, List<Path> files, PrintStream err) {
        EventPublisher events = new EventPublisher(eventAdmin, true, 0, "read");
        CaptureEngine engine = new CaptureEngine(ec, registry, registry::resolvers, events, true, LiveCapture.faultLogger(log));
        RawPacket raw = new RawPacket();
        boolean ok = true;
        long packets = 0;
        long bytes = 0;
        long flows = 0;
        long t0 = System.nanoTime();
        int failed = 0;
        for (Path file : files) {
            if (stopped) {
                break;
            }
            String name = file.toString();
            engine.startSource(name);
            String error = null;
            try (PcapFileSource src = PcapFileSource.open(file)) {
                while (src.next(raw)) {
                    engine.process(raw);
                }
            } catch (IOException e) {
                error = e.getMessage() != null ? e.getMessage() : e.toString();
            } catch (RuntimeException e) {
                error = "internal error: " + e;
                log.error("reading {} failed", name, e);
            }
            engine.purgeAll(PurgeReason.SOURCE_END);
            var stats = engine.stats();
            events.stats(stats, true, error);
            packets += stats.packets();
            bytes += stats.bytes();
            flows += stats.flowsCreated();
            if (error != null) {
                ok = false;
                failed++;
                err.println("flowmark: " + (error.startsWith(name) ? "" : name + ": ") + error + (stats.packets() > 0
                        ? " (" + stats.packets() + " packets before the error were processed)" : ""));
            }
            if (files.size() > 1) {
                err.printf(Locale.ROOT, "flowmark: %s: %d packets, %d flows%s%n", file.getFileName(), stats.packets(),
                        stats.flowsCreated(), stats.decodeErrors() > 0 ? ", " + stats.decodeErrors()
                        + " undecodable packets" : "");
            }
        }
        events.drain();
        double secs = (System.nanoTime() - t0) / 1e9;
        StringBuilder protos = new StringBuilder();
        for (Map.Entry<String, long[]> e : engine.protocolCounts().entrySet()) {
            protos.append(protos.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue()[0]);
        }
        err.printf(Locale.ROOT, "flowmark: %d file%s%s: %d packets, %s, %d flows in %.2f s (%.0f packets/s)%n",
                files.size(), files.size() == 1 ? "" : "s", failed > 0 ? " (" + failed + " failed)" : "", packets,
                human(bytes), flows, secs, packets / Math.max(secs, 1e-9));
        if (protos.length() > 0) {
            err.println("flowmark: flows per protocol: " + protos);
        }
        return ok;
    }

    static String human(long bytes) {
        if (bytes < 10_000) {
            return bytes + " bytes";
        }
        if (bytes < 10_000_000) {
            return String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
