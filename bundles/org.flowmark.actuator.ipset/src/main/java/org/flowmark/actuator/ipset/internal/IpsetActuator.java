package org.flowmark.actuator.ipset.internal;

import java.io.File;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Actuator;
import org.flowmark.api.actuator.ActuatorException;
import org.flowmark.api.actuator.ActuatorProperties;
import org.flowmark.api.actuator.Operation;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The {@code ipset} actuator: puts flows into ipsets for iptables {@code -m set --match-set} rules, through one
 * long-lived {@code ipset -exist restore} child ({@link IpsetWriter}; element syntax in {@link IpsetElement}).
 * Called by the policy engine's thread for this actuator only, so it needs no locking.
 */
@Component(service = Actuator.class, configurationPid = IpsetActuator.PID)
@ActuatorProperties(type = "ipset", maxBatch = 512)
@Designate(ocd = IpsetActuator.Config.class)
public final class IpsetActuator implements Actuator {

    public static final String PID = "org.flowmark.actuator.ipset";

    @ObjectClassDefinition(name = "Flowmark ipset actuator")
    @interface Config {
        @AttributeDefinition(description = "The ipset program (name on PATH or absolute path)")
        String ipset() default "ipset";

        @AttributeDefinition(description = "Log the restore lines instead of running ipset")
        boolean dry__run() default false;

        @AttributeDefinition(description = "Longest wait for ipset to confirm a batch (ms)", min = "100")
        long sync__timeout__ms() default 5000;

        @AttributeDefinition(description = "Log, at info level, the time from the flow's classifying packet to "
                + "its element being in the kernel, per ADD")
        boolean latency__log() default false;
    }

    private final Logger log;
    private final boolean dryRun;
    private final boolean latencyLog;
    private final IpsetWriter writer;

    @Activate
    public IpsetActuator(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.dryRun = config.dry__run();
        this.latencyLog = config.latency__log();
        String stdbuf = onPath("stdbuf");
        if (stdbuf == null && !dryRun) {
            log.warn("ipset actuator: 'stdbuf' (coreutils) not found: batches are committed without confirmation");
        }
        this.writer = new IpsetWriter(ProcessRestore.launcher(config.ipset(), stdbuf),
                Math.max(100, config.sync__timeout__ms()), stdbuf != null, log::warn);
        if (dryRun) {
            log.warn("ipset actuator: dry run (dry_run=true in {}): restore lines are logged, not applied", PID);
        } else {
            probe(config.ipset());
        }
    }

    /** Tells at start-up, clearly, when ipset cannot work here (the actuator still registers and retries). */
    private void probe(String ipset) {
        try {
            Process p = new ProcessBuilder(ipset, "list", "-n").redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                log.warn("ipset actuator: '{} list -n' did not answer within 3 s", ipset);
                return;
            }
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.exitValue() != 0) {
                String why = out.contains("Operation not permitted")
                        ? "not permitted: run Flowmark as root or with CAP_NET_ADMIN"
                        : out.contains("Cannot open session") || out.contains("Protocol not supported")
                                ? "no ipset support in the kernel: modprobe ip_set" : "it failed";
                log.error("ipset actuator: '{} list -n' exited {}: {} ({}); ipset actions will fail", ipset,
                        p.exitValue(), why, out);
            }
        } catch (IOException e) {
            log.error("ipset actuator: cannot run '{}': {} (install the ipset package); ipset actions will fail",
                    ipset, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String onPath(String program) {
        String path = System.getenv("PATH");
        for (String dir : (path != null ? path : "/usr/bin:/bin").split(File.pathSeparator)) {
            File f = new File(dir, program);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    @Override
    public void apply(List<Action> batch) throws ActuatorException {
        if (dryRun) {
            for (Action a : batch) {
                try {
                    IpsetElement.Target t = IpsetElement.target(a);
                    log.info("ipset dry-run (rule {}, flow {}): {}", a.rule(), a.flow().id(),
                            a.operation() == Operation.REMOVE ? t.delLine() : t.addLine());
                } catch (IllegalArgumentException e) {
                    log.error("ipset dry-run: rule {}: {}", a.rule(), e.getMessage());
                }
            }
            return;
        }
        writer.apply(batch);
        if (latencyLog) {
            Instant now = Instant.now();
            long epochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            long mono = System.nanoTime();
            for (Action a : batch) {
                if (a.operation() == Operation.ADD) {
                    log.info("ipset latency flow={} rule={} capture_to_kernel_us={} engine_to_kernel_us={}",
                            a.flow().id(), a.rule(), (epochNanos - a.flow().lastSeenNanos()) / 1000,
                            (mono - a.createdNanos()) / 1000);
                }
            }
        }
    }

    @Deactivate
    void deactivate() {
        writer.close();
        log.info("ipset actuator stopped: {}", writer.counters());
    }

    @Override
    public java.util.Map<String, Long> counters() {
        return writer.counterMap();
    }
}
