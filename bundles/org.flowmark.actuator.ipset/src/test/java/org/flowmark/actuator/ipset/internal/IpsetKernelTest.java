package org.flowmark.actuator.ipset.internal;

import static org.flowmark.actuator.ipset.internal.IpsetElementTest.action;
import static org.flowmark.actuator.ipset.internal.IpsetElementTest.flow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.Operation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against the real kernel through the real {@code ipset -exist restore} child: needs root (or CAP_NET_ADMIN) and
 * the ipset program; skipped otherwise. Each test uses its own set names and destroys them afterwards.
 */
class IpsetKernelTest {

    final String set = "fmtest" + ProcessHandle.current().pid() % 100000 + "_" + System.nanoTime() % 1000;
    final List<String> warnings = new ArrayList<>();
    IpsetWriter writer;

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(5, TimeUnit.SECONDS);
        return p.exitValue() + " " + out.trim();
    }

    @BeforeEach
    void requireRootAndIpset() throws Exception {
        String ipset = IpsetActuator.onPath("ipset");
        assumeTrue(ipset != null, "SKIPPED: the ipset program is not installed (apt-get install ipset)");
        String probe = run(ipset, "list", "-n");
        assumeTrue(probe.startsWith("0"), "SKIPPED: 'ipset list -n' fails here (not root / no CAP_NET_ADMIN / no "
                + "ip_set module): " + probe);
        String stdbuf = IpsetActuator.onPath("stdbuf");
        assumeTrue(stdbuf != null, "SKIPPED: stdbuf (coreutils) is missing");
        writer = new IpsetWriter(ProcessRestore.launcher(ipset, stdbuf), 5000, true, warnings::add);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (writer != null) {
            writer.close();
            run("ipset", "destroy", set);
            run("ipset", "destroy", set + "6");
        }
    }

    Action add(int i, Operation op) {
        return action(flow(i, "192.168." + (i >> 8 & 255) + "." + (i & 255), 40000, "52.216.110.177", 8801, 6), op,
                600, "set", set, "set_type", "hash:ip,port,ip", "layout", "other_ip,other_port,local_ip");
    }

    @Test
    void theElementIsInTheKernelWhenApplyReturns() throws Exception {
        writer.apply(List.of(add(189, Operation.ADD)));
        // no sleep: the COMMIT + list -n handshake means it is there now
        assertEquals("0 Warning: 52.216.110.177,tcp:8801,192.168.0.189 is in set " + set + ".",
                run("ipset", "test", set, "52.216.110.177,tcp:8801,192.168.0.189"));
        String list = run("ipset", "list", set);
        assertTrue(list.contains("Type: hash:ip,port,ip"), list);
        Matcher m = Pattern.compile("52\\.216\\.110\\.177,tcp:8801,192\\.168\\.0\\.189 timeout (\\d+)").matcher(list);
        assertTrue(m.find(), list);
        assertTrue(Integer.parseInt(m.group(1)) >= 598, list);

        // IPv6 goes to SET6 with family inet6
        writer.apply(List.of(action(flow(2, "2001:db8::189", 40000, "2a00:1450::1", 8801, 17), Operation.ADD, 60,
                "set", set, "set_type", "hash:ip,port,ip")));
        assertTrue(run("ipset", "test", set + "6", "2a00:1450::1,udp:8801,2001:db8::189").startsWith("0 "));

        writer.apply(List.of(add(189, Operation.REMOVE)));
        assertTrue(run("ipset", "test", set, "52.216.110.177,tcp:8801,192.168.0.189").startsWith("1 "));
    }

    @Test
    void survivesTheSetBeingDestroyedAndTheChildBeingKilled() throws Exception {
        writer.apply(List.of(add(1, Operation.ADD)));
        assertTrue(run("ipset", "destroy", set).startsWith("0"));
        writer.apply(List.of(add(2, Operation.ADD)));
        assertTrue(run("ipset", "test", set, "52.216.110.177,tcp:8801,192.168.0.2").startsWith("0 "));
        assertEquals(1, writer.recreated.get());
        // kill the child: the next batch starts a new one
        for (ProcessHandle h : ProcessHandle.current().children().toList()) {
            if (h.info().commandLine().orElse("").contains("restore")) {
                h.destroyForcibly();
                h.onExit().get(5, TimeUnit.SECONDS);
            }
        }
        writer.apply(List.of(add(3, Operation.ADD)));
        assertTrue(run("ipset", "test", set, "52.216.110.177,tcp:8801,192.168.0.3").startsWith("0 "));
    }

    @Test
    void costPerEntryInBatches() throws Exception {
        int n = 20_000;
        int batch = 512;
        List<Action> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(add(i, Operation.ADD));
        }
        writer.apply(all.subList(0, 1)); // create the set, start the child
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i += batch) {
            writer.apply(all.subList(i, Math.min(n, i + batch)));
        }
        long ns = System.nanoTime() - t0;
        long t1 = System.nanoTime();
        int single = 200;
        for (int i = 0; i < single; i++) {
            writer.apply(List.of(all.get(i)));
        }
        long ns1 = System.nanoTime() - t1;
        System.out.printf("ipset restore: %d entries in batches of %d: %.1f us/entry; batches of 1 (confirmed): "
                + "%.1f us/batch%n", n, batch, ns / 1000.0 / n, ns1 / 1000.0 / single);
        String header = run("ipset", "list", "-t", set);
        assertTrue(header.contains("Number of entries: " + n), header);
    }
}
