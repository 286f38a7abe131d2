package org.flowmark.policy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RuleTest {

    static Map<String, Object> cfg(String file, Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("service.pid", "org.flowmark.policy.rule.abc123");
        if (file != null) {
            m.put("felix.fileinstall.filename", "file:/etc/flowmark/config/org.flowmark.policy.rule-" + file + ".cfg");
        }
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void parsesAFullRule() throws Exception {
        Rule r = Rule.fromConfig(cfg("zoom", "match", "application == \"zoom\"",
                "actions", "ipset:set=NETIFY_ZOOM;set_type=hash:ip,port,ip;layout=other_ip,other_port,local_ip;"
                        + "timeout=600 | log:level=info",
                "priority", "10", "halt", "true", "remove_on_purge", "yes"));
        assertEquals("zoom", r.name());
        assertEquals("/etc/flowmark/config/org.flowmark.policy.rule-zoom.cfg", r.origin());
        assertEquals(10, r.priority());
        assertTrue(r.halt());
        assertTrue(r.removeOnPurge());
        assertEquals(2, r.actions().size());
        ActionSpec ipset = r.actions().get(0);
        assertEquals("ipset", ipset.type());
        assertEquals("hash:ip,port,ip", ipset.params().get("set_type"));
        assertEquals("other_ip,other_port,local_ip", ipset.params().get("layout"));
        assertEquals(600, ipset.timeoutSeconds());
        assertEquals("log", r.actions().get(1).type());
        assertEquals("info", r.actions().get(1).params().get("level"));
    }

    @Test
    void defaultsAndTypedArrays() throws Exception {
        Rule r = Rule.fromConfig(cfg(null, "name", "n1", "match", "true",
                "actions", new String[] {"ctmark:mark=0x85;mask=0xff", "nftables:set=zoom"}));
        assertEquals("n1", r.name());
        assertEquals("org.flowmark.policy.rule.abc123", r.origin());
        assertEquals(100, r.priority());
        assertFalse(r.halt());
        assertFalse(r.removeOnPurge());
        assertEquals(List.of("ctmark", "nftables"), r.actions().stream().map(ActionSpec::type).toList());
        assertEquals("0x85", r.actions().get(0).params().get("mark"));
        assertNull(Rule.fromConfig(cfg("off", "match", "true", "actions", "log", "enabled", "false")));
        assertTrue(Rule.fromConfig(cfg("lan", "match", "other_ip in 10.0.0.0/8", "actions", "exempt")).exempt());
    }

    @Test
    void brokenRulesNameTheFileAndPosition() {
        Rule.Invalid e = assertThrows(Rule.Invalid.class, () -> Rule.fromConfig(cfg("bad", "match",
                "protocol == \"TLS\" && hostname ~", "actions", "log")));
        assertTrue(e.getMessage().startsWith(
                "policy rule /etc/flowmark/config/org.flowmark.policy.rule-bad.cfg: match: expected a value after '~'"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("at column 32\n  protocol == \"TLS\" && hostname ~\n  "
                + " ".repeat(31) + "^"), e.getMessage());
        for (Object[] bad : new Object[][] {
                {"match", "true"}, // no actions
                {"match", "true", "actions", "IPSET:set=x"},
                {"match", "true", "actions", "ipset:set"},
                {"match", "true", "actions", "ipset:timeout=ten"},
                {"match", "true", "actions", "ipset:set=a;set=b"},
                {"match", "true", "actions", "exempt | log"},
                {"match", "true", "actions", "log", "priority", "high"},
                {"match", "true", "actions", "log", "halt", "maybe"},
                {"actions", "log"}}) {
            Rule.Invalid x = assertThrows(Rule.Invalid.class, () -> Rule.fromConfig(cfg("b", bad)),
                    List.of(bad).toString());
            assertTrue(x.getMessage().startsWith("policy rule /etc/flowmark/config/org.flowmark.policy.rule-b.cfg: "),
                    x.getMessage());
        }
    }

    @Test
    void actionSyntax() {
        ActionSpec a = ActionSpec.parse(" nftables : set=zoom ; timeout=30 ;");
        assertEquals("nftables", a.type());
        assertEquals(Map.of("set", "zoom", "timeout", "30"), a.params());
        assertEquals(30, a.timeoutSeconds());
        assertEquals("nftables:set=zoom;timeout=30", a.toString());
        ActionSpec eq = ActionSpec.parse("vendor-webhook:url=http://x/?a=b");
        assertEquals("http://x/?a=b", eq.params().get("url"), "values keep '=' and ':'");
        assertEquals(3, ActionSpec.parseList("log\nlog:level=warn | ipset:set=A").size());
    }
}
