package org.flowmark.api.actuator;

import java.util.Map;

import org.flowmark.api.flow.FlowRecord;

/**
 * One request from the policy engine to an actuator: apply rule {@code rule}'s action to {@code flow}. Immutable.
 *
 * @param rule           name of the policy rule (its configuration's name)
 * @param type           actuator type the action is for ({@code ipset}, {@code nftables}, {@code ctmark}, {@code log},
 *                       or a vendor's)
 * @param operation      add, refresh or remove
 * @param flow           the flow snapshot (addresses, ports, protocol, detection)
 * @param params         the action's parameters from the rule, e.g. {@code set=NETIFY_ZOOM},
 *                       {@code set_type=hash:ip,port,ip}, {@code layout=other_ip,other_port,local_ip},
 *                       {@code mark=0x85}, {@code mask=0xff}
 * @param timeoutSeconds element timeout (0: none)
 * @param createdNanos   System.nanoTime() when the policy engine created the request (for latency figures)
 */
public record Action(String rule, String type, Operation operation, FlowRecord flow, Map<String, String> params,
        long timeoutSeconds, long createdNanos) {

    public Action {
        params = Map.copyOf(params);
    }

    /** A parameter, or {@code dflt} when the rule did not set it. */
    public String param(String key, String dflt) {
        String v = params.get(key);
        return v != null ? v : dflt;
    }
}
