package org.flowmark.api.flow;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Read-only view of a tracked flow, as the core sees it while the flow is live. Detectors receive it with each
 * packet; it is valid only during that call. Addresses are exposed as 16-byte arrays filled by the caller
 * (IPv4 in the first 4 bytes) so reading them allocates nothing.
 *
 * <p>Orientation: the <em>local</em> side is the endpoint inside the configured local networks; when both or
 * neither are local, the initiator (the sender of the first packet seen) is local.
 */
@ProviderType
public interface FlowView {

    /** Unique id of this flow within the running agent. */
    long id();

    /** 4 or 6. */
    int ipVersion();

    /** IANA protocol number: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, ... */
    int ipProtocol();

    /** Outer VLAN id, 0 when untagged. */
    int vlanId();

    /** Copies the local address into {@code dst} (4 bytes for IPv4, 16 for IPv6) and returns the byte count. */
    int localAddress(byte[] dst);

    /** Copies the other side's address into {@code dst} and returns the byte count. */
    int otherAddress(byte[] dst);

    int localPort();

    int otherPort();

    /** True when the local side sent the first packet seen of this flow. */
    boolean localIsInitiator();

    long localPackets();

    long localBytes();

    long otherPackets();

    long otherBytes();

    /** Capture timestamp of the first packet, nanoseconds since the epoch. */
    long firstSeenNanos();

    /** Capture timestamp of the latest packet, nanoseconds since the epoch. */
    long lastSeenNanos();

    /** Packets with payload handed to detectors so far. */
    int dpiPackets();

    /** The final detection, or null while detection is still running. */
    Detection detection();
}
