package org.flowmark.capture.internal.engine;

import static org.flowmark.capture.internal.decode.Pkt.eth;
import static org.flowmark.capture.internal.decode.Pkt.ip;
import static org.flowmark.capture.internal.decode.Pkt.ipv4;
import static org.flowmark.capture.internal.decode.Pkt.tcp;
import static org.flowmark.capture.internal.decode.Pkt.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.flowmark.api.classify.ApplicationResolver;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.flow.FlowRecord;
import org.flowmark.api.flow.PurgeReason;
import org.flowmark.capture.internal.dispatch.DetectorEntry;
import org.flowmark.capture.internal.dispatch.Generation;
import org.flowmark.capture.internal.flow.Flow;
import org.flowmark.capture.internal.source.RawPacket;
import org.junit.jupiter.api.Test;

/** The packet path end to end on built frames: orientation, counters, TCP close, expiry, detection, resolvers. */
class CaptureEngineTest {
    private static final long S = 1_000_000_000L;
    private static final int CLIENT = ip(192, 168, 4, 189);
    private static final int SERVER = ip(52, 216, 110, 177);

    private final List<FlowRecord> classified = new ArrayList<>();
    private final List<FlowRecord> purged = new ArrayList<>();
    private final RawPacket raw = new RawPacket();

    private final FlowEventSink sink = new FlowEventSink() {
        @Override public void classified(Flow flow) {
            classified.add(EventPublisher.record(flow, null));
        }

        @Override public void purged(Flow flow, PurgeReason reason) {
            purged.add(EventPublisher.record(flow, reason));
        }
    };

    private static final Detector MAGIC = (ctx, payload) ->
            payload.length() < 5 ? Verdict.NEED_MORE
            : payload.startsWith(0, "MAGIC".getBytes(StandardCharsets.US_ASCII)) ? detected(ctx) : Verdict.EXCLUDED;

    private static Verdict detected(org.flowmark.api.detector.DetectorContext ctx) {
        ctx.result().protocol("Magic").hostname("magic.example");
        return Verdict.DETECTED;
    }

    private CaptureEngine engine(boolean expire, ApplicationResolver... resolvers) {
        Generation g = new Generation(1, new DetectorEntry[] {new DetectorEntry(MAGIC, "magic", "test",
                DetectorEntry.T_TCP | DetectorEntry.T_UDP, new int[0], 100, 0, 1)});
        EngineConfig cfg = EngineConfig.DEFAULTS.withExpireIdle(expire);
        CaptureEngine e = new CaptureEngine(cfg, () -> g, () -> resolvers, sink, true, (en, f, t, d) -> { });
        e.startSource("test");
        return e;
    }

    private void feed(CaptureEngine e, long ts, byte[] frame) {
        raw.buf = ByteBuffer.wrap(frame);
        raw.offset = 0;
        raw.caplen = frame.length;
        raw.wirelen = frame.length;
        raw.tsNanos = ts;
        raw.linkType = 1;
        e.process(raw);
    }

    /** Ethernet frame whose MACs follow the addresses: ...:01 is the client, ...:02 the server. */
    private static byte[] tcpFrame(int src, int sport, int dst, int dport, int flags, String payload) {
        byte[] ip = ipv4(6, src, dst, tcp(sport, dport, 1, 1, flags, new byte[0],
                payload.getBytes(StandardCharsets.US_ASCII)));
        byte[] f = eth(0x0800, ip);
        f[5] = (byte) (dst == CLIENT ? 1 : 2);
        f[11] = (byte) (src == CLIENT ? 1 : 2);
        return f;
    }

