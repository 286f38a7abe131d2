package org.flowmark.actuator.ctmark.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The tc helper: from configuration {@code org.flowmark.actuator.ctmark.tc} (one device; or factory
 * configurations {@code org.flowmark.actuator.ctmark.tc-<name>.cfg}, one per device), installs an HTB qdisc with
 * one class per conntrack mark ({@link TcPlan}) and removes it when the configuration goes. Detects what the
 * kernel offers: {@code method=auto} tries the {@code fw} classifier and falls back to nft
 * {@code meta priority set} when it is missing (as on kernels built without {@code cls_fw}).
 */
@Component(service = TcShaper.class, immediate = true, configurationPid = TcShaper.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = TcShaper.Config.class, factory = true)
public final class TcShaper {

    public static final String PID = "org.flowmark.actuator.ctmark.tc";

    @ObjectClassDefinition(name = "Flowmark tc helper", description = "HTB classes selected by conntrack marks")
    @interface Config {
        @AttributeDefinition(description = "Interface whose egress is shaped, e.g. the LAN side for downloads")
        String device();

        @AttributeDefinition(description = "Link rate: the root class's rate and ceil, e.g. 100mbit")
        String rate();

        @AttributeDefinition(description = "Classes separated by ';': mark=0x85 class=1:85 rate=10mbit "
                + "ceil=100mbit prio=1 (class defaults to 1:<mark>, ceil to the link rate, prio to 3)")
        String classes();

        @AttributeDefinition(description = "Bits of the conntrack mark that select the class")
        String mask() default "0xff";

        @AttributeDefinition(description = "Class of unmarked traffic")
        String default__class() default "1:ffff";

        @AttributeDefinition(description = "Guaranteed rate of the default class (its ceil is the link rate)")
        String default__rate() default "1mbit";

        @AttributeDefinition(description = "auto (fw if the kernel has it, else nft), fw or nft")
        String method() default "auto";

        @AttributeDefinition(description = "The helper's own nft table; default inet flowmark_tc_<device>")
        String table() default "";

        @AttributeDefinition(description = "Log the commands instead of running them")
        boolean dry__run() default false;
    }

    /** Runs one command; {@link #exec} in production. */
    interface Runner {
        Result run(List<String> cmd, String stdin) throws IOException;
    }

    record Result(int exit, String output) {
    }

    private final Logger log;
    private final Runner runner;
    private final TcPlan plan;
    private final boolean dryRun;
    private String method;
    private boolean installed;

    @Activate
    public TcShaper(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this(config, log, TcShaper::exec);
    }

    TcShaper(Config config, Logger log, Runner runner) {
        this.log = log;
        this.runner = runner;
        this.dryRun = config.dry__run();
        TcPlan p = null;
        try {
            p = new TcPlan(config.device(), config.rate(), config.classes(), MarkSpec.parse("mask", config.mask()),
                    config.default__class(), config.default__rate(), config.table());
        } catch (IllegalArgumentException | NullPointerException e) {
            log.error("tc helper ({}): configuration rejected: {}; nothing installed", PID, e.getMessage());
        }
        this.plan = p;
        if (p != null) {
            try {
                install(config.method().trim().toLowerCase(Locale.ROOT));
            } catch (IOException | IllegalStateException e) {
                log.error("tc helper on {}: {}", p.device, e.getMessage());
                remove();
            }
        }
    }

    private void install(String wanted) throws IOException {
        if (!wanted.equals("auto") && !wanted.equals("fw") && !wanted.equals("nft")) {
            throw new IllegalStateException("method '" + wanted + "' must be auto, fw or nft");
        }
        for (List<String> c : plan.qdiscCommands()) {
            must(c, null);
        }
        installed = true;
        String chosen = "nft";
        if (!wanted.equals("nft")) {
            List<List<String>> fw = plan.fwFilterCommands();
            Result first = run(fw.get(0), null);
            if (first.exit() == 0) {
                for (List<String> c : fw.subList(1, fw.size())) {
                    must(c, null);
                }
                chosen = "fw";
            } else if (wanted.equals("fw")) {
                throw new IllegalStateException("the fw classifier is not available (" + first.output().trim()
                        + "); use method=nft or auto");
            } else {
                log.info("tc helper on {}: no fw classifier in this kernel ({}); using nft meta priority",
                        plan.device, first.output().trim());
            }
        }
        must(List.of("nft", "-f", "-"), plan.nftScript(chosen.equals("fw")));
        method = chosen;
        log.info("tc helper on {}: HTB {} with {} classes, marks (mask 0x{}) mapped by {}", plan.device, plan.rate,
                plan.classes.size(), Integer.toHexString(plan.mask), chosen.equals("fw") ? "tc fw filters"
                        : "nft 'meta priority set' in " + plan.table);
    }

    private void must(List<String> cmd, String stdin) throws IOException {
        Result r = run(cmd, stdin);
        if (r.exit() != 0) {
            String out = r.output().trim();
            String why = out.contains("Cannot find device") ? "no such device"
                    : out.contains("Operation not permitted") ? "not permitted: run Flowmark as root or with "
                            + "CAP_NET_ADMIN" : out;
            throw new IllegalStateException("'" + String.join(" ", cmd) + "' failed: " + why);
        }
    }

    private Result run(List<String> cmd, String stdin) throws IOException {
        if (dryRun) {
            log.info("tc helper dry-run: {}{}", String.join(" ", cmd), stdin != null ? "\n" + stdin : "");
            return new Result(0, "");
        }
        return runner.run(cmd, stdin);
    }

    /** The mapping in use ({@code fw} or {@code nft}), or null when nothing is installed. */
    String method() {
        return method;
    }

    TcPlan plan() {
        return plan;
    }

    @Deactivate
    void deactivate() {
        remove();
    }

    private void remove() {
        if (!installed || plan == null) {
            return;
        }
        installed = false;
        method = null;
        for (List<String> c : plan.removeCommands()) {
            try {
                run(c, null);
            } catch (IOException e) {
                log.warn("tc helper on {}: '{}' failed: {}", plan.device, String.join(" ", c), e.getMessage());
            }
        }
    }

    static Result exec(List<String> cmd, String stdin) throws IOException {
        List<String> c = new ArrayList<>(cmd);
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timeout");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return new Result(-1, "interrupted");
        }
        return new Result(p.exitValue(), out);
    }
}
