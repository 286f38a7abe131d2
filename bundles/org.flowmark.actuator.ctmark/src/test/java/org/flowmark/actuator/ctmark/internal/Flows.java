package org.flowmark.actuator.ctmark.internal;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.FlowRecord;
import org.flowmark.testkit.TestFlows;

/** Test flows (seen on lan0) and ctmark actions without a timeout. */
final class Flows {
    private Flows() {
    }

    static FlowRecord flow(long id, int ipVersion, int proto, String localIp, int localPort, String otherIp,
            int otherPort, boolean localIsInitiator) {
        return TestFlows.flow("lan0", id, ipVersion, proto, localIp, localPort, otherIp, otherPort, localIsInitiator);
    }

    static Action action(Operation op, FlowRecord f, String... kv) {
        return TestFlows.action("ctmark", op, f, 0, kv);
    }
}
