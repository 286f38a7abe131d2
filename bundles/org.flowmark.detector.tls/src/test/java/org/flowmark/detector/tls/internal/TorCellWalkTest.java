package org.flowmark.detector.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

/**
 * Tor over TLS 1.3, named from the cell framing of its application-data records (TorLink, TlsFlowState's walk):
 * the recorded link of today's Tor, synthetic links cut into segments every which way, and what must not be Tor.
 */
class TorCellWalkTest {

    /**
     * tor-link-tls13.pcap (distribution/src/test/lab/record-tor.sh): Debian tor 0.4.9 client and bridge, TLS 1.3,
     * every payload segment of the capture. Record lengths per direction after the hellos: server 23, 617, 281, 69
     * (its encrypted handshake flight), 74, 74 (session tickets), 2058 (variable-length cells), then 531, 531,
     * 2587, 531, 1559, ...; client 69 (Finished), 28 (VERSIONS), then 1045, 1045, 531, ... (514k + 17).
     */
    private static final List<FakeFlow.Segment> TOR13 =
        FakeFlow.Segment.load(TorCellWalkTest.class, "tor-link-tls13.hex");

    private static final String TOR_SNI = "www.ct7ctrgb6cr7.com";

    private static FakeFlow flow() {
        return TlsDetectorTest.flow(TlsDetectorTest.detector());
    }

    // ------------------------------------------------------------------ the rule's arithmetic

    @Test
    void cellRecordIsWholeFixedCellsPlusTheAeadOverhead() {
        for (int len : new int[] {531, 1045, 1559, 2587, 514 * 31 + 17}) {
            assertTrue(TorLink.cellRecord(len), String.valueOf(len));
        }
        for (int len : new int[] {0, 17, 28, 69, 74, 514, 530, 532, 1044, 1046, 2058, 16401, 16384 + 256}) {
            assertFalse(TorLink.cellRecord(len), String.valueOf(len));
        }
    }

    // ------------------------------------------------------------------ the recording

    @Test
    void recordedTls13LinkIsTorFromItsCellFraming() {
        FakeFlow f = flow().replay(TOR13);
        assertEquals(List.of(Verdict.DETECTED), f.verdicts(), "DETECTED on the ClientHello");
        assertEquals("TLS", f.result().protocol());
        assertEquals("TLSv1.3", f.meta("ssl", "version"));
        assertEquals(Boolean.TRUE, f.meta("ssl", "tor_like_sni"));
        assertEquals("tor", f.result().application());
        assertEquals("vpn", f.result().category());
        // client 1045, server 531, client 1045, server 531: the fourth decides, on the 11th extra packet
        assertEquals(4, f.meta("ssl", "tor_cells"));
        assertEquals(11, f.collectCalls());
        assertFalse(f.collectWanted(), "collect stops as soon as it is decided");
        assertNull(f.stateObject(), "state dropped at the end");
    }

    @Test
    void recordedLinkWithoutTheLastDecidingPacketIsMetadataOnly() {
        FakeFlow f = flow().replay(TOR13.subList(0, 11)); // up to the client's second 1045 (3 cell records)
        assertNull(f.result().application());
        assertNull(f.meta("ssl", "tor_cells"), "still undecided");
        assertTrue(f.collectWanted(), "still walking");
    }

    @Test
    void recordedLinkBytesResegmentedAreStillTor() {
        // each direction's bytes after its hello, re-cut into few segments that split headers and hold many records
        byte[][] dir = directionBytes(TOR13.subList(2, TOR13.size()));
        byte[] client = dir[0];
        byte[] server = dir[1];
        FakeFlow f = flow().c(TOR13.get(0).payload()).s(TOR13.get(1).payload());
        sendCut(f, true, client, 0, 2, 70); // CCS, the Finished's header cut after 2 bytes
        sendCut(f, false, server, 0, 3, 800, 2400); // tickets, var cells, first cells
        sendCut(f, true, client, 70, 1000, 1200, client.length);
        assertEquals("tor", f.result().application());
        assertTrue((Integer) f.meta("ssl", "tor_cells") >= 4);
        assertFalse(f.collectWanted());
    }

    // ------------------------------------------------------------------ synthetic links

    /** A Tor-shaped TLS 1.3 link: server flight, Finished, tickets, VERSIONS, var cells, then cells. */
    private static FakeFlow torLink(FakeFlow f, String sni, boolean alpn) {
        return f.c(TorLinkTest.clientHello(sni, alpn, true))
            .s(concat(TorLinkTest.serverHello(true), ccs(), app(23), app(617), app(281), app(69)))
            .c(concat(ccs(), app(69)))
            .s(app(74))
            .c(app(28))
            .s(app(74))
            .s(app(2058));
    }

