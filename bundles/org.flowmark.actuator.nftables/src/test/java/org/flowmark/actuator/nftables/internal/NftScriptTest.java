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

    private static NftScript.Item item(Operation op, FlowRecord f, long timeout, String set) {
        return new NftScript.Item(NftTarget.target(Flows.action(op, f, timeout, "set", set)), op);
    }

    private final FlowRecord a = Flows.flow(1, 4, 6, "10.0.0.2", 40001, "10.1.0.2", 80);
    private final FlowRecord b = Flows.flow(2, 4, 6, "10.0.0.2", 40002, "10.1.0.2", 8080);
    private final FlowRecord c6 = Flows.flow(3, 6, 6, "fd00::2", 40003, "fd01::2", 443);
    private static final String A = "10.1.0.2 . 80 . 10.0.0.2";
    private static final String B = "10.1.0.2 . 8080 . 10.0.0.2";
    private static final String T = "inet flowmark";

    @Test
    void declaresUnknownSetsAndRefreshesByDeleteAndReAddInOneTransaction() {
        Map<String, String> declared = new HashMap<>();
        String s = NftScript.build(T, List.of(item(Operation.ADD, a, 600, "web"),
                item(Operation.REFRESH, b, 300, "web")), Set.of(), declared);
        assertEquals("add set inet flowmark web { type ipv4_addr . inet_service . ipv4_addr; flags timeout; }\n"
                + "add element inet flowmark web { " + A + " timeout 600s, " + B + " timeout 300s }\n"
                + "delete element inet flowmark web { " + A + ", " + B + " }\n"
                + "add element inet flowmark web { " + A + " timeout 600s, " + B + " timeout 300s }\n", s);
        assertEquals(Map.of("web", "ipv4_addr . inet_service . ipv4_addr"), declared);
    }

    @Test
    void knownSetsAreNotDeclaredAgainAndOrderIsKeptAcrossOperationsAndSets() {
        String s = NftScript.build(T, List.of(item(Operation.ADD, a, 60, "web"), item(Operation.REMOVE, b, 60, "web"),
                item(Operation.ADD, b, 60, "web"), item(Operation.ADD, c6, 60, "web")), Set.of("web"),
                new HashMap<>());
        assertEquals("add set inet flowmark web6 { type ipv6_addr . inet_service . ipv6_addr; flags timeout; }\n"
                + "add element inet flowmark web { " + A + " timeout 60s }\n"
                + "delete element inet flowmark web { " + A + " }\n"
                + "add element inet flowmark web { " + A + " timeout 60s }\n"
                + "add element inet flowmark web { " + B + " }\n"
                + "delete element inet flowmark web { " + B + " }\n"
                + "add element inet flowmark web { " + B + " timeout 60s }\n"
                + "delete element inet flowmark web { " + B + " }\n"
                + "add element inet flowmark web { " + B + " timeout 60s }\n"
                + "add element inet flowmark web6 { fd01::2 . 443 . fd00::2 timeout 60s }\n"
                + "delete element inet flowmark web6 { fd01::2 . 443 . fd00::2 }\n"
                + "add element inet flowmark web6 { fd01::2 . 443 . fd00::2 timeout 60s }\n", s);
    }

    @Test
    void theSameElementTwiceInAGroupIsWrittenOnceWithTheLastTimeout() {
        String s = NftScript.build(T, List.of(item(Operation.ADD, a, 60, "web"), item(Operation.REFRESH, a, 90,
                "web")), Set.of("web"), new HashMap<>());
        assertEquals("add element inet flowmark web { " + A + " timeout 90s }\n"
                + "delete element inet flowmark web { " + A + " }\n"
                + "add element inet flowmark web { " + A + " timeout 90s }\n", s);
    }
}
