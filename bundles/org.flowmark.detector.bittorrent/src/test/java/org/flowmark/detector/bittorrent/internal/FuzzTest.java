package org.flowmark.detector.bittorrent.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.api.packet.PacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutation fuzzing of every parser and of the detector (Jazzer is not served by the build's
 * repository). Nothing may throw, and no random flow may be detected from random bytes alone.
 */
class FuzzTest {

    private static final int ITERATIONS = 100_000;

    private static List<byte[]> seeds() {
        List<byte[]> s = new ArrayList<>();
        s.add(Hex.bytes(PeerWireTest.HANDSHAKE));
        s.add(Hex.asciiBytes(KrpcTest.PING));
        s.add(Hex.asciiBytes(KrpcTest.PONG));
        s.add(Hex.asciiBytes(KrpcTest.GET_PEERS));
        s.add(Hex.asciiBytes(KrpcTest.ERROR));
        s.add(Hex.asciiBytes(TrackerTest.ANNOUNCE));
        s.add(Hex.asciiBytes(TrackerTest.SCRAPE));
        s.add(Hex.bytes(TrackerTest.UDP_CONNECT));
        s.add(Hex.bytes(TrackerTest.udpAnnounce(5)));
        s.add(Hex.bytes(UtpTest.SYN));
        s.add(Hex.bytes(UtpTest.STATE));
        s.add(Hex.asciiBytes("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nInfohash: 0011\r\n\r\n"));
        s.add(Hex.asciiBytes("HTTP/1.1 200 OK\r\n\r\nd8:intervali1800e5:peers0:e"));
        return s;
    }

    private static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        int op = r.nextInt(4);
        if (op == 0 && b.length > 1) {
            b = java.util.Arrays.copyOf(b, 1 + r.nextInt(b.length)); // truncate
        }
        int flips = 1 + r.nextInt(4);
        for (int i = 0; i < flips && b.length > 0; i++) {
            int at = r.nextInt(b.length);
            b[at] = op == 1 ? (byte) r.nextInt(256) : (byte) "0123456789:deil-_xyqrt".charAt(r.nextInt(22));
        }
        return b;
    }

    @Test
    void parsersAndDetectorNeverThrow() {
        Random r = new Random(0xB17L);
        List<byte[]> seeds = seeds();
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] b;
            if (r.nextInt(3) == 0) {
                b = new byte[1 + r.nextInt(300)];
                r.nextBytes(b);
            } else {
                b = mutate(seeds.get(r.nextInt(seeds.size())), r);
            }
            if (b.length == 0) {
                continue;
            }
            PacketView v = new ByteArrayPacketView(b);
            Bencode.skip(v, 0, b.length);
            Bencode.find(v, 0, b.length, new byte[] {'y'});
            Krpc.parse(v);
            Utp.payloadOffset(v);
            PeerWire.prefix(v, 0);
            Tracker.httpRequest(v);
            Tracker.httpResponseBody(v);
            Tracker.lsdInfohash(v);
            Tracker.udpRequestAction(v);
            Tracker.udpConnectRequest(v);
            FakeFlow f = BitTorrentDetectorTest.flow(r.nextBoolean() ? FakeFlow.TCP : FakeFlow.UDP);
            f.send(r.nextBoolean(), b);
            f.send(r.nextBoolean(), mutate(b, r));
            f.send(r.nextBoolean(), b);
        }
    }

    @Test
    void randomBytesAreNeverDetected() {
        Random r = new Random(42);
        int detected = 0;
        for (int i = 0; i < 20_000; i++) {
            FakeFlow f = BitTorrentDetectorTest.flow(r.nextBoolean() ? FakeFlow.TCP : FakeFlow.UDP);
            for (int k = 0; k < 12 && f.verdict() == Verdict.NEED_MORE; k++) {
                byte[] b = new byte[1 + r.nextInt(700)];
                r.nextBytes(b);
                f.send(r.nextBoolean(), b);
            }
            if (f.verdict() == Verdict.DETECTED) {
                detected++;
            }
        }
        assertTrue(detected == 0, detected + " random flows detected");
    }
}
