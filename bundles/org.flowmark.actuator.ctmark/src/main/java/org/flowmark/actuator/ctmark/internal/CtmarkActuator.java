package org.flowmark.actuator.ctmark.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Actuator;
import org.flowmark.api.actuator.ActuatorException;
import org.flowmark.api.actuator.ActuatorProperties;
import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.FlowRecord;
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
 * The {@code ctmark} actuator: sets the mark of the flow's own conntrack entry through ctnetlink, so the very next
 * packet of the connection carries it ({@code ct mark} in nft, {@code -m connmark} in iptables, or restored to the
 * packet mark for tc {@code fw} and {@code ip rule fwmark}) with no set look-up. Parameters in {@link MarkSpec}.
 * The entry is found by its original tuple as the capture saw it; when there is none (the capture saw the flow
 * after DNAT) by the reversed tuple as reply tuple. Configuration PID {@code org.flowmark.actuator.ctmark}:
 * {@code dry_run}, {@code latency_log}. Called by the policy engine's thread for this actuator only.
 */
@Component(service = Actuator.class, configurationPid = CtmarkActuator.PID)
@ActuatorProperties(type = "ctmark", maxBatch = 512)
@Designate(ocd = CtmarkActuator.Config.class)
public final class CtmarkActuator implements Actuator {

    public static final String PID = "org.flowmark.actuator.ctmark";

    @ObjectClassDefinition(name = "Flowmark conntrack mark actuator")
    @interface Config {
        @AttributeDefinition(description = "Log the mark updates instead of sending them")
        boolean dry__run() default false;

        @AttributeDefinition(description = "Log, at info level, the time from the flow's classifying packet to "
                + "the mark being on its conntrack entry, per ADD, with the flow's packet count at classification")
        boolean latency__log() default false;
    }

    /** Opens the channel; {@link CtNetlink#open} in production. */
    interface Opener {
        CtChannel open() throws CtChannel.CtException;
    }

    private final Logger log;
    private final boolean dryRun;
    private final boolean latencyLog;
    private final Opener opener;
    private CtChannel channel;

    // written by the actuator's apply thread only, read by status
    volatile long applied;
    volatile long missing;
    volatile long failures;

    @Activate
    public CtmarkActuator(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this(config, log, CtNetlink::open);
    }

    CtmarkActuator(Config config, Logger log, Opener opener) {
        this.log = log;
        this.dryRun = config.dry__run();
        this.latencyLog = config.latency__log();
        this.opener = opener;
        if (dryRun) {
            log.warn("ctmark actuator: dry run (dry_run=true in {}): mark updates are logged, not sent", PID);
        } else {
            try {
                channel = opener.open();
            } catch (CtChannel.CtException e) {
                log.error("ctmark actuator: {}; ctmark actions will fail until this is fixed", e.getMessage());
            }
        }
    }

    @Override
    public void apply(List<Action> batch) throws ActuatorException {
        List<String> errors = new ArrayList<>();
        List<CtChannel.Request> requests = new ArrayList<>(batch.size());
        List<Action> sent = new ArrayList<>(batch.size());
        int failed = 0;
        for (Action a : batch) {
            try {
                MarkSpec spec = MarkSpec.of(a);
                if (a.operation() == Operation.REMOVE && !spec.clearOnRemove()) {
                    continue;
                }
                int mark = a.operation() == Operation.REMOVE ? 0 : spec.mark();
                requests.add(new CtChannel.Request(CtMessage.originalTuple(a.flow()), false, mark, spec.mask()));
                sent.add(a);
            } catch (IllegalArgumentException e) {
                failed++;
                errors.add("rule " + a.rule() + ": " + e.getMessage());
            }
        }
        if (dryRun) {
            for (int i = 0; i < requests.size(); i++) {
                CtChannel.Request r = requests.get(i);
                log.info("ctmark dry-run (rule {}, flow {}): {} mark 0x{}/0x{}", sent.get(i).rule(),
                        sent.get(i).flow().id(), describe(sent.get(i).flow()), Integer.toHexString(r.mark()),
                        Integer.toHexString(r.mask()));
            }
        } else if (!requests.isEmpty()) {
            failed += send(requests, sent, errors);
        }
        if (failed > 0) {
            failures += failed;
            throw new ActuatorException("ctmark: " + failed + " of " + batch.size() + " actions failed: "
                    + String.join("; ", errors.subList(0, Math.min(3, errors.size())))
                    + (errors.size() > 3 ? "; ..." : ""), failed);
        }
    }

