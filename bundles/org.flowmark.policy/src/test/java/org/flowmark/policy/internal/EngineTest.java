package org.flowmark.policy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.FlowRecord;
import org.junit.jupiter.api.Test;

class EngineTest {

    long now = 1_000_000_000L;
    final List<Action> out = new ArrayList<>();
    final List<String> logs = new ArrayList<>();
    final EngineLog log = new EngineLog() {
        @Override public void debug(String m) { logs.add("D " + m); }
        @Override public void info(String m) { logs.add("I " + m); }
        @Override public void warn(String m) { logs.add("W " + m); }
        @Override public void error(String m) { logs.add("E " + m); }
    };

    Engine engine(int maxActive) {
        Engine e = new Engine(() -> now, log, maxActive, 2.0 / 3, false);
        Map<String, Dispatch> d = new HashMap<>();
        for (String t : List.of("ipset", "log", "ctmark")) {
            d.put(t, out::add);
        }
        e.setDispatch(d);
        return e;
    }

    static Rule rule(String name, String match, String actions, Object... kv) throws Exception {
        Map<String, Object> m = RuleTest.cfg(name, "match", match, "actions", actions);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return Rule.fromConfig(m);
    }

    void advance(double seconds) {
        now += (long) (seconds * TimeUnit.SECONDS.toNanos(1));
    }

    List<String> drain() {
        List<String> l = out.stream().map(a -> a.operation() + " " + a.type() + " " + a.rule() + " " + a.flow().id())
                .toList();
        out.clear();
        return l;
    }

    @Test
    void refreshesBeforeTheTimeoutWhileActiveAndRemovesAtPurge() throws Exception {
        Engine e = engine(100);
        e.setRules(List.of(rule("zoom", "application == \"zoom\"", "ipset:set=Z;timeout=600 | log",
                "remove_on_purge", "true")));
        FlowRecord z = Flows.zoom(7);
        e.classified(z);
        assertEquals(List.of("ADD ipset zoom 7", "ADD log zoom 7"), drain());
        assertEquals(600, out.isEmpty() ? 600 : -1);
        assertEquals(1, e.activeFlows());
        advance(399);
        e.runDue();
        assertEquals(List.of(), drain(), "not yet: 2/3 of 600 s is 400 s");
        advance(1.5);
        long next = e.runDue();
        assertEquals(List.of("REFRESH ipset zoom 7"), drain(), "the log action has no timeout: never refreshed");
        assertEquals(now + TimeUnit.SECONDS.toNanos(400), next, 1_000_000);
        advance(400);
        e.runDue();
        assertEquals(List.of("REFRESH ipset zoom 7"), drain());
        e.purged(z);
        assertEquals(List.of("REMOVE ipset zoom 7", "REMOVE log zoom 7"), drain());
        assertEquals(0, e.activeFlows());
        advance(1000);
        e.runDue();
        assertEquals(List.of(), drain(), "purged flows are not refreshed");
    }

    @Test
    void actionsCarryParamsTimeoutAndCreationTime() throws Exception {
        Engine e = engine(100);
        e.setRules(List.of(rule("zoom", "true", "ipset:set=Z;set_type=hash:ip,port,ip;timeout=600")));
        e.classified(Flows.zoom(1));
        Action a = out.get(0);
        assertEquals(Operation.ADD, a.operation());
        assertEquals(600, a.timeoutSeconds());
        assertEquals("hash:ip,port,ip", a.param("set_type", null));
        assertEquals(now, a.createdNanos());
        e.purged(Flows.zoom(1));
        assertEquals(1, out.size(), "no REMOVE without remove_on_purge");
    }

    @Test
    void priorityOrderAndHalt() throws Exception {
        Engine e = engine(100);
        e.setRules(List.of(
                rule("c-late", "true", "log", "priority", "50"),
                rule("b-tls", "protocol == \"TLS\"", "ctmark:mark=1", "priority", "20", "halt", "true"),
                rule("a-first", "true", "log", "priority", "20")));
        e.classified(Flows.zoom(1));
        assertEquals(List.of("ADD log a-first 1", "ADD ctmark b-tls 1"), drain(),
                "ties by name; halt stops before c-late");
        e.classified(Flows.flow(2, "10.0.0.1", 1, "10.0.0.2", 2, 17, Flows.det("DNS", null, null)));
        assertEquals(List.of("ADD log a-first 2", "ADD log c-late 2"), drain(), "halt only when it matches");
    }

    @Test
    void exemptionsWinWhateverTheirPriority() throws Exception {
        Engine e = engine(100);
        e.setRules(List.of(rule("all", "true", "log", "priority", "1"),
                rule("lan", "other_ip in [10.0.0.0/8, 52.216.0.0/16]", "exempt", "priority", "999")));
        e.classified(Flows.zoom(1));
        assertEquals(List.of(), drain());
        assertEquals(1, e.counters().get("exempted"));
        e.classified(Flows.flow(2, "10.0.0.1", 1, "8.8.8.8", 53, 17, Flows.det("DNS", null, null)));
        assertEquals(List.of("ADD log all 2"), drain());
    }

    @Test
    void fullQueuesAndMissingActuatorsAreCounted() throws Exception {
        Engine e = new Engine(() -> now, log, 100, 0.5, false);
        e.setDispatch(Map.of("ipset", a -> false));
        e.setRules(List.of(rule("r", "true", "ipset:set=A | nftables:set=b")));
        e.classified(Flows.zoom(1));
        e.classified(Flows.zoom(2));
        assertEquals(2, e.counters().get("queue_full"));
        assertEquals(2, e.counters().get("no_actuator"));
        assertEquals(1, logs.stream().filter(l -> l.startsWith("W ") && l.contains("'nftables'")).count(),
                "warned once per missing type");
    }

    @Test
    void activeFlowsAreBounded() throws Exception {
        Engine e = engine(2);
        e.setRules(List.of(rule("r", "true", "ipset:set=A;timeout=60")));
        for (int i = 1; i <= 3; i++) {
            e.classified(Flows.zoom(i));
        }
        assertEquals(2, e.activeFlows());
        assertEquals(1, e.counters().get("untracked"));
        assertEquals(3, drain().size(), "the untracked flow still got its ADD");
        advance(41);
        e.runDue();
        assertEquals(List.of("REFRESH ipset r 1", "REFRESH ipset r 2"), drain());
    }

    @Test
    void changedRulesStopRefreshingButStillRemove() throws Exception {
        Engine e = engine(100);
        e.setRules(List.of(rule("r", "true", "ipset:set=A;timeout=60", "remove_on_purge", "true")));
        e.classified(Flows.zoom(1));
        drain();
        e.setRules(List.of(rule("r", "true", "ipset:set=A;timeout=30", "remove_on_purge", "true")));
        advance(100);
        e.runDue();
        assertEquals(List.of(), drain(), "the old rule's entry is left to expire");
        e.purged(Flows.zoom(1));
        assertEquals(List.of("REMOVE ipset r 1"), drain());
    }

    @Test
    void dryRunLogsInsteadOfDispatching() throws Exception {
        Engine e = new Engine(() -> now, log, 100, 0.5, true);
        e.setDispatch(Map.of("ipset", out::add));
        e.setRules(List.of(rule("r", "true", "ipset:set=A;timeout=60")));
        e.classified(Flows.zoom(1));
        assertTrue(out.isEmpty());
        assertTrue(logs.stream().anyMatch(l -> l.startsWith("I policy dry-run: would ADD ipset:set=A;timeout=60 "
                + "(rule r) for flow 1 ")), logs.toString());
        assertEquals(1, e.counters().get("dry_run"));
    }
}
