package org.flowmark.actuator.log.internal;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Actuator;
import org.flowmark.api.actuator.ActuatorProperties;
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
 * The {@code log} actuator: writes one line per action to the OSGi log, e.g.
 * {@code policy ADD rule=weak-tls flow=42 tcp 192.168.4.189:50412 -> 52.216.110.177:443 TLS/zoom host=zoom.us}.
 * The level is the action's {@code level} parameter ({@code debug}, {@code info}, {@code warn}, {@code error}),
 * else the configured one. With {@code dry_run} it logs what it would log, marked as such.
 */
@Component(service = Actuator.class, configurationPid = LogActuator.PID)
@ActuatorProperties(type = "log")
@Designate(ocd = LogActuator.Config.class)
public final class LogActuator implements Actuator {

    public static final String PID = "org.flowmark.actuator.log";

    @ObjectClassDefinition(name = "Flowmark log actuator")
    @interface Config {
        @AttributeDefinition(description = "Default level: debug, info, warn or error")
        String level() default "info";

        @AttributeDefinition(description = "Mark lines as a dry run")
        boolean dry__run() default false;
    }

    enum Level { DEBUG, INFO, WARN, ERROR }

    private final Logger log;
    private final Level level;
    private final boolean dryRun;
    final AtomicLong logged = new AtomicLong();
    final AtomicLong badLevel = new AtomicLong();

    @Activate
    public LogActuator(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        Level l = parse(config.level());
        if (l == null) {
            log.error("log actuator: level '{}' in {} is not debug, info, warn or error; using info", config.level(),
                    PID);
            l = Level.INFO;
        }
        this.level = l;
        this.dryRun = config.dry__run();
    }

    static Level parse(String s) {
        if (s == null) {
            return null;
        }
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "debug": return Level.DEBUG;
            case "info": return Level.INFO;
            case "warn": case "warning": return Level.WARN;
            case "error": return Level.ERROR;
            default: return null;
        }
    }

    static String line(Action a, boolean dryRun) {
        FlowRecord f = a.flow();
        StringBuilder sb = new StringBuilder(dryRun ? "policy dry-run " : "policy ").append(a.operation())
                .append(" rule=").append(a.rule()).append(" flow=").append(f.id()).append(' ')
                .append(proto(f.ipProtocol())).append(' ').append(addr(f.localIp())).append(':')
                .append(f.localPort()).append(f.localIsInitiator() ? " -> " : " <- ").append(addr(f.otherIp()))
                .append(':').append(f.otherPort()).append(' ').append(f.detection().protocol());
        if (f.detection().application() != null) {
            sb.append('/').append(f.detection().application());
        }
        if (f.detection().hostname() != null) {
            sb.append(" host=").append(f.detection().hostname());
        }
        if (!f.detection().risks().isEmpty()) {
            sb.append(" risks=").append(String.join(",", f.detection().risks()));
        }
        if (f.source() != null) {
            sb.append(" on ").append(f.source());
        }
        return sb.toString();
    }

    private static String addr(String ip) {
        return ip != null && ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
    }

    private static String proto(int p) {
        switch (p) {
            case 6: return "tcp";
            case 17: return "udp";
            case 1: return "icmp";
            case 58: return "icmpv6";
            default: return "proto" + p;
        }
    }

    @Override
    public void apply(List<Action> batch) {
        for (Action a : batch) {
            Level l = level;
            String p = a.params().get("level");
            if (p != null) {
                Level pl = parse(p);
                if (pl != null) {
                    l = pl;
                } else if (badLevel.getAndIncrement() == 0) {
                    log.warn("log actuator: rule {}: level '{}' is not debug, info, warn or error; using {}",
                            a.rule(), p, level.name().toLowerCase(Locale.ROOT));
                }
            }
            String line = line(a, dryRun);
            switch (l) {
                case DEBUG: log.debug(line); break;
                case WARN: log.warn(line); break;
                case ERROR: log.error(line); break;
                default: log.info(line);
            }
            logged.incrementAndGet();
        }
    }

    @Override
    public java.util.Map<String, Long> counters() {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("logged", logged.get());
        m.put("bad_level", badLevel.get());
        return m;
    }

    @Deactivate
    void deactivate() {
        log.debug("log actuator stopped: {} actions logged", logged.get());
    }
}
