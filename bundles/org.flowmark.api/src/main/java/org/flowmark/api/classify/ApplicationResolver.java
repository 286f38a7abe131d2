package org.flowmark.api.classify;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.flow.FlowView;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Names a flow's application once its protocol detection is final: a whiteboard service the core calls for every
 * flow (detected or not), on the capture thread, just before the flow's classified event, in service ranking order
 * (highest first). Typical resolver: application signatures by host name (SNI, HTTP Host), DNS hint cache, network
 * and certificate names. Must be fast and non-blocking (no I/O, no long locks) and must not throw; the core counts
 * and logs a resolver that throws, and carries on.
 */
@ConsumerType
public interface ApplicationResolver {

    /**
     * Completes {@code result} (application, category, host name, metadata) for {@code flow}. A resolver should
     * not replace an application a detector already set.
     */
    void resolve(FlowView flow, DetectionBuilder result);
}