    @Test
    void syntheticLinkIsTorOnceBothDirectionsCarryCells() {
        FakeFlow f = torLink(flow(), TOR_SNI, false).c(app(1045)).c(app(531)).c(app(1559));
        assertNull(f.result().application(), "three cell records, all from the client: not yet");
        f.s(app(531));
        assertEquals("tor", f.result().application());
        assertEquals("vpn", f.result().category());
        assertEquals(4, f.meta("ssl", "tor_cells"));
        assertFalse(f.collectWanted());
    }

    @Test
    void recordsSplitAcrossSegmentsAndSeveralPerSegment() {
        FakeFlow f = flow().c(TorLinkTest.clientHello(TOR_SNI, false, true));
        byte[] server = concat(TorLinkTest.serverHello(true), ccs(), app(23), app(617), app(281), app(69));
        // the server flight in pieces cutting the CCS header after 1 byte and an encrypted record's after 4
        int sh = TorLinkTest.serverHello(true).length;
        sendCut(f, false, server, 0, sh + 1, sh + 6 + 4, sh + 6 + 300, server.length);
        // the client's Finished, VERSIONS and two cell records in one segment
        f.c(concat(ccs(), app(69), app(28), app(1045), app(531)));
        // tickets, var cells and two cell records of the server, cut mid-header and mid-body
        byte[] s2 = concat(app(74), app(74), app(2058), app(531), app(2587));
        sendCut(f, false, s2, 0, 79 + 3, 79 + 79 + 1000, 79 + 79 + 2063 + 2);
        assertNull(f.result().application(), "the server's first cell record header is cut after 2 bytes");
        sendCut(f, false, s2, 79 + 79 + 2063 + 2, s2.length - 1); // both its headers, not the last body byte
        assertEquals("tor", f.result().application(), "headers counted as soon as they are complete");
        assertEquals(4, f.meta("ssl", "tor_cells"));
        assertFalse(f.collectWanted());
    }

    @Test
    void headerCutAfterEachPossibleByteCountsOnce() {
        for (int cut = 1; cut <= 4; cut++) {
            FakeFlow f = torLink(flow(), TOR_SNI, false).c(app(1045)).c(app(1045));
            byte[] s = concat(app(531), app(531));
            sendCut(f, false, s, 0, 536 + cut, s.length);
            assertEquals("tor", f.result().application(), "cut " + cut);
            assertEquals(4, f.meta("ssl", "tor_cells"), "cut " + cut);
        }
    }

    // ------------------------------------------------------------------ not Tor

    @Test
    void torLikeSniWithOrdinaryRecordSizesIsNotTor() {
        // full-size records (2^14 of plaintext), as a download sends
        FakeFlow big = torLink(flow(), TOR_SNI, false);
        for (int i = 0; i < 8; i++) {
            big.s(app(16384 + 17));
        }
        assertNull(big.result().application());
        assertEquals(0, big.meta("ssl", "tor_cells"));
        assertFalse(big.collectWanted(), "a fourth other record in one direction decides at once");

        // random sizes, both directions
        SplittableRandom r = new SplittableRandom(42);
        for (int run = 0; run < 200; run++) {
            FakeFlow f = flow().c(TorLinkTest.clientHello(TOR_SNI, false, true))
                .s(concat(TorLinkTest.serverHello(true), ccs(), app(2000)))
                .c(concat(ccs(), app(69)));
            for (int i = 0; i < 14; i++) {
                f.send(r.nextBoolean(), app(r.nextInt(17, 16384 + 257)));
            }
            assertNull(f.result().application(), "run " + run);
            assertTrue(f.meta("ssl", "tor_cells") instanceof Integer, "decided, or ended with the budget: " + run);
        }
    }

    @Test
    void cellSizedRecordsWithoutTheSniShapeNameNothing() {
        for (String sni : new String[] {"www.flowmark.test", "tor.example.org", "www.ct7ctrgb6cr1.com"}) {
            FakeFlow f = torLink(flow(), sni, false).c(app(1045)).s(app(531)).c(app(531)).s(app(531));
            assertNull(f.result().application(), sni);
            assertNull(f.meta("ssl", "tor_cells"), sni);
            assertNull(f.meta("ssl", "tor_like_sni"), sni);
            assertEquals(1, f.collectCalls(), "collect ended with the TLS 1.3 ServerHello: " + sni);
        }
        FakeFlow alpn = torLink(flow(), TOR_SNI, true).c(app(1045)).s(app(531)).c(app(531)).s(app(531));
        assertNull(alpn.result().application(), "ALPN offered: not Tor's ClientHello");
    }

