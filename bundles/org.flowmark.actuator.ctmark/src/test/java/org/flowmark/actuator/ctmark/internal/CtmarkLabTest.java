package org.flowmark.actuator.ctmark.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.ActuatorException;
import org.flowmark.api.actuator.Operation;
import org.flowmark.api.flow.FlowRecord;
import org.flowmark.testkit.NetnsLab;
import org.flowmark.testkit.RecordingLogger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The conntrack-mark actuator and the tc helper on a real router lab (root only; skipped with the reason
 * otherwise): long-lived TCP connections from client to an echo server through the router, marks set on the
 * router's conntrack entries through ctnetlink, counted by nft rules and tc class counters in the router.
 */
class CtmarkLabTest {

    private static NetnsLab lab;
    private static CtmarkActuator actuator;
    private static String table;
    private static final List<String> logged = new ArrayList<>();

    @BeforeAll
    static void up() throws Exception {
        String why = NetnsLab.unavailable("ip", "nft", "tc", "conntrack", "python3", "curl");
        Assumptions.assumeTrue(why == null, () -> "ctmark lab test skipped: " + why);
        lab = new NetnsLab().start();
        table = "fmct" + lab.id;
        // counts per client port are added per test; the ct expression also turns conntrack on in the router
        lab.router("nft", "add table inet " + table + " ; add chain inet " + table
                + " fm_fwd { type filter hook forward priority 10; policy accept; }");
        // a rule using conntrack: without one, a namespace tracks no connection (nothing to mark)
        lab.router("nft", "add rule inet " + table + " fm_fwd ct state invalid counter");
        actuator = lab.inRouter(() -> new CtmarkActuator(config(false), RecordingLogger.of(logged), CtNetlink::open));
    }

    @AfterAll
    static void down() throws Exception {
        if (actuator != null) {
            lab.inRouter(() -> {
                actuator.deactivate();
                return null;
            });
        }
        if (lab != null) {
            lab.close();
        }
    }

