package org.flowmark.actuator.ctmark.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class TcPlanTest {

    private static TcPlan plan(String classes) {
        return new TcPlan("lan0", "100mbit", classes, 0xff, "1:ffff", "1mbit", "");
    }

    @Test
    void commandsForTheExampleConfiguration() {
        TcPlan p = plan("mark=0x85 class=1:85 rate=20mbit ceil=100mbit prio=0; mark=0x86 rate=1mbit ceil=5mbit prio=7");
        assertEquals(List.of(
                List.of("tc", "qdisc", "replace", "dev", "lan0", "root", "handle", "1:", "htb", "default", "ffff"),
                List.of("tc", "class", "replace", "dev", "lan0", "parent", "1:", "classid", "1:1", "htb", "rate",
                        "100mbit", "ceil", "100mbit"),
                List.of("tc", "class", "replace", "dev", "lan0", "parent", "1:1", "classid", "1:ffff", "htb", "rate",
                        "1mbit", "ceil", "100mbit", "prio", "7"),
                List.of("tc", "class", "replace", "dev", "lan0", "parent", "1:1", "classid", "1:85", "htb", "rate",
                        "20mbit", "ceil", "100mbit", "prio", "0"),
                List.of("tc", "class", "replace", "dev", "lan0", "parent", "1:1", "classid", "1:86", "htb", "rate",
                        "1mbit", "ceil", "5mbit", "prio", "7")), p.qdiscCommands());
        assertEquals(List.of("tc", "filter", "replace", "dev", "lan0", "parent", "1:", "protocol", "all", "prio", "2",
                "handle", "0x86/0xff", "fw", "classid", "1:86"), p.fwFilterCommands().get(1));
        assertEquals("add table inet flowmark_tc_lan0\n"
                + "add chain inet flowmark_tc_lan0 post { type filter hook postrouting priority -150; policy accept; }\n"
                + "flush chain inet flowmark_tc_lan0 post\n"
                + "add rule inet flowmark_tc_lan0 post oifname \"lan0\" ct mark and 0xff == 0x85 meta priority set 1:85\n"
                + "add rule inet flowmark_tc_lan0 post oifname \"lan0\" ct mark and 0xff == 0x86 meta priority set 1:86\n",
                p.nftScript(false));
        assertTrue(p.nftScript(true).contains("oifname \"lan0\" ct mark and 0xff != 0 meta mark set ct mark\n"));
        assertTrue(p.fwFilterCommands().stream().noneMatch(c -> c.contains("u32")));
    }

    @Test
    void badConfigurationsAreRejectedWithTheReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> plan("")).getMessage().contains("classes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> plan("mark=0x85 rate=fast")).getMessage()
                .contains("tc rate"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> plan("mark=0x185 rate=1mbit")).getMessage()
                .contains("within mask"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> plan("mark=0x85 rate=1mbit; mark=0x86 class=1:85 rate=1mbit")).getMessage().contains("twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> plan("mark=0x85 class=1:1 rate=1mbit"))
                .getMessage().contains("root class"));
        assertThrows(IllegalArgumentException.class,
                () -> new TcPlan("lan0; rm -rf /", "1mbit", "mark=1 rate=1mbit", 0xff, "1:ffff", "1mbit", ""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> plan("mark=0x85 rate=1mbit colour=red"))
                .getMessage().contains("unknown key 'colour'"));
    }
}
