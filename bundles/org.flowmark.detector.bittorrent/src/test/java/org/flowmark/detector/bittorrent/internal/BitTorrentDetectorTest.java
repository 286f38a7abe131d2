package org.flowmark.detector.bittorrent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.Random;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

class BitTorrentDetectorTest {

    private static final byte[] HS = Hex.bytes(PeerWireTest.HANDSHAKE);

    /** A flow from port 50000 to 6881 with 4 extra packets after DETECTED. */
    static FakeFlow flow(int ipProtocol) {
        return new FakeFlow(new BitTorrentDetector(), 4, ipProtocol, 50_000, 6881);
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void tcpHandshakeFromInitiator() {
        FakeFlow f = flow(FakeFlow.TCP).c(HS);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("BitTorrent", f.result().protocol());
        assertEquals("bittorrent", f.result().application());
        assertEquals("peer_wire", f.meta(BitTorrentDetector.GROUP, "kind"));
        assertEquals("00112233445566778899aabbccddeeff01234567", f.meta(BitTorrentDetector.GROUP, "info_hash"));
        assertEquals("-TR2940-", f.meta(BitTorrentDetector.GROUP, "peer_id"));
        assertEquals("Transmission", f.meta(BitTorrentDetector.GROUP, "client"));
    }

    @Test
    void tcpHandshakeFromResponderOnly() {
        FakeFlow f = flow(FakeFlow.TCP).s(HS);
        assertEquals(Verdict.DETECTED, f.verdict());
    }

    @Test
    void handshakeCutBeforeInfoHashIsCompletedInCollect() {
        FakeFlow f = flow(FakeFlow.TCP).c(Arrays.copyOf(HS, 24));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertNull(f.meta(BitTorrentDetector.GROUP, "info_hash"));
        f.s(random(1, 40)).c(Arrays.copyOfRange(HS, 24, 68));
        assertEquals("00112233445566778899aabbccddeeff01234567", f.meta(BitTorrentDetector.GROUP, "info_hash"));
        assertEquals("-TR2940-", f.meta(BitTorrentDetector.GROUP, "peer_id"));
    }

    @Test
    void handshakePrefixSplitAcrossPackets() {
        FakeFlow f = flow(FakeFlow.TCP).c(Arrays.copyOf(HS, 5));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c(Arrays.copyOfRange(HS, 5, 68));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("00112233445566778899aabbccddeeff01234567", f.meta(BitTorrentDetector.GROUP, "info_hash"));
    }

    @Test
    void plainTcpProtocolsAreExcludedAtOnce() {
        assertEquals(Verdict.EXCLUDED,
            flow(FakeFlow.TCP).c(Hex.asciiBytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).verdict());
        assertEquals(Verdict.EXCLUDED, flow(FakeFlow.TCP).s(Hex.asciiBytes("SSH-2.0-OpenSSH_9.2\r\n")).verdict());
        byte[] tls = random(2, 300);
        tls[0] = 0x16;
        tls[1] = 3;
        assertEquals(Verdict.EXCLUDED, flow(FakeFlow.TCP).c(tls).verdict());
        assertEquals(Verdict.EXCLUDED, flow(FakeFlow.TCP).c(random(3, 40)).verdict());
        assertEquals(Verdict.EXCLUDED, flow(FakeFlow.TCP).c(random(3, 1400)).verdict());
    }

    @Test
    void mseFollowedByPlaintextHandshakeIsDetected() {
        FakeFlow f = flow(FakeFlow.TCP).c(random(4, 198)).s(random(5, 424)).c(random(6, 471)).s(random(7, 240));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.s(Hex.concat(HS, random(8, 100)));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("mse", f.meta(BitTorrentDetector.GROUP, "encryption"));
        assertEquals("00112233445566778899aabbccddeeff01234567", f.meta(BitTorrentDetector.GROUP, "info_hash"));
    }

    @Test
    void randomTrafficInTheMseWindowIsNeverDetected() {
        for (int seed = 0; seed < 200; seed++) {
            Random r = new Random(seed);
            FakeFlow f = flow(FakeFlow.TCP);
            f.c(random(seed, 96 + r.nextInt(513))).s(random(seed + 1000, 96 + r.nextInt(513)));
            for (int i = 0; i < 30 && f.verdict() == Verdict.NEED_MORE; i++) {
                f.send(r.nextBoolean(), random(seed * 31 + i, 1 + r.nextInt(1400)));
            }
            assertEquals(Verdict.EXCLUDED, f.verdict(), "seed " + seed);
        }
        // the responder's key exchange must fit the window
        assertEquals(Verdict.EXCLUDED, flow(FakeFlow.TCP).c(random(9, 200)).s(random(10, 700)).verdict());
    }

    @Test
    void httpTrackerAnnounceBecomesHttpBittorrent() {
        FakeFlow f = flow(FakeFlow.TCP).c(Hex.asciiBytes(TrackerTest.ANNOUNCE));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("HTTP", f.result().protocol());
        assertEquals("bittorrent", f.result().application());
        assertEquals("http_tracker", f.meta(BitTorrentDetector.GROUP, "kind"));
        assertEquals("announce", f.meta(BitTorrentDetector.GROUP, "tracker_request"));
        assertEquals("aa3769c4530dde06241873dad43ab5ccec2ce622", f.meta(BitTorrentDetector.GROUP, "info_hash"));
        assertEquals("-TR2940-", f.meta(BitTorrentDetector.GROUP, "peer_id"));
        assertEquals("tracker.example.org", f.result().hostname());
        assertEquals("Transmission/2.94", f.result().get("http", "user_agent"));
    }

    @Test
    void trackerPeerIdKeepsOnlyThePrintableClientPrefix() {
        FakeFlow f = flow(FakeFlow.TCP).c(Hex.asciiBytes("GET /announce?info_hash=%00%01%02%03%04%05%06%07%08%09%0a"
            + "%0b%0c%0d%0e%0f%10%11%12%13&peer_id=A2-1-36-0-%1B%B7F%2B%F2%BA%1561%C4&port=6991 HTTP/1.1\r\n\r\n"));
        assertEquals("A2-1-36-0-", f.meta(BitTorrentDetector.GROUP, "peer_id"));
        assertEquals("000102030405060708090a0b0c0d0e0f10111213", f.meta(BitTorrentDetector.GROUP, "info_hash"));
    }

    @Test
    void httpTrackerResponseAlone() {
        FakeFlow f = flow(FakeFlow.TCP).s(Hex.asciiBytes("HTTP/1.1 200 OK\r\n\r\nd8:intervali1800e5:peers0:e"));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("bittorrent", f.result().application());
    }

    @Test
    void dhtQueryAndResponse() {
        FakeFlow f = flow(FakeFlow.UDP).c(Hex.asciiBytes(KrpcTest.GET_PEERS));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("dht", f.meta(BitTorrentDetector.GROUP, "kind"));
        assertEquals("get_peers", f.meta(BitTorrentDetector.GROUP, "dht_method"));
        assertEquals(PeerWire.hex(Hex.ascii("mnopqrstuvwxyz123456"), 0, 20),
            f.meta(BitTorrentDetector.GROUP, "info_hash"));
        assertEquals(Verdict.DETECTED, flow(FakeFlow.UDP).s(Hex.asciiBytes(KrpcTest.PONG)).verdict());
        assertEquals(Verdict.EXCLUDED, flow(FakeFlow.UDP).c(Hex.asciiBytes("d4:spam4:eggse")).verdict());
    }

    @Test
    void lsdAnnounce() {
        FakeFlow f = flow(FakeFlow.UDP).c(Hex.asciiBytes("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\n"
            + "Port: 6881\r\nInfohash: 00112233445566778899AABBCCDDEEFF01234567\r\n\r\n\r\n"));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("lsd", f.meta(BitTorrentDetector.GROUP, "kind"));
        assertEquals("00112233445566778899aabbccddeeff01234567", f.meta(BitTorrentDetector.GROUP, "info_hash"));
    }

    @Test
    void udpTracker() {
        assertEquals(Verdict.DETECTED, flow(FakeFlow.UDP).c(TrackerTest.UDP_CONNECT).verdict());
        FakeFlow f = flow(FakeFlow.UDP).c(TrackerTest.udpAnnounce(0x77));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.s("00000001 00000077 00000708 00000001 00000002 0a000001 1ae1");
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("udp_tracker", f.meta(BitTorrentDetector.GROUP, "kind"));
        FakeFlow g = flow(FakeFlow.UDP).c(TrackerTest.udpAnnounce(0x77))
            .s("00000001 00000078 00000708 00000001 00000002 0a000001 1ae1");
        assertEquals(Verdict.EXCLUDED, g.verdict());
    }

    @Test
    void utpSynStatePairing() {
        FakeFlow f = flow(FakeFlow.UDP).c(UtpTest.SYN);
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c(UtpTest.SYN); // a retransmitted SYN
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.s(UtpTest.STATE);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("utp", f.meta(BitTorrentDetector.GROUP, "kind"));
        assertNull(f.meta(BitTorrentDetector.GROUP, "info_hash"));
        f.c(Hex.concat(Hex.bytes("01 00 1235 00000001 00000000 00100000 0002 5555"), HS));
        assertEquals("00112233445566778899aabbccddeeff01234567", f.meta(BitTorrentDetector.GROUP, "info_hash"));
        // wrong connection id or ack_nr
        assertEquals(Verdict.EXCLUDED,
            flow(FakeFlow.UDP).c(UtpTest.SYN).s(UtpTest.STATE.replace("1234", "1235")).verdict());
        assertEquals(Verdict.EXCLUDED,
            flow(FakeFlow.UDP).c(UtpTest.SYN).s(UtpTest.STATE.replace("5555 0001", "5555 0002")).verdict());
    }

    @Test
    void utpDataWithHandshake() {
        FakeFlow f = flow(FakeFlow.UDP).c(Hex.concat(Hex.bytes("01 00 1235 00000001 00000000 00100000 0002 5555"), HS));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("utp", f.meta(BitTorrentDetector.GROUP, "kind"));
        assertEquals("00112233445566778899aabbccddeeff01234567", f.meta(BitTorrentDetector.GROUP, "info_hash"));
    }

    @Test
    void utpMidstreamPairing() {
        FakeFlow f = flow(FakeFlow.UDP).c("01 00 1235 00000001 00000000 00100000 0100 5555" + "aabbcc");
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.s("21 00 1234 00000002 00000001 00100000 5556 0100");
        assertEquals(Verdict.DETECTED, f.verdict());
        FakeFlow g = flow(FakeFlow.UDP).c("01 00 1235 00000001 00000000 00100000 0100 5555" + "aabbcc")
            .s("21 00 1230 00000002 00000001 00100000 5556 0100");
        assertEquals(Verdict.EXCLUDED, g.verdict());
    }

    @Test
    void randomUdpIsExcludedWithinTheWatchBudget() {
        for (int seed = 0; seed < 2000; seed++) {
            Random r = new Random(seed);
            FakeFlow f = flow(FakeFlow.UDP);
            for (int i = 0; i < 32 && f.verdict() == Verdict.NEED_MORE; i++) {
                f.send(r.nextBoolean(), random(seed * 37L + i, 1 + r.nextInt(200)));
            }
            assertEquals(Verdict.EXCLUDED, f.verdict(), "seed " + seed);
        }
    }
}
