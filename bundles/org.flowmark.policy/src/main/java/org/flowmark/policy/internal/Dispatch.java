package org.flowmark.policy.internal;

import org.flowmark.api.actuator.Action;

/** Where the engine hands actions of one actuator type: {@link ActuatorChannel} (a bounded queue and a thread). */
public interface Dispatch {
    /** Queues the action; false when the queue is full (the action is dropped and counted by the channel). */
    boolean offer(Action action);
}