    @Test
    void orientationCountersDetectionAndClose() {
        CaptureEngine e = engine(true);
        // the server (not local) speaks first: the local client is still the local side
        feed(e, 1 * S, tcpFrame(SERVER, 8801, CLIENT, 50000, 0x10, ""));
        feed(e, 2 * S, tcpFrame(CLIENT, 50000, SERVER, 8801, 0x18, "MAGIC hello"));
        feed(e, 3 * S, tcpFrame(SERVER, 8801, CLIENT, 50000, 0x18, "ok"));
        assertEquals(1, classified.size());
        FlowRecord c = classified.get(0);
        assertEquals("Magic", c.detection().protocol());
        assertEquals("192.168.4.189", c.localIp());
        assertEquals(50000, c.localPort());
        assertEquals("52.216.110.177", c.otherIp());
        assertEquals(8801, c.otherPort());
        assertFalse(c.localIsInitiator(), "the server sent the first packet seen");
        feed(e, 4 * S, tcpFrame(CLIENT, 50000, SERVER, 8801, 0x11, ""));
        feed(e, 5 * S, tcpFrame(SERVER, 8801, CLIENT, 50000, 0x11, ""));
        assertTrue(purged.isEmpty());
        // closed flows linger 10 s, then go with the next packet of any flow
        feed(e, 16 * S, eth(0x0800, ipv4(17, CLIENT, ip(8, 8, 8, 8), udp(5353, 53, new byte[] {1}))));
        assertEquals(1, purged.size());
        FlowRecord p = purged.get(0);
        assertEquals(PurgeReason.CLOSED, p.purgeReason());
        assertEquals(2, p.localPackets());
        assertEquals(3, p.otherPackets());
        assertEquals(1, p.dpiPackets());
        assertEquals(1 * S, p.firstSeenNanos());
        assertEquals(5 * S, p.lastSeenNanos());
        assertTrue(p.localMac().endsWith(":01") && p.otherMac().endsWith(":02"), p.localMac() + " " + p.otherMac());
    }

    @Test
    void idleUdpExpiresAfter30sUnlessReadingFiles() {
        CaptureEngine live = engine(true);
        byte[] dns = eth(0x0800, ipv4(17, CLIENT, SERVER, udp(40000, 53, new byte[] {9, 9})));
        feed(live, 0, dns);
        feed(live, 31 * S, eth(0x0800, ipv4(17, CLIENT, SERVER, udp(40001, 53, new byte[] {9}))));
        assertEquals(1, purged.size());
        assertEquals(PurgeReason.IDLE, purged.get(0).purgeReason());
        assertEquals("Unknown", purged.get(0).detection().protocol());
        purged.clear();
        CaptureEngine file = engine(false);
        feed(file, 0, dns);
        feed(file, 3600 * S, dns);
        assertTrue(purged.isEmpty());
        file.purgeAll(PurgeReason.SOURCE_END);
        assertEquals(1, purged.size());
        assertEquals(2, purged.get(0).localPackets());
    }

    @Test
    void resolversNameTheApplicationAndAThrowingOneIsContained() {
        ApplicationResolver boom = (flow, result) -> {
            throw new IllegalStateException("resolver bug");
        };
        ApplicationResolver zoom = (flow, result) -> {
            if (flow.otherPort() == 8801) {
                result.application("zoom").category("video");
            }
        };
        CaptureEngine e = engine(true, boom, zoom);
        feed(e, 1 * S, tcpFrame(CLIENT, 50000, SERVER, 8801, 0x18, "MAGIC"));
        assertEquals("zoom", classified.get(0).detection().application());
        assertEquals("video", classified.get(0).detection().category());
    }

    @Test
    void malformedPacketsAreCountedNotTracked() {
        CaptureEngine e = engine(true);
        byte[] good = tcpFrame(CLIENT, 50000, SERVER, 80, 0x18, "GET");
        byte[] cut = java.util.Arrays.copyOf(good, 20);
        feed(e, 1, cut);
        feed(e, 2, new byte[] {1, 2, 3});
        assertEquals(2, e.stats().decodeErrors());
        assertEquals(0, e.table().size());
    }

    @Test
    void packetPathOfClassifiedAndExpiringFlowsAllocatesNothing() {
        CaptureEngine e = engine(true);
        byte[][] frames = new byte[64][];
        for (int i = 0; i < frames.length; i++) { // 64 flows, classified by their first payload packet
            frames[i] = tcpFrame(CLIENT, 40000 + i, SERVER, 8801, 0x18, "MAGIC");
        }
        RawPacket[] raws = new RawPacket[frames.length];
        for (int i = 0; i < frames.length; i++) {
            raws[i] = new RawPacket();
            raws[i].buf = ByteBuffer.wrap(frames[i]);
            raws[i].caplen = raws[i].wirelen = frames[i].length;
            raws[i].linkType = 1;
            raws[i].tsNanos = S;
            e.process(raws[i]);
        }
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int warm = 0; warm < 20_000; warm++) { // let the JIT compile the path first
            raws[warm & 63].tsNanos = S + warm;
            e.process(raws[warm & 63]);
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int n = 0; n < 200_000; n++) {
            raws[n & 63].tsNanos = 2 * S + n;
            e.process(raws[n & 63]);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 4096, "200,000 packets of classified flows allocated " + allocated + " bytes");
        assertEquals(64, classified.size());
    }
}
