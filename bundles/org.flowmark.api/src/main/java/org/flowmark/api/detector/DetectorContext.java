package org.flowmark.api.detector;

import org.flowmark.api.flow.FlowView;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What a detector sees besides the payload: the flow, the packet's direction and position, and this detector's
 * own per-flow state, which the core stores in the flow. Reused by the core: valid during the call only.
 */
@ProviderType
public interface DetectorContext {

    /** The flow this packet belongs to. */
    FlowView flow();

    /** True when the packet travels from the flow's initiator (the client, usually) to the responder. */
    boolean fromInitiator();

    /** 0-based index of this payload packet among the flow's payload packets. */
    int payloadIndex();

    /** 0-based index of this payload packet among the payload packets of its direction. */
    int directionPayloadIndex();

    /** Capture timestamp of the packet, ns since the epoch. */
    long timestampNanos();

    /** Source port of this packet. */
    int srcPort();

    /** Destination port of this packet. */
    int dstPort();

    /** TCP flags of the packet (0 for other protocols). */
    int tcpFlags();

    /** TCP sequence number of the packet (0 for other protocols). */
    long tcpSeq();

    /**
     * This detector's per-flow 64-bit slot; 0 when the flow starts. Cheap state without any allocation. The slot and
     * the {@link #state()} object persist from {@code inspect} into {@code collect} for the same flow; the core drops
     * them when detection is final ({@code collect} returned false, the extra-packet budget ended, or the flow ended)
     * and drops a detector's state object as soon as the detector says EXCLUDED.
     */
    long slot();

    /** Sets this detector's per-flow 64-bit slot. */
    void slot(long value);

    /** This detector's per-flow state object, or null; for detectors that need more than a slot (reassembly). */
    Object state();

    /** Sets this detector's per-flow state object; the core drops it when the flow ends or the detector is done. */
    void state(Object state);

    /** The detection being built for this flow. */
    DetectionBuilder result();

    /**
     * Passes this packet on to another detector as well (since 1.2). For a detector that demultiplexes several
     * protocols on one flow, during {@link Detector#collect}: STUN with DTLS and RTP after it (RFC 7983), TLS after
     * an HTTP CONNECT, and the like. The named detector sees the packets forwarded to it as a flow of their own,
     * starting with the first one: its {@link Detector#inspect} until it says DETECTED, then its
     * {@link Detector#collect}, with its own slot and state; it is called right after the current call returns.
     * What it adds to {@link #result()} (host name, application, risks, metadata) is kept, but the protocol stays
     * the one the forwarding detector named. Forwarding ends for good when the target says EXCLUDED, its
     * {@code collect} returns false or it throws; the forwarding detector's own extra-packet budget bounds it.
     *
     * @param detector the target's {@link DetectorProperties#name()}
     * @return true when the packet will be forwarded: such a detector is deployed and active for this flow's
     *         transport and has not finished with the flow; false otherwise (also outside {@code collect})
     */
    default boolean forward(String detector) {
        return false;
    }
}
