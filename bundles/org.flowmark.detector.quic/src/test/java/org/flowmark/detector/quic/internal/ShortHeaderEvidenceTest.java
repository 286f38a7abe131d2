package org.flowmark.detector.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.junit.jupiter.api.Test;

/**
 * The short-header rule over datagrams built here: 1-RTT packets are byte 0 {@code 0b01SRRKPP} with the five low
 * bits random (header protection), the DCID, then random bytes (masked packet number and AEAD ciphertext).
 */
class ShortHeaderEvidenceTest {

    /** RFC 9001 Appendix A.5: a protected 1-RTT packet, zero-length DCID, the smallest size (21 bytes). */
    static final String RFC9001_A5 = "4cfe4189655e5cd55c41f69080575d7999c25a5bfb";

    /** One datagram with its direction. */
    record D(boolean c, byte[] b) {
    }

    /** A protected 1-RTT packet of {@code size} bytes carrying {@code dcid}. */
    static byte[] shortPacket(SplittableRandom r, byte[] dcid, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        b[0] = (byte) (0x40 | (b[0] & 0x3f));
        System.arraycopy(dcid, 0, b, 1, dcid.length);
        return b;
    }

    static byte[] random(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    /** Offers the datagrams in order; returns the outcome after each. */
    static List<Integer> run(ShortHeaderEvidence ev, List<D> ds) {
        List<Integer> out = new ArrayList<>();
        for (D d : ds) {
            int v = ev.offer(new ByteArrayPacketView(d.b()), d.c());
            out.add(v);
            if (v != ShortHeaderEvidence.MORE) {
                break;
            }
        }
        return out;
    }

    static int last(List<Integer> out) {
        return out.get(out.size() - 1);
    }

    /** Client to server carries cDcid (the server's ID), server to client sDcid (the client's, maybe empty). */
    static List<D> flow(SplittableRandom r, byte[] cDcid, byte[] sDcid, String pattern) {
        List<D> ds = new ArrayList<>();
        for (char ch : pattern.toCharArray()) {
            boolean c = ch == 'c';
            byte[] dcid = c ? cDcid : sDcid;
            ds.add(new D(c, shortPacket(r, dcid, 21 + dcid.length + r.nextInt(1200))));
        }
        return ds;
    }

    @Test
    void eightByteIdsInBothDirectionsDecideAtTheFifthDatagram() {
        SplittableRandom r = new SplittableRandom(1);
        ShortHeaderEvidence ev = new ShortHeaderEvidence();
        List<Integer> out = run(ev, flow(r, QuicVersions.hex("0011223344556677"),
            QuicVersions.hex("8899aabbccddeeff"), "cscscsc"));
        assertEquals(List.of(0, 0, 0, 0, ShortHeaderEvidence.QUIC), out);
        assertEquals(8, ev.dcidLength());
    }

    @Test
    void chromeLikeEmptyClientIdWithTheServerSendingFirst() {
        SplittableRandom r = new SplittableRandom(2);
        ShortHeaderEvidence ev = new ShortHeaderEvidence();
        // a download seen mid-flow: the server (zero-length DCID towards the client) sends first
        List<Integer> out = run(ev, flow(r, QuicVersions.hex("c1c2c3c4c5c6c7c8"), new byte[0], "ssscccc"));
        assertEquals(ShortHeaderEvidence.QUIC, last(out));
        assertEquals(6, out.size(), "three datagrams with the DCID after two of the other side");
        assertEquals(8, ev.dcidLength());
    }

    @Test
    void connectionIdLengthsFourToTwenty() {
        for (int l = 4; l <= 20; l++) {
            SplittableRandom r = new SplittableRandom(100 + l);
            byte[] dcid = random(r, l);
            ShortHeaderEvidence ev = new ShortHeaderEvidence();
            assertEquals(ShortHeaderEvidence.QUIC, last(run(ev, flow(r, dcid, new byte[0], "cscscscscs"))),
                "DCID of " + l);
            assertEquals(l, ev.dcidLength());
        }
    }

    @Test
    void idsShorterThanFourAreNotEnough() {
        SplittableRandom r = new SplittableRandom(3);
        List<D> ds = flow(r, QuicVersions.hex("a1b2c3"), new byte[0], "cscscscscs");
        assertEquals(ShortHeaderEvidence.NOT_QUIC, last(run(new ShortHeaderEvidence(), ds)));
    }

    @Test
    void rfc9001ShortHeaderVectorIsTheSmallestPlausibleDatagram() {
        byte[] a5 = QuicVersions.hex(RFC9001_A5);
        assertEquals(21, a5.length);
        assertTrue(ShortHeaderEvidence.plausible(new ByteArrayPacketView(a5)));
        assertFalse(ShortHeaderEvidence.plausible(new ByteArrayPacketView(a5, 0, 20)), "one byte short");
        byte[] lh = a5.clone();
        lh[0] |= (byte) 0x80;
        assertFalse(ShortHeaderEvidence.plausible(new ByteArrayPacketView(lh)), "long header form");
        byte[] nf = a5.clone();
        nf[0] &= (byte) 0xbf;
        assertFalse(ShortHeaderEvidence.plausible(new ByteArrayPacketView(nf)), "fixed bit clear (greased)");
        // as the zero-length-DCID side of a flow: A.5 and a second such packet from the server
        SplittableRandom r = new SplittableRandom(4);
        byte[] dcid = QuicVersions.hex("0102030405060708");
        List<D> ds = List.of(new D(false, a5), new D(true, shortPacket(r, dcid, 60)),
            new D(false, shortPacket(r, new byte[0], 21)), new D(true, shortPacket(r, dcid, 29)),
            new D(true, shortPacket(r, dcid, 40)), new D(true, shortPacket(r, dcid, 33)));
        ShortHeaderEvidence ev = new ShortHeaderEvidence();
        List<Integer> out = run(ev, ds);
        assertEquals(ShortHeaderEvidence.QUIC, last(out));
        assertEquals(8, ev.dcidLength());
    }

    @Test
    void datagramsTooSmallForTheirDcidAreNotQuic() {
        SplittableRandom r = new SplittableRandom(5);
        byte[] dcid = QuicVersions.hex("0102030405060708");
        List<D> ds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ds.add(new D(true, shortPacket(r, dcid, 28))); // 1 + 8 + 4 + 16 - 1: no room for the sample
            ds.add(new D(false, shortPacket(r, new byte[0], 40)));
        }
        assertEquals(ShortHeaderEvidence.NOT_QUIC, last(run(new ShortHeaderEvidence(), ds)));
    }

