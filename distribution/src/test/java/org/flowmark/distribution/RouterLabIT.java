package org.flowmark.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * The full-agent router lab ({@code src/test/lab/router-lab.sh}, checks and figures in {@code router-lab.py}):
 * client, router and server network namespaces; the assembled {@code bin/flowmark run} capturing on the router's
 * LAN veth with rules for every actuator at once (ipset {@code hash:ip,port,ip}, nftables set, conntrack mark
 * 0x85/0xff with the tc helper's HTB class, log); real TLS (openssl, chosen SNI), SSH (sshd + ssh with a key),
 * WireGuard (wireguard-go), BitTorrent (two aria2c and opentracker) and a replayed QUIC capture (tcpreplay after
 * tcprewrite). Per flow it checks the ipset and nft elements with their timeouts, the {@code --match-set} and
 * {@code @set} counters, the conntrack mark, the tc class counters and the packets that passed unmarked after the
 * classifying one; it prints the capture-to-kernel latency p50/p99 per actuator. Needs root and the tools listed
 * in {@code .ci/run}; the script exits 77 (skipped here, with its reason) when one is missing.
 * {@code -Dlab.short.batches=N} sets the batches of 10 short TLS flows (default 3).
 */
class RouterLabIT {

    @Test
    void everyActuatorActsOnRealTrafficThroughTheRouter() throws Exception {
        Path script = Path.of("src/test/lab/router-lab.sh").toAbsolutePath();
        assumeTrue(Files.isRegularFile(script), "SKIPPED: " + script + " is missing");
        LabScript.Result r = LabScript.run("router-lab:", 6, "LAB_SHORT_BATCHES",
                System.getProperty("lab.short.batches", "3"), "bash", script.toString(),
                FrameworkIT.LAYOUT.toString());
        assumeTrue(r.exit() != 77, r::skipReason);
        assertEquals(0, r.exit(), r.output());
    }
}
