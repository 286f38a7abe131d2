package org.flowmark.actuator.ipset.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;
import org.junit.jupiter.api.Test;

class IpsetElementTest {

    static FlowRecord flow(long id, String local, int lport, String other, int oport, int proto) {
        return new FlowRecord(id, "eth0", local.contains(":") ? 6 : 4, proto, 0, null, local, lport, null, other,
                oport, null, true, 1, 1, 1, 1, 0, 0, 1,
                new Detection("TLS", "zoom", null, null, Set.of(), Map.of(), "t"), null);
    }

    static final FlowRecord ZOOM = flow(1, "192.168.4.189", 50412, "52.216.110.177", 8801, 6);
    static final FlowRecord ZOOM6 = flow(2, "2001:db8::189", 50412, "2a00:1450::1", 8801, 17);

    static Action action(FlowRecord f, Operation op, long timeout, String... kv) {
        Map<String, String> p = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        if (timeout > 0) {
            p.put("timeout", Long.toString(timeout));
        }
        return new Action("zoom", "ipset", op, f, p, timeout, 0);
    }

    @Test
    void theOwnersExample() {
        IpsetElement.Target t = IpsetElement.target(action(ZOOM, Operation.ADD, 600, "set", "NETIFY_ZOOM",
                "set_type", "hash:ip,port,ip", "layout", "other_ip,other_port,local_ip"));
        assertEquals("create NETIFY_ZOOM hash:ip,port,ip family inet timeout 600", t.createLine());
        assertEquals("add NETIFY_ZOOM 52.216.110.177,tcp:8801,192.168.4.189 timeout 600", t.addLine());
        assertEquals("del NETIFY_ZOOM 52.216.110.177,tcp:8801,192.168.4.189", t.delLine());
    }

    @Test
    void ipv6GoesToItsOwnSet() {
        IpsetElement.Target t = IpsetElement.target(action(ZOOM6, Operation.ADD, 60, "set", "NETIFY_ZOOM",
                "set_type", "hash:ip,port,ip"));
        assertEquals("create NETIFY_ZOOM6 hash:ip,port,ip family inet6 timeout 60", t.createLine());
        assertEquals("add NETIFY_ZOOM6 2a00:1450::1,udp:8801,2001:db8::189 timeout 60", t.addLine(),
                "default layout other_ip,other_port,local_ip");
        IpsetElement.Target named = IpsetElement.target(action(ZOOM6, Operation.ADD, 0, "set", "Z", "set6", "Z_V6"));
        assertEquals("create Z_V6 hash:ip family inet6", named.createLine());
        assertEquals("add Z_V6 2a00:1450::1", named.addLine(), "no timeout: none on the element either");
    }

    @Test
    void everyTypeAndLayout() {
        String[][] cases = {
                {"hash:ip", null, "52.216.110.177"},
                {"hash:ip", "local_ip", "192.168.4.189"},
                {"hash:net", null, "52.216.110.177"},
                {"hash:ip,port", null, "52.216.110.177,tcp:8801"},
                {"hash:ip,port", "local_ip,local_port", "192.168.4.189,tcp:50412"},
                {"hash:net,port", "other_ip,other_port", "52.216.110.177,tcp:8801"},
                {"hash:ip,port,ip", "local_ip,local_port,other_ip", "192.168.4.189,tcp:50412,52.216.110.177"},
                {"hash:ip,port,net", null, "52.216.110.177,tcp:8801,192.168.4.189"},
                {"hash:net,port,net", null, "52.216.110.177,tcp:8801,192.168.4.189"},
                {"hash:net,net", null, "52.216.110.177,192.168.4.189"},
                {"hash:ip,ip", "local_ip,other_ip", "192.168.4.189,52.216.110.177"}};
        for (String[] c : cases) {
            Action a = c[1] == null ? action(ZOOM, Operation.ADD, 0, "set", "S", "set_type", c[0])
                    : action(ZOOM, Operation.ADD, 0, "set", "S", "set_type", c[0], "layout", c[1]);
            assertEquals("add S " + c[2], IpsetElement.target(a).addLine(), c[0] + " " + c[1]);
        }
    }

    @Test
    void portsOfEachProtocol() {
        String[][] cases = {{"6", "tcp:8801"}, {"17", "udp:8801"}, {"132", "sctp:8801"}, {"136", "udplite:8801"},
                {"47", "47:0"}, {"1", "icmp:34/97"}};
        for (String[] c : cases) {
            FlowRecord f = flow(1, "10.0.0.1", 1, "10.0.0.2", 8801, Integer.parseInt(c[0]));
            assertEquals("add S 10.0.0.2," + c[1], IpsetElement.target(action(f, Operation.ADD, 0, "set", "S",
                    "set_type", "hash:ip,port")).addLine());
        }
        FlowRecord ping6 = flow(1, "2001:db8::1", 0, "2001:db8::2", 128 << 8, 58);
        assertEquals("add S6 2001:db8::2,icmpv6:128/0", IpsetElement.target(action(ping6, Operation.ADD, 0, "set",
                "S", "set_type", "hash:ip,port")).addLine());
    }

    @Test
    void clearErrors() {
        String[][] bad = {
                {"set_type", "hash:ip"}, // no set
                {"set", "A_NAME_THAT_IS_MUCH_TOO_LONG_FOR_IPSET"},
                {"set", "bad name"},
                {"set", "S", "set_type", "bitmap:port"},
                {"set", "S", "set_type", "hash:mac"},
                {"set", "S", "set_type", "hash:port"},
                {"set", "S", "set_type", "hash:ip,port", "layout", "other_ip"},
                {"set", "S", "set_type", "hash:ip,port", "layout", "other_ip,local_ip"},
                {"set", "S", "set_type", "hash:ip", "layout", "other_port"}};
        for (String[] b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> IpsetElement.target(action(ZOOM, Operation.ADD, 0, b)), String.join(" ", b));
            assertTrue(e.getMessage().startsWith("ipset"), e.getMessage());
        }
    }
}