    @Test
    void oneDirectionAloneIsNeverEnough() {
        SplittableRandom r = new SplittableRandom(6);
        List<Integer> out = run(new ShortHeaderEvidence(),
            flow(r, QuicVersions.hex("0102030405060708"), new byte[0], "cccccccccccc"));
        assertEquals(ShortHeaderEvidence.MAX_DATAGRAMS, out.size());
        assertEquals(ShortHeaderEvidence.NOT_QUIC, last(out));
    }

    @Test
    void aLongHeaderOrGreasedPacketAmongThemEndsIt() {
        SplittableRandom r = new SplittableRandom(7);
        byte[] dcid = QuicVersions.hex("0102030405060708");
        List<D> ds = flow(r, dcid, new byte[0], "csc");
        byte[] lh = shortPacket(r, dcid, 100);
        lh[0] |= (byte) 0x80;
        ds.add(new D(false, lh));
        List<Integer> out = run(new ShortHeaderEvidence(), ds);
        assertEquals(List.of(0, 0, 0, ShortHeaderEvidence.NOT_QUIC), out);
        ds.set(3, new D(false, Vectors.concat(new byte[] {0x0f}, random(r, 50))));
        assertEquals(ShortHeaderEvidence.NOT_QUIC, last(run(new ShortHeaderEvidence(), ds)));
    }

    @Test
    void otherDirectionWithAShortSharedPrefixWaits() {
        SplittableRandom r = new SplittableRandom(8);
        byte[] dcid = QuicVersions.hex("0102030405060708");
        List<D> ds = flow(r, dcid, new byte[0], "ccc");
        for (int i = 0; i < 7; i++) {
            byte[] b = shortPacket(r, QuicVersions.hex("beef"), 60); // two constant bytes: neither 0 nor a DCID
            ds.add(new D(false, b));
        }
        List<Integer> out = run(new ShortHeaderEvidence(), ds);
        assertEquals(ShortHeaderEvidence.MAX_DATAGRAMS, out.size());
        assertEquals(ShortHeaderEvidence.NOT_QUIC, last(out));
    }

    // ---- other UDP protocols

    @Test
    void rtpStunDtlsWireGuardFailAtTheFirstByte() {
        String[] firsts = {
            "80e0123400001f40deadbeef" + "00".repeat(20),                 // RTP v2
            "81c8000cdeadbeef" + "00".repeat(24),                         // RTCP SR
            "000100082112a442" + "0102030405060708090a0b0c" + "00".repeat(8), // STUN binding request
            "0101002c2112a442" + "0102030405060708090a0b0c" + "00".repeat(44),
            "17fefd0001000000000005003b" + "ab".repeat(59),               // DTLS 1.2 application data
            "04000000" + "5e3a1c09" + "0000000000000007" + "cd".repeat(32), // WireGuard transport data
            "01000000" + "11".repeat(144),                                // WireGuard handshake initiation
        };
        for (String h : firsts) {
            ByteArrayPacketView v = ByteArrayPacketView.ofHex(h);
            assertFalse(ShortHeaderEvidence.plausible(v), h);
            assertEquals(ShortHeaderEvidence.NOT_QUIC, new ShortHeaderEvidence().offer(v, true), h);
        }
    }

