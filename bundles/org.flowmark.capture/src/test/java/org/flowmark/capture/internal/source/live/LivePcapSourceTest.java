package org.flowmark.capture.internal.source.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.flowmark.capture.internal.source.CaptureException;
import org.flowmark.capture.internal.source.RawPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Options, device listing, error messages, wakeup and close of the live source (on the loopback interface). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LivePcapSourceTest {

    private static void assumeLibpcap() {
        String problem = LiveTestSupport.libpcapProblem();
        assumeTrue(problem == null, "skipped: " + problem);
    }

    private static void assumeCapture() {
        assumeLibpcap();
        assumeTrue(LiveTestSupport.isRoot(), "skipped: opening an interface needs root or CAP_NET_RAW");
    }

    @Test
    void optionDefaultsAndValidation() {
        LiveOptions o = LiveOptions.of(" eth0 ");
        assertEquals("eth0", o.iface());
        assertEquals(65535, o.snaplen());
        assertTrue(o.promiscuous());
        assertEquals(100, o.timeoutMillis());
        assertEquals(8 << 20, o.bufferSize());
        assertNull(o.filter());
        assertNull(o.withFilter("  ").filter());
        assertEquals("tcp", o.withFilter("tcp").filter());
        assertThrows(IllegalArgumentException.class, () -> LiveOptions.of(""));
        assertThrows(IllegalArgumentException.class, () -> LiveOptions.of(null));
        assertThrows(IllegalArgumentException.class, () -> o.withSnaplen(10));
        assertThrows(IllegalArgumentException.class, () -> o.withSnaplen(LiveOptions.MAX_SNAPLEN + 1));
        assertThrows(IllegalArgumentException.class, () -> o.withTimeoutMillis(0));
        assertThrows(IllegalArgumentException.class, () -> o.withBufferSize(1024));
    }

    @Test
    void missingLibraryNamesThePackage() {
        CaptureException e = assertThrows(CaptureException.class, () -> LibPcap.find("flowmark-no-such-pcap-lib"));
        assertTrue(e.getMessage().startsWith("libpcap not found: apt-get install libpcap0.8"), e.getMessage());
    }

    @Test
    void activationErrorsReadLikeAdvice() {
        assertEquals("permission denied opening eth0: run as root or grant CAP_NET_RAW",
                LivePcapSource.activateError(LibPcap.PCAP_ERROR_PERM_DENIED, "eth0", "You don't have permission", "lo"));
        assertEquals("no such interface eth9 (available: lo, eth0, veth-a)",
                LivePcapSource.activateError(LibPcap.PCAP_ERROR_NO_SUCH_DEVICE, "eth9", "x", "lo, eth0, veth-a"));
        assertEquals("interface eth1 is down: bring it up first (ip link set eth1 up)",
                LivePcapSource.activateError(LibPcap.PCAP_ERROR_IFACE_NOT_UP, "eth1", "x", "lo"));
        assertEquals("cannot open eth0: boom", LivePcapSource.activateError(-1, "eth0", "boom", "lo"));
        assertEquals("no such interface eth9 (available: lo, eth0)", LivePcapSource.noSuchInterface("eth9", List.of(
                new LiveDevices.Device("lo", "", List.of(), true, true),
                new LiveDevices.Device("eth0", "", List.of(), false, true))));
    }

    @Test
    void addressFormatting() throws Exception {
        assertEquals("127.0.0.1/8", LiveDevices.format(InetAddress.getByName("127.0.0.1"),
                InetAddress.getByName("255.0.0.0")));
        assertEquals("0:0:0:0:0:0:0:1/128", LiveDevices.format(InetAddress.getByName("::1"),
                InetAddress.getByName("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        assertEquals("10.1.2.3", LiveDevices.format(InetAddress.getByName("10.1.2.3"), null));
    }

    @Test
    void listsLoopbackWithItsAddress() throws Exception {
        assumeLibpcap();
        List<LiveDevices.Device> all = LiveDevices.list();
        LiveDevices.Device lo = all.stream().filter(d -> d.name().equals("lo")).findFirst()
                .orElseThrow(() -> new AssertionError("no lo in " + all));
        assertTrue(lo.loopback());
        assertTrue(lo.addresses().contains("127.0.0.1/8"), lo.addresses().toString());
    }

    @Test
    void unknownInterfaceListsTheAvailableOnes() {
        assumeLibpcap();
        CaptureException e = assertThrows(CaptureException.class,
                () -> LivePcapSource.open(LiveOptions.of("eth9-flowmark")));
        assertTrue(e.getMessage().startsWith("no such interface eth9-flowmark (available: "), e.getMessage());
        assertTrue(e.getMessage().contains("lo"), e.getMessage());
    }

    @Test
    void badFilterCarriesLibpcapsReason() {
        assumeCapture();
        CaptureException e = assertThrows(CaptureException.class,
                () -> LivePcapSource.open(LiveOptions.of("lo").withFilter("tcp port")));
        assertTrue(e.getMessage().startsWith("bad BPF filter 'tcp port': "), e.getMessage());
        assertTrue(e.getMessage().contains("syntax error"), e.getMessage());
    }

    @Test
    void opensLoopbackWithNanosecondTimestamps() throws Exception {
        assumeCapture();
        try (LivePcapSource src = LivePcapSource.open(LiveOptions.of("lo").withSnaplen(1500))) {
            assertEquals("lo", src.name());
            assertEquals(1, src.linkType(), "Linux loopback reports Ethernet framing");
            assertTrue(src.nanosecondTimestamps());
            assertTrue(src.snapLength() >= 1500);
            assertEquals(0, src.kernelDrops());
            assertFalse(src.isFinished());
        }
    }

    @Test
    void wakeupReturnsEarlyAndCloseFromAnotherThreadFinishes() throws Exception {
        assumeCapture();
        // a filter nothing on lo matches, and a long timeout: next() only returns when woken
        LivePcapSource src = LivePcapSource.open(
                LiveOptions.of("lo").withTimeoutMillis(10_000).withFilter("udp port 7 and udp port 9"));
        RawPacket p = new RawPacket();
        try {
            CompletableFuture<Void> waker = CompletableFuture.runAsync(() -> {
                sleep(200);
                src.wakeup();
            });
            long t0 = System.nanoTime();
            assertFalse(src.next(p));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms < 5_000, "wakeup took " + ms + " ms");
            assertFalse(src.isFinished(), "a wakeup does not end the capture");
            waker.get(5, TimeUnit.SECONDS);

            CompletableFuture<Void> closer = CompletableFuture.runAsync(() -> {
                sleep(200);
                src.close();
            });
            t0 = System.nanoTime();
            assertFalse(src.next(p));
            ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms < 5_000, "close took " + ms + " ms to break the read");
            closer.get(5, TimeUnit.SECONDS);
            assertTrue(src.isFinished());
            assertFalse(src.next(p), "closed source delivers nothing");
            assertEquals(0, src.kernelDrops(), "drops stay readable after close");
            src.wakeup(); // harmless after close
        } finally {
            src.close();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
