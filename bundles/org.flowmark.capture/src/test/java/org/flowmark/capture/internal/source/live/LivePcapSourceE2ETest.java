package org.flowmark.capture.internal.source.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.flowmark.capture.internal.source.RawPacket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End to end: a veth pair whose far end lives in a fresh network namespace; UDP datagrams are sent from the
 * namespace (bash's /dev/udp, no extra tools) and captured on the near end. Needs root, libpcap and iproute2;
 * skipped with the reason otherwise. The namespace (and with it the veth pair) is removed after the class, even on
 * failure.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LivePcapSourceE2ETest {

    private static final int N = 2000;
    private static final int NOISE = 300;
    private static final String NS = "fmt-" + ProcessHandle.current().pid();
    private static final String NEAR = "fmta" + ProcessHandle.current().pid();
    private static final String FAR = "fmtb" + ProcessHandle.current().pid();
    /** RFC 2544 benchmarking range; only ever inside the namespace, the peer is a static neighbour entry. */
    private static final String SRC = "198.18.0.1";
    private static final String DST = "198.18.0.2";

    private static boolean created;

    @BeforeAll
    static void setUp() {
        assumeTrue(LiveTestSupport.isRoot(), "live capture end-to-end test skipped: needs root (netns, veth, capture)");
        String lib = LiveTestSupport.libpcapProblem();
        assumeTrue(lib == null, "live capture end-to-end test skipped: " + lib);
        assumeTrue(LiveTestSupport.hasCommand("ip"), "live capture end-to-end test skipped: iproute2 'ip' missing");
        assumeTrue(LiveTestSupport.hasCommand("bash"), "live capture end-to-end test skipped: bash missing");
        removeStaleNamespaces();
        StringBuilder out = new StringBuilder();
        int rc = LiveTestSupport.run(out, List.of("ip", "netns", "add", NS));
        assumeTrue(rc == 0, "live capture end-to-end test skipped: cannot create a network namespace: " + out);
        created = true;
        // also when the JVM is stopped by a signal (AfterAll does not run then)
        Runtime.getRuntime().addShutdownHook(new Thread(LivePcapSourceE2ETest::tearDown, "netns-cleanup"));
        LiveTestSupport.must("ip", "link", "add", NEAR, "type", "veth", "peer", "name", FAR, "netns", NS);
        LiveTestSupport.must("ip", "link", "set", NEAR, "up");
        LiveTestSupport.quietly("sysctl", "-qw", "net.ipv6.conf." + NEAR + ".disable_ipv6=1");
        inNs("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
        inNs("ip", "addr", "add", SRC + "/24", "dev", FAR);
        inNs("ip", "link", "set", FAR, "up");
        inNs("ip", "link", "set", "lo", "up");
        inNs("ip", "neigh", "replace", DST, "lladdr", "02:00:5e:00:53:02", "dev", FAR, "nud", "permanent");
    }

    @AfterAll
    static synchronized void tearDown() {
        if (created) {
            created = false;
            LiveTestSupport.quietly("ip", "netns", "del", NS);
            LiveTestSupport.quietly("ip", "link", "del", NEAR); // normally already gone with the namespace
        }
    }

    /** Namespaces of earlier runs whose JVM was killed (fmt-PID with PID gone). */
    private static void removeStaleNamespaces() {
        StringBuilder out = new StringBuilder();
        if (LiveTestSupport.run(out, List.of("ip", "netns", "list")) != 0) {
            return;
        }
        for (String line : out.toString().split("\n")) {
            String ns = line.strip().split("\\s+")[0];
            if (ns.matches("fmt-\\d+")) {
                long pid = Long.parseLong(ns.substring(4));
                if (ProcessHandle.of(pid).isEmpty()) {
                    LiveTestSupport.quietly("ip", "netns", "del", ns);
                }
            }
        }
    }

    private static void inNs(String... cmd) {
        String[] full = new String[cmd.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = NS;
        System.arraycopy(cmd, 0, full, 4, cmd.length);
        LiveTestSupport.must(full);
    }

    /**
     * Datagram i (0-based) to port 9999 carries {@code 1 + i % 200} bytes; after every 7th one a datagram goes to
     * port 9998, which the filter must drop.
     */
    private static Process startSender() throws Exception {
        String script = "p=$(printf 'x%.0s' {1..200}); n=0; "
                + "for ((i=0;i<" + N + ";i++)); do "
                + "printf '%s' \"${p:0:$((1 + i % 200))}\" > /dev/udp/" + DST + "/9999 || exit 3; "
                + "if (( i % 7 == 6 && n < " + NOISE + " )); then printf 'noise' > /dev/udp/" + DST
                + "/9998 || exit 4; n=$((n+1)); fi; "
                + "done";
        return new ProcessBuilder("ip", "netns", "exec", NS, "bash", "-c", script).redirectErrorStream(true).start();
    }

    @Test
    void capturesEveryMatchingDatagramAndNothingElse() throws Exception {
        captureAll(LiveOptions.of(NEAR).withTimeoutMillis(20));
    }

    @Test
    void immediateModeCapturesEveryMatchingDatagram() throws Exception {
        // TPACKET_V2 frames are snaplen-sized: a small snaplen keeps the ring deep enough for the burst
        captureAll(LiveOptions.of(NEAR).withTimeoutMillis(20).withImmediate(true).withSnaplen(2048));
    }

    private static void captureAll(LiveOptions base) throws Exception {
        int noiseSent = Math.min(NOISE, N / 7);
        try (LivePcapSource matching = LivePcapSource.open(base.withFilter("udp port 9999"));
                LivePcapSource other = LivePcapSource.open(base.withFilter("udp port 9998"))) {
            assertEquals(1, matching.linkType(), "Ethernet link type on a veth");
            RawPacket p = new RawPacket();
            List<int[]> got = new ArrayList<>(); // {caplen, wirelen, dstPort, udpLen}
            long[] ts = new long[N + 16];
            int otherCount = 0;
            int otherWrongPort = 0;
            long wallBefore = System.currentTimeMillis();
            Process sender = startSender();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int idleRoundsAfterExit = 0;
            while (System.nanoTime() < deadline) {
                boolean any = false;
                while (matching.next(p)) {
                    any = true;
                    if (got.size() < ts.length) {
                        ts[got.size()] = p.tsNanos;
                    }
                    got.add(new int[] {p.caplen, p.wirelen, udpDstPort(p), udpLength(p)});
                    assertEquals(0, p.offset);
                    assertEquals(1, p.linkType);
                }
                while (other.next(p)) {
                    any = true;
                    otherCount++;
                    if (udpDstPort(p) != 9998) {
                        otherWrongPort++;
                    }
                }
                assertFalse(matching.isFinished());
                if (!sender.isAlive() && !any && ++idleRoundsAfterExit >= 3) {
                    break;
                }
            }
            long wallAfter = System.currentTimeMillis();
            assertTrue(sender.waitFor(5, TimeUnit.SECONDS), "sender did not finish");
            String senderOut = new String(sender.getInputStream().readAllBytes());
            assertEquals(0, sender.exitValue(), "sender failed: " + senderOut);

            assertEquals(N, got.size(), "datagrams to port 9999 captured");
            for (int i = 0; i < N; i++) {
                int payload = 1 + i % 200;
                int frame = 14 + 20 + 8 + payload;
                int[] g = got.get(i);
                assertEquals(frame, g[0], "caplen of datagram " + i);
                assertEquals(frame, g[1], "wirelen of datagram " + i);
                assertEquals(9999, g[2], "destination port of datagram " + i);
                assertEquals(8 + payload, g[3], "UDP length of datagram " + i);
                if (i > 0) {
                    assertTrue(ts[i] >= ts[i - 1], "timestamps go back at datagram " + i);
                }
            }
            assertTrue(ts[N - 1] > ts[0], "timestamps increase");
            assertTrue(ts[0] >= (wallBefore - 1000) * 1_000_000L && ts[N - 1] <= (wallAfter + 1000) * 1_000_000L,
                    "timestamps are epoch nanoseconds of the test run");
            // the 9998 traffic was on the wire (the second capture saw it) but not in the first one
            assertEquals(noiseSent, otherCount, "datagrams to port 9998 seen by the second capture");
            assertEquals(0, otherWrongPort);
            assertEquals(0, matching.kernelDrops(), "kernel drops");
        }
    }

    @Test
    void snaplenCutsPacketsButKeepsWireLength() throws Exception {
        try (LivePcapSource src = LivePcapSource.open(
                LiveOptions.of(NEAR).withTimeoutMillis(20).withSnaplen(64).withFilter("udp port 9999"))) {
            Process sender = new ProcessBuilder("ip", "netns", "exec", NS, "bash", "-c",
                    "for i in 1 2 3; do printf '%0500d' 0 > /dev/udp/" + DST + "/9999; done").start();
            assertTrue(sender.waitFor(10, TimeUnit.SECONDS));
            RawPacket p = new RawPacket();
            int n = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (n < 3 && System.nanoTime() < deadline) {
                if (src.next(p)) {
                    n++;
                    assertEquals(64, p.caplen);
                    assertEquals(14 + 20 + 8 + 500, p.wirelen);
                }
            }
            assertEquals(3, n);
        }
    }

    private static int udpDstPort(RawPacket p) {
        ByteBuffer b = p.buf;
        int ip = p.offset + 14;
        if ((b.getShort(p.offset + 12) & 0xffff) != 0x0800 || (b.get(ip + 9) & 0xff) != 17) {
            fail("not UDP over IPv4/Ethernet");
        }
        int ihl = (b.get(ip) & 0x0f) * 4;
        return b.getShort(ip + ihl + 2) & 0xffff;
    }

    private static int udpLength(RawPacket p) {
        int ip = p.offset + 14;
        int ihl = (p.buf.get(ip) & 0x0f) * 4;
        return p.buf.getShort(ip + ihl + 4) & 0xffff;
    }
}