    private static void apply(List<Action> batch) throws Exception {
        try {
            lab.inRouter(() -> {
                actuator.apply(batch);
                return null;
            });
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ActuatorException) {
                throw (ActuatorException) e.getCause();
            }
            throw e;
        }
    }

    private static FlowRecord conn(long id, int clientPort) {
        return Flows.flow(id, 4, 6, NetnsLab.CLIENT_IP, clientPort, NetnsLab.SERVER_IP, NetnsLab.ECHO_PORT, true);
    }

    /** Adds counters for the connection from {@code port}: [unmarked (both directions), marked]. */
    private static void countPort(int port) throws Exception {
        String t = "inet " + table + " fm_fwd ";
        String c = "comment \"p" + port;
        lab.router("nft", "add rule " + t + "ip saddr " + NetnsLab.CLIENT_IP + " tcp sport " + port
                + " ct mark and 0xff != 0x85 counter " + c + "u\"");
        lab.router("nft", "add rule " + t + "ip daddr " + NetnsLab.CLIENT_IP + " tcp dport " + port
                + " ct mark and 0xff != 0x85 counter " + c + "u\"");
        lab.router("nft", "add rule " + t + "tcp sport " + port + " ct mark and 0xff == 0x85 counter " + c + "m\"");
        lab.router("nft", "add rule " + t + "tcp dport " + port + " ct mark and 0xff == 0x85 counter " + c + "m\"");
    }

    /** {unmarked, marked} packets of the connection from {@code port}. */
    private static long[] counted(int port) throws Exception {
        String out = lab.router("nft", "list", "chain", "inet", table, "fm_fwd");
        long[] r = new long[2];
        Matcher m = Pattern.compile("counter packets (\\d+) bytes \\d+ comment \"p" + port + "([um])\"").matcher(out);
        while (m.find()) {
            r[m.group(2).equals("u") ? 0 : 1] += Long.parseLong(m.group(1));
        }
        return r;
    }

    /** {@link #counted} once two readings 300 ms apart agree (at most 5 s): no packet of the flow in flight. */
    private static long[] settled(int port) throws Exception {
        long[] last = counted(port);
        for (int i = 0; i < 16; i++) {
            Thread.sleep(300);
            long[] now = counted(port);
            if (Arrays.equals(now, last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    /** The conntrack mark of the connection from {@code port}, or -1. */
    private static long ctMark(int port) throws Exception {
        String out = lab.router("conntrack", "-L", "-p", "tcp", "--orig-port-src", String.valueOf(port));
        Matcher m = Pattern.compile("mark=(\\d+)").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Test
    void theMarkIsOnTheFlowsOwnEntryAndNoLaterPacketPassesUnmarked() throws Exception {
        int port = 45001;
        countPort(port);
        NetnsLab.Conversations c = lab.conversations(port, 1);
        c.exchange(0, 2);
        // another rule owns bits 0xff00: they must survive ours (CTA_MARK_MASK)
        apply(List.of(Flows.action(Operation.ADD, conn(1, port), "mark", "0x100", "mask", "0xff00")));
        assertEquals(0x100, ctMark(port));
        // the client's delayed ACK of the last echo may still be on its way: count once the connection is quiet,
        // so that a packet sent before the mark below is not taken for one that passed after it
        long unmarkedBefore = settled(port)[0];
        assertTrue(unmarkedBefore >= 7, "handshake and 2 exchanges: " + unmarkedBefore);

        apply(List.of(Flows.action(Operation.ADD, conn(1, port), "mark", "0x85", "mask", "0xff")));
        assertEquals(0x185, ctMark(port), "mark with mask on the flow's conntrack entry");
        assertTrue(lab.router("conntrack", "-L", "-m", "0x85/0xff").contains("sport=" + port));
        c.exchange(0, 5);
        long[] after = counted(port);
        assertEquals(0, after[0] - unmarkedBefore, "packets of the flow that passed without the mark after it was set");
        assertTrue(after[1] >= 10, "marked packets counted: " + after[1]);

        apply(List.of(Flows.action(Operation.REMOVE, conn(1, port), "mark", "0x85", "mask", "0xff")));
        assertEquals(0x100, ctMark(port), "REMOVE clears only the action's bits");
        c.close();
    }

    @Test
    void noEntryIsAClearErrorAndRemoveOfAGoneEntryIsNot() throws Exception {
        ActuatorException e = assertThrows(ActuatorException.class, () -> apply(List.of(
                Flows.action(Operation.ADD, conn(2, 45999), "mark", "0x85"))));
        assertTrue(e.getMessage().contains("no conntrack entry for the flow"), e.getMessage());
        assertEquals(1, e.failed());
        apply(List.of(Flows.action(Operation.REMOVE, conn(2, 45999), "mark", "0x85")));
    }

    @Test
    void latencyOverFiftyFlowsAndBatchCost() throws Exception {
        int base = 46000;
        int n = 50;
        NetnsLab.Conversations c = lab.conversations(base, n);
        c.exchange(-1, 1);
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
            Action a = Flows.action(Operation.ADD, conn(100 + i, base + i), "mark", "0x42", "mask", "0xff");
            long s = System.nanoTime();
            apply(List.of(a));
            lat[i] = System.nanoTime() - s;
        }
        String marked = lab.router("conntrack", "-L", "-m", "0x42/0xff");
        int count = marked.split("mark=66").length - 1;
        assertEquals(n, count, "entries carrying the mark");
        List<Action> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(Flows.action(Operation.ADD, conn(200 + i, base + i), "mark", "0x43", "mask", "0xff"));
        }
        long s = System.nanoTime();
        apply(batch);
        long batchNanos = System.nanoTime() - s;
        assertEquals(n, lab.router("conntrack", "-L", "-m", "0x43/0xff").split("mark=67").length - 1);
        Arrays.sort(lat);
        System.out.printf("ctmark lab: single-flow batch (netlink request to ACK, via the router thread) p50 %.0f us, "
                + "p99 %.0f us; one batch of %d flows %.0f us%n", lat[n / 2] / 1e3, lat[n * 99 / 100] / 1e3, n,
                batchNanos / 1e3);
        c.close();
    }

    @Test
    void tcHelperPutsMarkedFlowsIntoTheirClassAndOthersNot() throws Exception {
        List<String> tcLog = new ArrayList<>();
        TcShaper shaper = new TcShaper(tcConfig(), RecordingLogger.of(tcLog), (cmd, stdin) -> {
            List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", lab.router));
            c.addAll(cmd);
            return TcShaper.exec(c, stdin);
        });
        try {
            assertTrue(shaper.method() != null, "nothing installed: " + tcLog);
            int marked = 47001;
            int other = 47002;
            NetnsLab.Conversations a = lab.conversations(marked, 1);
            NetnsLab.Conversations b = lab.conversations(other, 1);
            a.exchange(0, 1);
            b.exchange(0, 1);
            apply(List.of(Flows.action(Operation.ADD, conn(300, marked), "mark", "0x85", "mask", "0xff")));
            long[] c0 = classPackets();
            b.exchange(0, 20);
            long[] c1 = classPackets();
            assertEquals(0, c1[0] - c0[0], "class 1:85 counted packets of the unmarked flow (" + shaper.method()
                    + ")");
            assertTrue(c1[1] - c0[1] >= 20, "default class did not count the unmarked flow");
            a.exchange(0, 20);
            long[] c2 = classPackets();
            assertTrue(c2[0] - c1[0] >= 20, "class 1:85 counted " + (c2[0] - c1[0]) + " packets of the marked flow");
            System.out.printf("ctmark lab: tc mapping by %s on %s: class 1:85 +%d packets for the marked flow, +%d for "
                    + "the other; default class +%d for the other%n", shaper.method(), "lan0", c2[0] - c1[0],
                    c1[0] - c0[0], c1[1] - c0[1]);
            a.close();
            b.close();
        } finally {
            shaper.deactivate();
        }
        assertTrue(!lab.router("tc", "qdisc", "show", "dev", "lan0").contains("htb"), "qdisc left behind");
    }

    /** {class 1:85 packets, class 1:ffff packets} on the router's lan0. */
    private static long[] classPackets() throws Exception {
        String out = lab.router("tc", "-s", "class", "show", "dev", "lan0");
        long[] r = new long[2];
        Matcher m = Pattern.compile("class htb 1:(85|ffff) .*?\\n\\s*Sent \\d+ bytes (\\d+) pkt", Pattern.DOTALL)
                .matcher(out);
        while (m.find()) {
            r[m.group(1).equals("85") ? 0 : 1] = Long.parseLong(m.group(2));
        }
        return r;
    }

    static TcShaper.Config tcConfig() {
        return new TcShaper.Config() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return TcShaper.Config.class;
            }

            @Override
            public String device() {
                return "lan0";
            }

            @Override
            public String rate() {
                return "1gbit";
            }

            @Override
            public String classes() {
                return "mark=0x85 class=1:85 rate=10mbit ceil=1gbit prio=1";
            }

            @Override
            public String mask() {
                return "0xff";
            }

            @Override
            public String default__class() {
                return "1:ffff";
            }

            @Override
            public String default__rate() {
                return "1mbit";
            }

            @Override
            public String method() {
                return "auto";
            }

            @Override
            public String table() {
                return "";
            }

            @Override
            public boolean dry__run() {
                return false;
            }
        };
    }

    static CtmarkActuator.Config config(boolean dryRun) {
        return new CtmarkActuator.Config() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return CtmarkActuator.Config.class;
            }

            @Override
            public boolean dry__run() {
                return dryRun;
            }

            @Override
            public boolean latency__log() {
                return false;
            }
        };
    }
}
