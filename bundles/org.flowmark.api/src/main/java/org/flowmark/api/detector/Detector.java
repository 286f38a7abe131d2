package org.flowmark.api.detector;

import org.flowmark.api.packet.PacketView;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A protocol detector: a whiteboard service the core tracks dynamically. Register it with
 * {@link DetectorProperties} on the component ({@code @DetectorProperties(name = "http", transport = "tcp")}).
 *
 * <p>Rules (see STYLE.md): the cheapest test that can exclude runs first; a detector keeps no per-flow state in
 * its fields (use {@link DetectorContext#slot()} or {@link DetectorContext#state()}); work per call is bounded.
 * The core calls one detector from one thread at a time per flow but may call it for different flows from
 * different threads, so implementations must be stateless or thread-safe. A detector that throws is counted as
 * faulty for that flow (and disabled after repeated faults); it must not throw on any input by design.
 */
@ConsumerType
public interface Detector {

    /**
     * Inspects one packet of a flow that has not been excluded for this detector.
     *
     * @param ctx     the flow, the packet's direction and this detector's per-flow state; valid during the call
     * @param payload the L4 payload of the packet (never empty); valid during the call only
     * @return the verdict; on {@link Verdict#DETECTED} the detector has filled {@link DetectorContext#result()}
     */
    Verdict inspect(DetectorContext ctx, PacketView payload);

    /**
     * After {@link Verdict#DETECTED}, the core keeps handing this detector the flow's next payload packets
     * (at most {@link DetectorProperties#extraPackets()} of them) while this returns true, so metadata that comes
     * later (an HTTP response status, a server certificate) can be added to {@link DetectorContext#result()}.
     */
    default boolean collect(DetectorContext ctx, PacketView payload) {
        return false;
    }
}
