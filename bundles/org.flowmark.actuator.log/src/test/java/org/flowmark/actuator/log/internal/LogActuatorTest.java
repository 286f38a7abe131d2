package org.flowmark.actuator.log.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import java.util.Set;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;
import org.junit.jupiter.api.Test;

class LogActuatorTest {

    static FlowRecord flow(String local, String other) {
        return new FlowRecord(42, "eth0", local.contains(":") ? 6 : 4, 6, 0, null, local, 50412, null, other, 443,
                null, true, 1, 1, 1, 1, 0, 0, 1, new Detection("TLS", "zoom", "zoom.us", null,
                        Set.of("tls_weak_cipher"), Map.of(), "tls"), null);
    }

    @Test
    void linesNameRuleFlowAndApplication() {
        Action a = new Action("weak-tls", "log", Operation.ADD, flow("192.168.4.189", "52.216.110.177"), Map.of(),
                0, 0);
        assertEquals("policy ADD rule=weak-tls flow=42 tcp 192.168.4.189:50412 -> 52.216.110.177:443 TLS/zoom "
                + "host=zoom.us risks=tls_weak_cipher on eth0", LogActuator.line(a, false));
        Action v6 = new Action("r", "log", Operation.REMOVE, flow("2001:db8::1", "2001:db8::2"), Map.of(), 0, 0);
        assertEquals("policy dry-run REMOVE rule=r flow=42 tcp [2001:db8::1]:50412 -> [2001:db8::2]:443 TLS/zoom "
                + "host=zoom.us risks=tls_weak_cipher on eth0", LogActuator.line(v6, true));
    }

    @Test
    void levels() {
        assertEquals(LogActuator.Level.WARN, LogActuator.parse(" Warning"));
        assertEquals(LogActuator.Level.DEBUG, LogActuator.parse("debug"));
        assertNull(LogActuator.parse("loud"));
    }
}
