package org.flowmark.testkit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;

/** Flow records and actuator actions for the actuators' tests. */
public final class TestFlows {

    private TestFlows() {
    }

    /**
     * A live flow seen on {@code source}, classified HTTP / web / {@code example.test}, with 4 local packets (300
     * bytes) and 3 other packets (200 bytes), first and last seen now.
     */
    public static FlowRecord flow(String source, long id, int ipVersion, int proto, String localIp, int localPort,
            String otherIp, int otherPort, boolean localIsInitiator) {
        Detection d = new Detection("HTTP", "web", "example.test", "web", Set.of(), Map.of(), "http");
        long now = System.currentTimeMillis() * 1_000_000L;
        return new FlowRecord(id, source, ipVersion, proto, 0, null, localIp, localPort, null, otherIp, otherPort,
                null, localIsInitiator, 4, 300, 3, 200, now, now, 4, d, null);
    }

    /** An action of rule {@code r1} for {@code actuator}; {@code kv} are parameter name/value pairs. */
    public static Action action(String actuator, Operation op, FlowRecord f, long timeout, String... kv) {
        if ((kv.length & 1) != 0) {
            throw new IllegalArgumentException("parameters come in name/value pairs");
        }
        Map<String, String> p = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return new Action("r1", actuator, op, f, p, timeout, System.nanoTime());
    }
}
