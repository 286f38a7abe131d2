package com.example.flowmark.webhook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Actuator;
import org.flowmark.api.actuator.ActuatorException;
import org.flowmark.api.actuator.ActuatorProperties;
import org.flowmark.api.flow.FlowRecord;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A vendor's actuator, type {@code vendor-webhook}: appends one JSON line per action to a file (a stand-in for a
 * call to a vendor's controller). Rules use it as {@code actions=vendor-webhook:tag=gold}; every parameter of the
 * action is copied into the line. Configuration PID {@code com.example.flowmark.webhook}: {@code file}.
 */
@Component(service = Actuator.class, configurationPid = "com.example.flowmark.webhook")
@ActuatorProperties(type = "vendor-webhook", maxBatch = 64)
@Designate(ocd = WebhookActuator.Config.class)
public final class WebhookActuator implements Actuator {

    @ObjectClassDefinition(name = "Example vendor webhook actuator")
    @interface Config {
        @AttributeDefinition(description = "File the JSON lines are appended to")
        String file() default "/tmp/flowmark-vendor-webhook.ndjson";
    }

    private final Path file;

    @Activate
    public WebhookActuator(Config config) {
        this.file = Path.of(config.file());
    }

    @Override
    public void apply(List<Action> batch) throws ActuatorException {
        StringBuilder sb = new StringBuilder();
        for (Action a : batch) {
            sb.append(json(a)).append('\n');
        }
        try {
            Files.writeString(file, sb, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException | UncheckedIOException e) {
            throw new ActuatorException("vendor-webhook: cannot append to " + file + ": " + e.getMessage(),
                    batch.size(), e);
        }
    }

    static String json(Action a) {
        FlowRecord f = a.flow();
        StringBuilder sb = new StringBuilder("{");
        field(sb, "rule", a.rule()).append(',');
        field(sb, "operation", a.operation().name()).append(',');
        sb.append("\"flow_id\":").append(f.id()).append(',');
        field(sb, "local_ip", f.localIp()).append(',');
        sb.append("\"local_port\":").append(f.localPort()).append(',');
        field(sb, "other_ip", f.otherIp()).append(',');
        sb.append("\"other_port\":").append(f.otherPort()).append(',');
        sb.append("\"ip_protocol\":").append(f.ipProtocol()).append(',');
        field(sb, "protocol", f.detection().protocol()).append(',');
        field(sb, "application", f.detection().application()).append(',');
        field(sb, "hostname", f.detection().hostname()).append(",\"params\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : new TreeMap<>(a.params()).entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            field(sb, e.getKey(), e.getValue());
        }
        return sb.append("}}").toString();
    }

    private static StringBuilder field(StringBuilder sb, String key, String value) {
        quote(sb, key).append(':');
        return value == null ? sb.append("null") : quote(sb, value);
    }

    private static StringBuilder quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"');
    }
}