    @Test
    void dnsWithIdsThatLookLikeShortHeadersIsNotQuic() {
        // queries and answers on one 5-tuple; IDs in 0x4000..0x7fff so byte 0 passes; flags, counts then follow
        SplittableRandom r = new SplittableRandom(9);
        List<D> ds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int id = 0x4000 + r.nextInt(0x4000);
            String q = String.format("%04x", id) + "01000001000000000000" + "076578616d706c6503636f6d0000010001";
            String a = String.format("%04x", id) + "81800001000100000000" + "076578616d706c6503636f6d0000010001"
                + "c00c000100010000012c00045db8d822";
            ds.add(new D(true, QuicVersions.hex(q)));
            ds.add(new D(false, QuicVersions.hex(a)));
        }
        List<Integer> out = run(new ShortHeaderEvidence(), ds);
        assertEquals(ShortHeaderEvidence.NOT_QUIC, last(out));
        assertFalse(out.contains(ShortHeaderEvidence.QUIC));
    }

    @Test
    void openVpnDataV2CountersAfterAConstantHeaderAreNotQuic() {
        // P_DATA_V2: opcode 9 << 3 | key 0 = 0x48, peer-id 3 bytes, packet-id counter, then ciphertext: the shared
        // prefix (peer-id + counter's high bytes) looks like a 6-byte DCID, but byte 0 never changes
        SplittableRandom r = new SplittableRandom(10);
        List<D> ds = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            ds.add(new D(true, Vectors.concat(QuicVersions.hex("48000001"), QuicVersions.hex(String.format("%08x", i)),
                random(r, 80))));
            ds.add(new D(false, Vectors.concat(QuicVersions.hex("48000002"), QuicVersions.hex(String.format("%08x", i)),
                random(r, 80))));
        }
        List<Integer> out = run(new ShortHeaderEvidence(), ds);
        assertEquals(ShortHeaderEvidence.NOT_QUIC, last(out));
        assertEquals(ShortHeaderEvidence.MAX_DATAGRAMS, out.size());
    }

    @Test
    void aConstantPlainTextHeaderIsNoDcid() {
        // 21+ identical bytes after byte 0 in every datagram: a clear-text header, not DCID + masked packet number
        SplittableRandom r = new SplittableRandom(11);
        byte[] header = QuicVersions.hex("0102030405060708090a0b0c0d0e0f10111213141516");
        List<D> ds = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ds.add(new D(true, shortPacket(r, header, 80)));
        }
        List<Integer> out = run(new ShortHeaderEvidence(), ds);
        assertEquals(List.of(0, 0, ShortHeaderEvidence.NOT_QUIC), out);
    }

    @Test
    void randomShortHeaderLookalikesAreNeverQuic() {
        // byte 0 in 0x40..0x7f everywhere, random rest, sizes and directions: no shared prefix
        SplittableRandom r = new SplittableRandom(12);
        int quic = 0;
        for (int f = 0; f < 20_000; f++) {
            ShortHeaderEvidence ev = new ShortHeaderEvidence();
            int v = ShortHeaderEvidence.MORE;
            for (int i = 0; i < 12 && v == ShortHeaderEvidence.MORE; i++) {
                byte[] b = random(r, 21 + r.nextInt(200));
                b[0] = (byte) (0x40 | (b[0] & 0x3f));
                v = ev.offer(new ByteArrayPacketView(b), r.nextBoolean());
            }
            assertNotEquals(ShortHeaderEvidence.MORE, v, "decided within the bound");
            if (v == ShortHeaderEvidence.QUIC) {
                quic++;
            }
        }
        assertEquals(0, quic);
    }

    @Test
    void randomQuicFlowsAreAllRecognised() {
        SplittableRandom r = new SplittableRandom(13);
        for (int f = 0; f < 2_000; f++) {
            int l = 4 + r.nextInt(17);
            byte[] c = random(r, l);
            byte[] s = r.nextBoolean() ? new byte[0] : random(r, 4 + r.nextInt(17));
            char[] p = "cccccsssss".toCharArray(); // five of each direction, in a random order
            for (int i = p.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                char t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            ShortHeaderEvidence ev = new ShortHeaderEvidence();
            List<Integer> out = run(ev, flow(r, c, s, new String(p)));
            assertEquals(ShortHeaderEvidence.QUIC, last(out), "flow " + f + " DCID " + l + "/" + s.length);
            assertTrue(ev.dcidLength() == l || ev.dcidLength() == s.length, "flow " + f);
        }
    }
}
