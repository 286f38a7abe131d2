package com.example.flowmark.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookActuatorTest {
    @TempDir
    Path tmp;

    @Test
    void appendsOneJsonLinePerAction() throws Exception {
        Path out = tmp.resolve("out.ndjson");
        WebhookActuator a = new WebhookActuator(new WebhookActuator.Config() {
            @Override public String file() { return out.toString(); }
            @Override public Class<? extends Annotation> annotationType() { return WebhookActuator.Config.class; }
        });
        FlowRecord f = new FlowRecord(7, "eth0", 4, 6, 0, null, "192.168.4.189", 50412, null, "52.216.110.177", 8801,
                null, true, 1, 1, 1, 1, 0, 0, 1, new Detection("TLS", "zoom", "a\"b.zoom.us", null, Set.of(),
                        Map.of(), "tls"), null);
        a.apply(List.of(new Action("zoom", "vendor-webhook", Operation.ADD, f, Map.of("tag", "gold"), 0, 0)));
        assertEquals(List.of("{\"rule\":\"zoom\",\"operation\":\"ADD\",\"flow_id\":7,\"local_ip\":\"192.168.4.189\","
                + "\"local_port\":50412,\"other_ip\":\"52.216.110.177\",\"other_port\":8801,\"ip_protocol\":6,"
                + "\"protocol\":\"TLS\",\"application\":\"zoom\",\"hostname\":\"a\\\"b.zoom.us\","
                + "\"params\":{\"tag\":\"gold\"}}"), Files.readAllLines(out));
    }
}
