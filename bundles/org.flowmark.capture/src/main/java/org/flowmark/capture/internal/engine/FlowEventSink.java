package org.flowmark.capture.internal.engine;

import org.flowmark.api.flow.PurgeReason;
import org.flowmark.capture.internal.flow.Flow;

/** Where the engine reports flow events; implementations snapshot what they need during the call. */
public interface FlowEventSink {
    FlowEventSink NONE = new FlowEventSink() {
        @Override public void classified(Flow flow) {
        }

        @Override public void purged(Flow flow, PurgeReason reason) {
        }
    };

    /** The flow's detection became final. */
    void classified(Flow flow);

    /** The flow leaves the table; its object is recycled after the call. */
    void purged(Flow flow, PurgeReason reason);
}
