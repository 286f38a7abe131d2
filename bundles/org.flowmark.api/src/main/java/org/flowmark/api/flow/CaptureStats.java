package org.flowmark.api.flow;

/**
 * Counters of one capture source, published periodically and at the end of a source.
 *
 * @param source         interface name or capture file path
 * @param packets        packets read from the source
 * @param bytes          bytes on the wire of those packets
 * @param kernelDrops    packets the kernel or libpcap dropped (0 for files)
 * @param agentDrops     packets the agent dropped (ring full, ...)
 * @param decodeErrors   packets that could not be decoded (malformed, truncated, unsupported)
 * @param fragments      IPv4/IPv6 non-first fragments attributed to a flow
 * @param flowsActive    flows in the table now
 * @param flowsCreated   flows created since the source started
 * @param flowsEvicted   flows evicted because the table was full
 * @param eventsDropped  flow events dropped because the event queue was full
 * @param elapsedNanos   wall time since the source started
 */
public record CaptureStats(String source, long packets, long bytes, long kernelDrops, long agentDrops,
        long decodeErrors, long fragments, long flowsActive, long flowsCreated, long flowsEvicted,
        long eventsDropped, long elapsedNanos) {
}
