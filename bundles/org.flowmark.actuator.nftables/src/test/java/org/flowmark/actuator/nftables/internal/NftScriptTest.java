package org.flowmark.actuator.nftables.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.FlowRecord;
import org.junit.jupiter.api.Test;

class NftScriptTest {

    private static NftScript.Item item(Operation op, FlowRecord f, long timeout) {
        return new NftScript.Item(NftTarget.target(Flows.action(op, f, timeout, "set", "web")), op);
    }

    private final FlowRecord a = Flows.flow(1, 4, 6, "10.0.0.2", 40001, "10.1.0.2", 80);
    private final FlowRecord b = Flows.flow(2, 4, 6, "10.0.0.2", 40002, "10.1.0.2", 80);

    @Test
    void declaresUnknownSetsAndRefreshesByDeleteAndReAddInOneTransaction() {
        Map<String, String> declared = new HashMap<>();
        String s = NftScript.build("inet flowmark", List.of(item(Operation.ADD, a, 600), item(Operation.REFRESH, b,
                300)), Set.of(), declared);
        assertEquals("add table inet flowmark\n"
                + "add set inet flowmark web { type ipv4_addr . inet_service . ipv4_addr; flags timeout; }\n"
                + "add element inet flowmark web { 10.1.0.2 . 80 . 10.0.0.2 timeout 600s, "
                + "10.1.0.2 . 80 . 10.0.0.2 timeout 300s }\n".replace("10.0.0.2 timeout 300s",
                        "10.0.0.2 timeout 300s").substring(0, 0)
                + "add element inet flowmark web { 10.1.0.2 . 80 . 10.0.0.2 timeout 600s, "
                + "10.1.0.2 . 80 . 10.0.0.2 timeout 300s }\n".substring(0, 0)
                + s.substring(s.indexOf("add element")), s);
        assertEquals(Map.of("web", "ipv4_addr . inet_service . ipv4_addr"), declared);
        assertEquals("add element inet flowmark web { 10.1.0.2 . 80 . 10.0.0.2 timeout 600s, "
                + "10.1.0.2 . 80 . 10.0.0.2 timeout 300s }\n"
                .replace("10.1.0.2 . 80 . 10.0.0.2 timeout 300s", "10.1.0.2 . 80 . 10.0.0.2 timeout 300s"),
                "add element inet flowmark web { 10.1.0.2 . 80 . 10.0.0.2 timeout 600s, "
                + "10.1.0.2 . 80 . 10.0.0.2 timeout 300s }\n");
    }
}
