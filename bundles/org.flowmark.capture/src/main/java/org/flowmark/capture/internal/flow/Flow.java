package org.flowmark.capture.internal.flow;

import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowView;
import org.flowmark.capture.internal.dispatch.DetectionState;

/**
 * One tracked bidirectional flow. Pooled by the {@link FlowTable}: a purged flow's object is reset and reused, so
 * creating flows allocates nothing in steady state. The key is canonical: endpoint A is the lower of the two
 * (address, port) pairs, B the higher; counters are kept per canonical side and mapped to local/other by
 * {@link #localIsA}.
 */
public final class Flow implements FlowView {
    // table bookkeeping
    int slot;
    int hash;
    int list = -1;
    int prev = -1;
    int next = -1;

    // key
    long id;
    int ipVersion;
    int ipProtocol;
    int vlanId;
    long aHi;
    long aLo;
    long bHi;
    long bLo;
    int aPort;
    int bPort;

    /** Tunnel kind (DecodedPacket.TUNNEL_*) of the first packet. */
    public int tunnel;
    /** True when A sent the first packet seen. */
    public boolean initiatorIsA;
    /** True when A is the local side. */
    public boolean localIsA;
    /** True once A's MAC came from a packet A sent (before that it may come from a destination MAC). */
    public boolean aHasMac;
    public boolean bHasMac;
    public long aMac;
    public long bMac;
    public long aPackets;
    public long aBytes;
    public long bPackets;
    public long bBytes;
    public long firstSeen;
    public long lastSeen;
    /** TCP close tracking: bit 0 FIN from A, bit 1 FIN from B, bit 2 RST. */
    public int tcpClose;
    /** Source name at creation (interface or file). */
    public String source;

    /** Detector dispatch state; null once detection is complete. */
    public DetectionState dpi;
    /** Payload packets handed to detectors. */
    public int dpiPackets;
    /** Final detection; null while detection runs. */
    public Detection detection;
    /** True once a CLASSIFIED event was emitted. */
    public boolean classifiedEmitted;

    void reset() {
        list = prev = next = -1;
        id = 0;
        ipVersion = ipProtocol = vlanId = 0;
        aHi = aLo = bHi = bLo = 0;
        aPort = bPort = 0;
        tunnel = 0;
        initiatorIsA = localIsA = false;
        aHasMac = bHasMac = false;
        aMac = bMac = 0;
        aPackets = aBytes = bPackets = bBytes = 0;
        firstSeen = lastSeen = 0;
        tcpClose = 0;
        source = null;
        dpi = null;
        dpiPackets = 0;
        detection = null;
        classifiedEmitted = false;
    }

    public long aHi() { return aHi; }
    public long aLo() { return aLo; }
    public long bHi() { return bHi; }
    public long bLo() { return bLo; }
    public int aPort() { return aPort; }
    public int bPort() { return bPort; }

    @Override public long id() { return id; }
    @Override public int ipVersion() { return ipVersion; }
    @Override public int ipProtocol() { return ipProtocol; }
    @Override public int vlanId() { return vlanId & 0xfff; }

    /** Outer VLAN id (the first tag; equal to {@link #vlanId()} when the frame had one tag, 0 when none). */
    public int outerVlanId() { return vlanId >>> 12; }

    @Override public int localAddress(byte[] dst) {
        return localIsA ? Addresses.toBytes(ipVersion, aHi, aLo, dst) : Addresses.toBytes(ipVersion, bHi, bLo, dst);
    }

    @Override public int otherAddress(byte[] dst) {
        return localIsA ? Addresses.toBytes(ipVersion, bHi, bLo, dst) : Addresses.toBytes(ipVersion, aHi, aLo, dst);
    }

    @Override public int localPort() { return localIsA ? aPort : bPort; }
    @Override public int otherPort() { return localIsA ? bPort : aPort; }
    @Override public boolean localIsInitiator() { return localIsA == initiatorIsA; }
    @Override public long localPackets() { return localIsA ? aPackets : bPackets; }
    @Override public long localBytes() { return localIsA ? aBytes : bBytes; }
    @Override public long otherPackets() { return localIsA ? bPackets : aPackets; }
    @Override public long otherBytes() { return localIsA ? bBytes : aBytes; }
    @Override public long firstSeenNanos() { return firstSeen; }
    @Override public long lastSeenNanos() { return lastSeen; }
    @Override public int dpiPackets() { return dpiPackets; }
    @Override public Detection detection() { return detection; }

    /** Local address as text (allocates; for records). */
    public String localIp() {
        return localIsA ? Addresses.format(ipVersion, aHi, aLo) : Addresses.format(ipVersion, bHi, bLo);
    }

    /** Other address as text (allocates; for records). */
    public String otherIp() {
        return localIsA ? Addresses.format(ipVersion, bHi, bLo) : Addresses.format(ipVersion, aHi, aLo);
    }

    /** Local MAC as text, or null. */
    public String localMac() {
        long mac = localIsA ? aMac : bMac;
        return (localIsA ? aHasMac : bHasMac) || mac != 0 ? Addresses.mac(mac) : null;
    }

    /** Other MAC as text, or null. */
    public String otherMac() {
        long mac = localIsA ? bMac : aMac;
        return (localIsA ? bHasMac : aHasMac) || mac != 0 ? Addresses.mac(mac) : null;
    }

    @Override
    public String toString() {
        return "flow " + id + " " + ipProtocol + " " + Addresses.format(ipVersion, aHi, aLo) + ":" + aPort + " <-> "
                + Addresses.format(ipVersion, bHi, bLo) + ":" + bPort + (vlanId != 0 ? " vlan " + vlanId() : "");
    }
}