    @Test
    void tls12ServerLeavesTheCertificateRuleAlone() {
        // tor-like client, TLS 1.2 server with an ordinary certificate: no walk, then cell-sized records change nothing
        FakeFlow f = flow().c(TorLinkTest.clientHello(TOR_SNI, false, true))
            .s(concat(TorLinkTest.serverHello(false), TorLinkTest.certificate(TorLinkTest.SAN),
                TorLinkTest.serverHelloDone()));
        assertFalse(f.collectWanted(), "collect ended with the certificate");
        assertNull(f.result().application());
        assertNull(f.meta("ssl", "tor_cells"));
        assertEquals(Boolean.TRUE, f.meta("ssl", "tor_like_sni"));
    }

    @Test
    void cellsInOneDirectionOnlyStayUndecidedToTheEndOfTheBudget() {
        FakeFlow f = torLink(flow(), TOR_SNI, false);
        for (int i = 0; i < 12; i++) {
            f.c(app(531));
        }
        assertNull(f.result().application());
        assertEquals(TlsDetector.EXTRA_PACKETS, f.collectCalls());
        assertEquals(10, f.meta("ssl", "tor_cells"), "the budget ended after 10 client cell records");
    }

    @Test
    void tooManyOtherRecordsBeforeTheCellsIsNotTor() {
        FakeFlow f = torLink(flow(), TOR_SNI, false).s(app(100)); // the server's fourth other record
        assertFalse(f.collectWanted(), "decided: not Tor");
        f.c(app(1045)).s(app(531)).c(app(531)).s(app(531));
        assertNull(f.result().application());
        assertEquals(0, f.meta("ssl", "tor_cells"));
    }

    @Test
    void garbageInsteadOfARecordHeaderStopsTheWalk() {
        FakeFlow f = torLink(flow(), TOR_SNI, false)
            .c(concat(new byte[] {0x17, 0x03, 0x01, 0x02, 0x13}, new byte[531])); // version 0x0301: not TLS 1.3
        assertFalse(f.collectWanted(), "the client direction stopped with no cell record: cannot be met");
        assertNull(f.result().application());
        assertEquals(0, f.meta("ssl", "tor_cells"));
    }

    // ------------------------------------------------------------------ gaps and retransmissions

    @Test
    void aGapBeforeAnyCellOfThatDirectionEndsTheWalk() {
        FakeFlow f = torLink(flow(), TOR_SNI, false).c(app(1045)).gap(false, 536).s(app(531));
        assertFalse(f.collectWanted());
        f.c(app(531)).c(app(531));
        assertNull(f.result().application(), "the server's records cannot be placed after a gap");
        assertEquals(1, f.meta("ssl", "tor_cells"));
    }

    @Test
    void aGapAfterACellLetsTheOtherDirectionComplete() {
        FakeFlow f = torLink(flow(), TOR_SNI, false).s(app(531)).gap(false, 100).s(app(531)).s(app(531));
        assertTrue(f.collectWanted(), "the server direction stopped after one cell record; the client may finish");
        f.c(app(1045)).c(app(531));
        assertNull(f.result().application(), "1 + 2 cell records");
        f.c(app(531));
        assertEquals("tor", f.result().application());
        assertEquals(4, f.meta("ssl", "tor_cells"), "nothing counted after the gap");
    }

    @Test
    void retransmissionsAreNotCountedTwice() {
        FakeFlow f = torLink(flow(), TOR_SNI, false);
        byte[] cell = app(1045);
        f.c(cell).retransmit(true, cell, cell.length).retransmit(true, cell, cell.length);
        f.s(app(531));
        assertNull(f.result().application(), "2 cell records, not 4");
        // a segment overlapping the end of the last one by 100 bytes, then a new record
        byte[] next = app(531);
        byte[] overlap = concat(Arrays.copyOfRange(cell, cell.length - 100, cell.length), next);
        f.retransmit(true, overlap, 100);
        f.gap(true, next.length); // the sender's counter moved past the bytes just delivered
        assertNull(f.result().application(), "3 cell records");
        f.s(app(531));
        assertEquals("tor", f.result().application());
        assertEquals(4, f.meta("ssl", "tor_cells"));
    }

