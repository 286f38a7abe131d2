package org.flowmark.actuator.nftables.internal;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.FlowRecord;
import org.flowmark.testkit.TestFlows;

/** Test flows (seen on veth0, local side initiating) and nftables actions. */
final class Flows {
    private Flows() {
    }

    static FlowRecord flow(long id, int ipVersion, int proto, String localIp, int localPort, String otherIp,
            int otherPort) {
        return TestFlows.flow("veth0", id, ipVersion, proto, localIp, localPort, otherIp, otherPort, true);
    }

    static Action action(Operation op, FlowRecord f, long timeout, String... kv) {
        return TestFlows.action("nftables", op, f, timeout, kv);
    }
}
