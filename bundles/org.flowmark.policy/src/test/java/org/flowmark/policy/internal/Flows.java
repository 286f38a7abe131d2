package org.flowmark.policy.internal;

import java.util.Map;
import java.util.Set;

import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;

/** Flow records for tests. */
public final class Flows {
    private Flows() {
    }

    public static FlowRecord flow(long id, String localIp, int localPort, String otherIp, int otherPort, int proto,
            Detection d) {
        return new FlowRecord(id, "eth0", localIp.indexOf(':') >= 0 ? 6 : 4, proto, 0, null, localIp, localPort, null,
                otherIp, otherPort, null, true, 3, 300, 2, 200, 1_000_000_000L, 1_500_000_000L, 3, d, null);
    }

    public static Detection det(String protocol, String app, String host) {
        return new Detection(protocol, app, host, null, Set.of(), Map.of(), "test");
    }

    public static FlowRecord zoom(long id) {
        return flow(id, "192.168.4.189", 50412, "52.216.110.177", 8801, 6,
                new Detection("TLS", "zoom", "us01web.zoom.us", "video-conferencing", Set.of("tls_self_signed_cert"),
                        Map.of("ssl", Map.of("version", "TLSv1.2")), "tls"));
    }
}
