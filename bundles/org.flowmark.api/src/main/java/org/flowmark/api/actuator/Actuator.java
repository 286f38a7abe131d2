package org.flowmark.api.actuator;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A policy actuator: a whiteboard service, registered with {@link ActuatorProperties}, that turns actions into
 * kernel state. The policy engine calls {@link #apply} from a dedicated thread per actuator with batches taken from
 * a bounded queue (drops are counted there), never from the capture thread; batching kernel calls is the
 * actuator's job (one {@code ipset restore} stream, one nft transaction, one netlink batch).
 */
@ConsumerType
public interface Actuator {

    /**
     * Applies a batch of actions, in order. Return normally when every action was applied; throw
     * {@link ActuatorException} naming what failed (not permitted, missing kernel module, set deleted and not
     * recreatable, ...). The engine logs and counts failures and carries on with the next batch.
     */
    void apply(List<Action> batch) throws ActuatorException;

    /**
     * The actuator's own counters since it started (since 1.1), e.g. elements added, refreshed and removed, failed
     * kernel calls, re-created sets; {@code flowmark status} shows them. Called from other threads than
     * {@link #apply}: cheap, no kernel call, values may lag by a batch. The default has none.
     */
    default Map<String, Long> counters() {
        return Map.of();
    }
}
