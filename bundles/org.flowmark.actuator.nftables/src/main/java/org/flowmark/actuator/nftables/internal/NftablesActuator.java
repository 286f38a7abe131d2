package org.flowmark.actuator.nftables.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

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
 * The {@code nftables} actuator: puts flows into typed-concatenation sets of its own nftables table (default
 * {@code inet flowmark}; it never touches another table), through libnftables in-process, one transaction per
 * batch ({@link NftWriter}; action parameters in {@link NftTarget}). Configuration PID
 * {@code org.flowmark.actuator.nftables}: {@code table}, {@code script} (an nft file loaded into the table when it is
 * created or recreated: the chains and rules that use the sets), {@code dry_run}, {@code latency_log}.
 * Called by the policy engine's thread for this actuator only.
 */
@Component(service = Actuator.class, configurationPid = NftablesActuator.PID)
@ActuatorProperties(type = "nftables", maxBatch = 1024)
@Designate(ocd = NftablesActuator.Config.class)
public final class NftablesActuator implements Actuator {

    public static final String PID = "org.flowmark.actuator.nftables";

    @ObjectClassDefinition(name = "Flowmark nftables actuator")
    @interface Config {
        @AttributeDefinition(description = "The actuator's own table: family and name (family ip, ip6 or inet)")
        String table() default "inet flowmark";

        @AttributeDefinition(description = "An nft script (file) loaded when the table is created or recreated: "
                + "the chains and rules of this table that use the sets; empty: none")
        String script() default "";

        @AttributeDefinition(description = "Log the nft transactions instead of running them")
        boolean dry__run() default false;

        @AttributeDefinition(description = "Log, at info level, the time from the flow's classifying packet to "
                + "its element being in the kernel, per ADD")
        boolean latency__log() default false;
    }

    private final Logger log;
    private final boolean dryRun;
    private final boolean latencyLog;
    private final NftWriter writer;

    @Activate
    public NftablesActuator(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this(config, log, LibNftables::open);
    }

    NftablesActuator(Config config, Logger log, NftWriter.Opener opener) {
        this.log = log;
        this.dryRun = config.dry__run();
        this.latencyLog = config.latency__log();
        String table = table(config.table());
        Path script = null;
        if (!config.script().isBlank()) {
            script = Path.of(config.script().trim());
            if (!Files.isReadable(script)) {
                log.error("nftables actuator: script {} is not readable; the table gets no chains", script);
                script = null;
            }
        }
        this.writer = new NftWriter(opener, table, script, log::warn);
        if (dryRun) {
            log.warn("nftables actuator: dry run (dry_run=true in {}): transactions are logged, not applied", PID);
        } else {
            String why = writer.start();
            if (why != null) {
                log.error("nftables actuator: {}; nftables actions will fail until this is fixed", why);
            } else {
                log.info("nftables actuator: table {} ready", table);
            }
        }
    }

    /** Checks {@code family name}; the name is what the actuator owns. */
    static String table(String text) {
        String[] parts = text.trim().split("\\s+");
        if (parts.length != 2) {
            throw new IllegalArgumentException("table '" + text + "' must be 'FAMILY NAME', e.g. 'inet flowmark'");
        }
        String family = parts[0].toLowerCase(Locale.ROOT);
        if (!family.equals("inet") && !family.equals("ip") && !family.equals("ip6")) {
            throw new IllegalArgumentException("table '" + text + "': family must be inet, ip or ip6");
        }
        if (!parts[1].matches("[A-Za-z_][A-Za-z0-9_-]{0,62}")) {
            throw new IllegalArgumentException("table '" + text + "': bad name '" + parts[1] + "'");
        }
        return family + " " + parts[1];
    }

    @Override
    public void apply(List<Action> batch) throws ActuatorException {
        if (dryRun) {
            String s = writer.dryRun(batch);
            log.info("nftables dry-run ({} actions):\n{}", batch.size(),
                    s.length() > 4000 ? s.substring(0, 4000) + "..." : s);
            return;
        }
        try {
            writer.apply(batch);
        } finally {
            if (latencyLog) {
                Instant now = Instant.now();
                long epochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
                long mono = System.nanoTime();
                for (Action a : batch) {
                    if (a.operation() == Operation.ADD) {
                        log.info("nftables latency flow={} rule={} capture_to_kernel_us={} engine_to_kernel_us={} "
                                + "batch={} batch_us={}", a.flow().id(), a.rule(),
                                (epochNanos - a.flow().lastSeenNanos()) / 1000, (mono - a.createdNanos()) / 1000,
                                batch.size(), writer.lastBatchNanos / 1000);
                    }
                }
            }
        }
    }

    NftWriter writer() {
        return writer;
    }

    String counterLine() {
        return writer.counters();
    }

    @Override
    public java.util.Map<String, Long> counters() {
        return writer.counterMap();
    }

    @Deactivate
    void deactivate() {
        writer.close();
        log.info("nftables actuator stopped: {}", writer.counters());
    }
}
