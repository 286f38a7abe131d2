package org.flowmark.api.flow;

/**
 * An immutable snapshot of a flow, carried by flow events. Built by the core once per event (never per packet).
 * Addresses are in textual form; MACs are {@code aa:bb:..} or null when the link layer has none.
 *
 * @param id           unique flow id within the running agent
 * @param source       interface name or capture file path the flow was seen on
 * @param ipVersion    4 or 6
 * @param ipProtocol   IANA protocol number
 * @param vlanId       outer VLAN id, 0 when untagged
 * @param tunnel       encapsulation the flow was found inside ({@code gre}, {@code vxlan}, {@code gtp},
 *                     {@code 6in4}, {@code 4in6}, ...), or null
 * @param localIp      local address
 * @param localPort    local port (0 for protocols without ports)
 * @param localMac     local MAC, or null
 * @param otherIp      other side's address
 * @param otherPort    other side's port
 * @param otherMac     other side's MAC, or null
 * @param localIsInitiator true when the local side sent the first packet
 * @param localPackets packets sent by the local side
 * @param localBytes   IP bytes sent by the local side
 * @param otherPackets packets sent by the other side
 * @param otherBytes   IP bytes sent by the other side
 * @param firstSeenNanos first packet timestamp, ns since the epoch
 * @param lastSeenNanos  last packet timestamp, ns since the epoch
 * @param dpiPackets   packets inspected by detectors
 * @param detection    the detection (never null; {@link Detection#NONE} when undetected)
 * @param purgeReason  why the flow was purged, or null for a classification event
 */
public record FlowRecord(long id, String source, int ipVersion, int ipProtocol, int vlanId, String tunnel,
        String localIp, int localPort, String localMac, String otherIp, int otherPort, String otherMac,
        boolean localIsInitiator, long localPackets, long localBytes, long otherPackets, long otherBytes,
        long firstSeenNanos, long lastSeenNanos, int dpiPackets, Detection detection, PurgeReason purgeReason) {
}