    // ------------------------------------------------------------------ allocation

    @Test
    void cellWalkAllocatesNothing() {
        com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!tmx.isThreadAllocatedMemorySupported()) {
            return;
        }
        // a walking flow: tor-like hello, TLS 1.3 ServerHello, cells from the client only (never decides)
        FakeFlow f = flow().c(TorLinkTest.clientHello(TOR_SNI, false, true)).s(TorLinkTest.serverHello(true));
        TlsFlowState st = (TlsFlowState) f.stateObject();
        assertEquals(TlsFlowState.CELLS_WALK, st.cellWalk);
        // the client's stream: cell records of 1045 bytes (1050 on the wire) repeated; segments of 1000 bytes
        // start at every offset of that period, so headers are cut at every place
        byte[] rec = app(1045);
        int period = rec.length;
        int seg = 1000;
        byte[] ring = new byte[period + seg];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = rec[i % period];
        }
        ByteArrayPacketView v = new ByteArrayPacketView();
        long seq = f.nextSeq(true);
        long stream = 0;
        long tid = Thread.currentThread().getId();
        int rounds = 200_000;
        for (int pass = 0; pass < 2; pass++) { // the first pass warms up the JIT
            long before = tmx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < rounds; i++) {
                v.wrap(ring, (int) (stream % period), seg);
                st.feed(true, v, seq);
                seq = (seq + seg) & 0xffffffffL;
                stream += seg;
            }
            long allocated = tmx.getThreadAllocatedBytes(tid) - before;
            if (pass == 1) {
                assertTrue(allocated < 1024, "cell walk allocated " + allocated + " bytes over " + rounds);
            }
        }
        assertEquals(TlsFlowState.CELLS_WALK, st.cellWalk, "still walking: the server sent no cell");
        assertFalse(st.init.walkStopped);
        assertEquals(2L * rounds * seg / period, st.init.cellRecords, 1.0, "every record counted once");
    }

    // ------------------------------------------------------------------ fuzz

    @Test
    void mutatedRecordedLinkNeverThrowsAndNamesTorOnlyWithEvidence() {
        SplittableRandom r = new SplittableRandom(0x70c311L);
        int tor = 0;
        for (int i = 0; i < 5_000; i++) {
            FakeFlow f = flow();
            for (FakeFlow.Segment s : TOR13) {
                byte[] p = s.payload();
                if (r.nextInt(8) == 0) {
                    p = p.clone();
                    for (int k = 1 + r.nextInt(4); k > 0; k--) {
                        p[r.nextInt(p.length)] = (byte) r.nextInt(256);
                    }
                }
                long seq = r.nextInt(20) == 0 ? s.seq() + r.nextInt(-600, 600) : s.seq();
                f.deliver(s.fromClient(), p, seq);
            }
            if ("tor".equals(f.result().application())) {
                tor++;
                assertTrue((Integer) f.meta("ssl", "tor_cells") >= TorLink.MIN_CELL_RECORDS);
                assertEquals(Boolean.TRUE, f.meta("ssl", "tor_like_sni"));
            }
        }
        assertTrue(tor > 300, "most mutations leave headers alone: " + tor);
    }

    // ------------------------------------------------------------------ helpers

    /** A TLS 1.3 application-data record of {@code len} bytes of ciphertext (filler). */
    static byte[] app(int len) {
        byte[] b = new byte[5 + len];
        b[0] = 0x17;
        b[1] = 0x03;
        b[2] = 0x03;
        b[3] = (byte) (len >> 8);
        b[4] = (byte) len;
        for (int i = 5; i < b.length; i++) {
            b[i] = (byte) (i * 131 + len);
        }
        return b;
    }

    private static byte[] ccs() {
        return new byte[] {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    }

    /** Sends {@code bytes[cuts[0]..cuts[last]]} of one direction as segments between consecutive cuts. */
    private static void sendCut(FakeFlow f, boolean fromInit, byte[] bytes, int... cuts) {
        for (int i = 0; i + 1 < cuts.length; i++) {
            f.send(fromInit, Arrays.copyOfRange(bytes, cuts[i], cuts[i + 1]));
        }
    }

    /** Concatenates the payloads of each direction: [client, server]. */
    private static byte[][] directionBytes(List<FakeFlow.Segment> segments) {
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        for (FakeFlow.Segment seg : segments) {
            (seg.fromClient() ? c : s).writeBytes(seg.payload());
        }
        return new byte[][] {c.toByteArray(), s.toByteArray()};
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
