package org.flowmark.signatures.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.flowmark.api.detector.DetectionBuilder;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowView;

/** A flow with a given other-side address and port, and a recording builder. */
final class Fakes {

    private Fakes() {
    }

    static final class Flow implements FlowView {
        final byte[] other;
        final int otherPort;
        int ipProtocol = 6;
        long firstSeen = SignatureResolverTest.T0;

        Flow(byte[] other, int otherPort) {
            this.other = other;
            this.otherPort = otherPort;
        }

        @Override public long id() { return 1; }
        @Override public int ipVersion() { return other.length == 4 ? 4 : 6; }
        @Override public int ipProtocol() { return ipProtocol; }
        @Override public int vlanId() { return 0; }
        @Override public int localAddress(byte[] dst) { dst[0] = 10; dst[1] = 0; dst[2] = 0; dst[3] = 2; return 4; }
        @Override public int otherAddress(byte[] dst) { System.arraycopy(other, 0, dst, 0, other.length); return other.length; }
        @Override public int localPort() { return 50000; }
        @Override public int otherPort() { return otherPort; }
        @Override public boolean localIsInitiator() { return true; }
        @Override public long localPackets() { return 1; }
        @Override public long localBytes() { return 1; }
        @Override public long otherPackets() { return 1; }
        @Override public long otherBytes() { return 1; }
        @Override public long firstSeenNanos() { return firstSeen; }
        @Override public long lastSeenNanos() { return firstSeen + 1_000_000_000L; }
        @Override public int dpiPackets() { return 1; }
        @Override public Detection detection() { return null; }
    }

    static final class Builder implements DetectionBuilder {
        String protocol;
        String application;
        String hostname;
        String category;
        final Map<String, Map<String, Object>> metadata = new LinkedHashMap<>();

        @Override public DetectionBuilder protocol(String name) { protocol = name; return this; }
        @Override public DetectionBuilder application(String name) { application = name; return this; }
        @Override public DetectionBuilder hostname(String host) { hostname = host; return this; }
        @Override public DetectionBuilder category(String c) { category = c; return this; }
        @Override public DetectionBuilder risk(String risk) { return this; }

        @Override
        public DetectionBuilder put(String group, String key, Object value) {
            metadata.computeIfAbsent(group, g -> new LinkedHashMap<>()).put(key, value);
            return this;
        }

        @Override public String protocol() { return protocol; }
        @Override public String hostname() { return hostname; }
        @Override public String application() { return application; }
        @Override public String category() { return category; }
        @Override public Object get(String group, String key) { return metadata.getOrDefault(group, Map.of()).get(key); }

        Object app(String key) {
            return get("app", key);
        }
    }
}
