package org.flowmark.actuator.ctmark.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;

/** Test flows and actions. */
final class Flows {
    private Flows() {
    }

    static FlowRecord flow(long id, int ipVersion, int proto, String localIp, int localPort, String otherIp,
            int otherPort, boolean localIsInitiator) {
        Detection d = new Detection("HTTP", "web", "example.test", "web", Set.of(), Map.of(), "http");
        long now = System.currentTimeMillis() * 1_000_000L;
        return new FlowRecord(id, "lan0", ipVersion, proto, 0, null, localIp, localPort, null, otherIp, otherPort,
                null, localIsInitiator, 4, 300, 3, 200, now, now, 4, d, null);
    }

    static Action action(Operation op, FlowRecord f, String... kv) {
        Map<String, String> p = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return new Action("r1", "ctmark", op, f, p, 0, System.nanoTime());
    }
}