    private int send(List<CtChannel.Request> requests, List<Action> sent, List<String> errors)
            throws ActuatorException {
        int[] rc;
        List<Integer> retry = new ArrayList<>();
        try {
            if (channel == null) {
                channel = opener.open();
            }
            rc = channel.setMarks(requests);
            // no entry by the original tuple: the capture may have seen the flow after DNAT; try it as reply tuple
            List<CtChannel.Request> second = new ArrayList<>();
            for (int i = 0; i < rc.length; i++) {
                if (rc[i] == CtNetlink.ENOENT) {
                    retry.add(i);
                    CtChannel.Request r = requests.get(i);
                    second.add(new CtChannel.Request(r.tuple(), true, r.mark(), r.mask()));
                }
            }
            if (!second.isEmpty()) {
                int[] rc2 = channel.setMarks(second);
                for (int k = 0; k < rc2.length; k++) {
                    rc[retry.get(k)] = rc2[k];
                }
            }
        } catch (CtChannel.CtException e) {
            if (channel != null) {
                channel.close();
                channel = null; // reopen with the next batch
            }
            failures += requests.size();
            throw new ActuatorException("ctmark: " + why(e.errno, e.getMessage()), requests.size() + errors.size());
        }
        Instant now = Instant.now();
        long epochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        long mono = System.nanoTime();
        int failed = 0;
        for (int i = 0; i < rc.length; i++) {
            Action a = sent.get(i);
            if (rc[i] == 0) {
                applied++;
                if (latencyLog && a.operation() == Operation.ADD) {
                    FlowRecord f = a.flow();
                    log.info("ctmark latency flow={} rule={} capture_to_kernel_us={} engine_to_kernel_us={} "
                            + "packets_at_classification={} tuple={}", f.id(), a.rule(),
                            (epochNanos - f.lastSeenNanos()) / 1000, (mono - a.createdNanos()) / 1000,
                            f.localPackets() + f.otherPackets(), describe(f));
                }
            } else if (rc[i] == CtNetlink.ENOENT && a.operation() == Operation.REMOVE) {
                missing++; // the entry is already gone: nothing to clear
            } else {
                failed++;
                if (rc[i] == CtNetlink.ENOENT) {
                    missing++;
                }
                errors.add("rule " + a.rule() + ", " + describe(a.flow()) + ": " + why(rc[i], null));
            }
        }
        return failed;
    }

    static String why(int errno, String message) {
        switch (errno) {
            case CtNetlink.EPERM:
                return "not permitted: run Flowmark as root or with CAP_NET_ADMIN";
            case CtNetlink.ENOENT:
                return "no conntrack entry for the flow (not tracked, or already expired)";
            case CtNetlink.EOPNOTSUPP:
            case CtNetlink.EPROTONOSUPPORT:
                return "the kernel lacks nf_conntrack_netlink (modprobe nf_conntrack_netlink)";
            default:
                return message != null ? message : "errno " + errno;
        }
    }

    static String describe(FlowRecord f) {
        String l = f.ipVersion() == 6 ? "[" + f.localIp() + "]" : f.localIp();
        String o = f.ipVersion() == 6 ? "[" + f.otherIp() + "]" : f.otherIp();
        return "proto " + f.ipProtocol() + " " + l + ":" + f.localPort() + (f.localIsInitiator() ? " -> " : " <- ")
                + o + ":" + f.otherPort();
    }

    String counterLine() {
        return "applied " + applied + ", no entry " + missing + ", failed " + failures;
    }

    @Override
    public java.util.Map<String, Long> counters() {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("applied", applied);
        m.put("no_entry", missing);
        m.put("failed", failures);
        return m;
    }

    @Deactivate
    void deactivate() {
        if (channel != null) {
            channel.close();
        }
        log.info("ctmark actuator stopped: {}", counterLine());
    }
}
