package org.flowmark.capture.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.flowmark.api.flow.PurgeReason;
import org.flowmark.capture.internal.dispatch.DetectorRegistry;
import org.flowmark.capture.internal.dispatch.Dispatcher;
import org.flowmark.capture.internal.engine.CaptureEngine;
import org.flowmark.capture.internal.engine.EngineConfig;
import org.flowmark.capture.internal.engine.EventPublisher;
import org.flowmark.capture.internal.source.CaptureException;
import org.flowmark.capture.internal.source.RawPacket;
import org.flowmark.capture.internal.source.live.LiveOptions;
import org.flowmark.capture.internal.source.live.LivePcapSource;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * {@code flowmark run}: captures live on the configured interfaces, one thread, flow table and engine per
 * interface. An interface that cannot be opened (absent, down, no permission) is reported and retried every
 * 10 s; the others run on. Flow events go through a bounded queue (drop and count when full); statistics are
 * published every {@code statsInterval} seconds. On deactivation (configuration change, agent stop) every open flow
 * is purged and reported, then sinks are asked to drain.
 */
@Component(configurationPid = OfflineRunner.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
@Designate(ocd = CaptureConfig.class)
public final class LiveCapture {
    private static final long RETRY_NANOS = 10_000_000_000L;

    private final Logger log;
    private final List<Worker> workers = new ArrayList<>();
    private final EventPublisher events;
    private final StatusService status;

    @Activate
    public LiveCapture(BundleContext context, CaptureConfig config, @Reference EventAdmin eventAdmin,
            @Reference DetectorRegistry registry, @Reference(service = LoggerFactory.class) Logger log,
            @Reference StatusService status) {
        this.log = log;
        this.status = status;
        String mode = context.getProperty("flowmark.mode");
        List<String> interfaces = Configs.list(config.interfaces());
        if ((mode != null && !"run".equals(mode)) || interfaces.isEmpty()) {
            events = null;
            if (mode == null || "run".equals(mode)) {
                log.warn("no interfaces configured: set interfaces=eth0[,eth1...] in config/{}.cfg", OfflineRunner.PID);
            }
            return;
        }
        EngineConfig ec;
        try {
            ec = Configs.engine(config);
        } catch (IllegalArgumentException e) {
            log.error("configuration {} rejected: {}", OfflineRunner.PID, e.getMessage());
            events = null;
            return;
        }
        events = new EventPublisher(eventAdmin, false, Math.max(16, config.eventQueue()), "live");
        for (String iface : interfaces) {
            LiveOptions opt = LiveOptions.of(iface).withSnaplen(config.snaplen()).withPromiscuous(config.promiscuous())
                    .withBufferSize(Math.max(1, config.bufferSizeMb()) << 20).withFilter(config.bpfFilter())
                    .withTimeoutMillis(Math.max(1, Math.min(60_000, config.readTimeoutMs())));
            Worker w = new Worker(opt, new CaptureEngine(ec, registry, registry::resolvers, events, true, faultLogger(log)),
                    Math.max(1, config.statsInterval()) * 1_000_000_000L);
            workers.add(w);
            status.attach(iface, w.engine);
            w.thread.start();
        }
    }

    @Deactivate
    void deactivate() {
        for (Worker w : workers) {
            w.running = false;
            LivePcapSource s = w.source;
            if (s != null) {
                s.wakeup();
            }
        }
        for (Worker w : workers) {
            try {
                w.thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            status.detach(w.engine);
        }
        if (events != null) {
            try {
                events.drain();
            } catch (RuntimeException e) {
                log.warn("could not drain sinks: {}", e.toString());
            }
            events.close();
        }
    }

    /** Logs detector faults: the first of each detector, then every 1000th, and when a detector is disabled. */
    static Dispatcher.FaultListener faultLogger(Logger log) {
        return (entry, flow, error, disabledNow) -> {
            long n = entry.faults.get();
            if (disabledNow) {
                log.error("detector {} disabled after {} faults and {} time-budget overruns; redeploy it to enable it"
                        + " again", entry, n, entry.overruns.get());
            } else if (error instanceof java.util.concurrent.TimeoutException) {
                log.warn("detector {} ran past its time budget on {}: {}", entry, flow, error.getMessage());
            } else if (n == 1 || n % 1000 == 0) {
                log.warn("detector {} threw on {} ({} faults so far): {}", entry, flow, n, error.toString(), error);
            }
        };
    }

    private final class Worker implements Runnable {
        final LiveOptions options;
        final CaptureEngine engine;
        final long statsNanos;
        final Thread thread;
        volatile boolean running = true;
        volatile LivePcapSource source;
        final AtomicLong opens = new AtomicLong();

        Worker(LiveOptions options, CaptureEngine engine, long statsNanos) {
            this.options = options;
            this.engine = engine;
            this.statsNanos = statsNanos;
            this.thread = new Thread(this, "flowmark-capture-" + options.iface());
        }

        @Override
        public void run() {
            RawPacket raw = new RawPacket();
            engine.startSource(options.iface());
            long nextStats = System.nanoTime() + statsNanos;
            long lastError = 0;
            String lastMessage = null;
            while (running) {
                LivePcapSource src = source;
                if (src == null) {
                    if (lastError != 0 && System.nanoTime() - lastError < RETRY_NANOS) {
                        sleep(200);
                        continue;
                    }
                    try {
                        src = LivePcapSource.open(options);
                        source = src;
                        opens.incrementAndGet();
                        log.info("capturing on {} (link type {}, snaplen {})", options.iface(), src.linkType(),
                                src.snapLength());
                        lastMessage = null;
                    } catch (CaptureException | RuntimeException e) {
                        lastError = System.nanoTime();
                        if (!String.valueOf(e.getMessage()).equals(lastMessage)) {
                            lastMessage = String.valueOf(e.getMessage());
                            log.error("cannot capture on {}: {} (retrying every 10 s)", options.iface(), lastMessage);
                        }
                        continue;
                    }
                }
                try {
                    if (src.next(raw)) {
                        engine.process(raw);
                    } else if (src.isFinished()) {
                        closeSource("interface " + options.iface() + " went away");
                    } else {
                        engine.tick(System.currentTimeMillis() * 1_000_000L);
                    }
                } catch (CaptureException e) {
                    closeSource(e.getMessage());
                    lastError = System.nanoTime();
                } catch (RuntimeException e) {
                    log.error("capture error on {}", options.iface(), e);
                }
                long now = System.nanoTime();
                if (now >= nextStats) {
                    nextStats = now + statsNanos;
                    publishStats(false);
                }
            }
            engine.purgeAll(PurgeReason.SOURCE_END);
            publishStats(true);
            LivePcapSource src = source;
            source = null;
            if (src != null) {
                src.close();
            }
        }

        private void publishStats(boolean end) {
            LivePcapSource src = source;
            if (src != null) {
                engine.kernelDrops = src.kernelDrops();
            }
            engine.eventsDropped = events.dropped();
            events.stats(engine.stats(), end, null);
        }

        private void closeSource(String why) {
            log.error("capture on {} stopped: {}", options.iface(), why);
            LivePcapSource src = source;
            source = null;
            if (src != null) {
                src.close();
            }
        }

        private void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }
}
