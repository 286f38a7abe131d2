package org.flowmark.detector.quic.internal;

import static org.flowmark.detector.quic.internal.ShortHeaderEvidenceTest.shortPacket;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

class QuicShortHeaderDetectorTest {

    private static final byte[] SERVER_CID = QuicVersions.hex("5a5b5c5d5e5f6061");

    private final QuicShortHeaderDetector detector = new QuicShortHeaderDetector();

    static FakeFlow flow(QuicShortHeaderDetector d) {
        return new FakeFlow(d, 0, FakeFlow.UDP, 40_408, 443);
    }

    @Test
    void chromeLikeFlowIsQuicAfterEnoughDatagrams() {
        SplittableRandom r = new SplittableRandom(21);
        FakeFlow f = flow(detector)
            .c(shortPacket(r, SERVER_CID, 60))
            .s(shortPacket(r, new byte[0], 1252))
            .s(shortPacket(r, new byte[0], 1252))
            .c(shortPacket(r, SERVER_CID, 35));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        assertTrue(f.stateObject() instanceof ShortHeaderEvidence);
        f.c(shortPacket(r, SERVER_CID, 35));
        if (f.verdict() == Verdict.NEED_MORE) { // byte 0's masked bits equal three times (1 in 1024): one more
            f.c(shortPacket(r, SERVER_CID, 35));
        }
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("QUIC", f.result().protocol());
        assertEquals(Boolean.TRUE, f.meta("quic", "short_header_only"));
        assertEquals(8, f.meta("quic", "dcid_length"));
        assertNull(f.result().hostname(), "no SNI: everything after the DCID is encrypted");
        assertNull(f.stateObject(), "state dropped at the verdict");
    }

    @Test
    void firstDatagramThatIsNoShortHeaderExcludesWithoutState() {
        FakeFlow f = flow(detector).c(QuicVersions.hex("80e0123400001f40deadbeef0000000000000000000000"));
        assertEquals(List.of(Verdict.EXCLUDED), f.verdicts());
        assertNull(f.stateObject());
        FakeFlow g = flow(detector).c(QuicVersions.hex("4cfe4189655e5cd55c41f69080575d7999c25a")); // 19 bytes
        assertEquals(Verdict.EXCLUDED, g.verdict());
        assertNull(g.stateObject());
    }

    @Test
    void laterDatagramThatIsNoShortHeaderExcludes() {
        SplittableRandom r = new SplittableRandom(22);
        FakeFlow f = flow(detector).c(shortPacket(r, SERVER_CID, 60)).s(shortPacket(r, new byte[0], 60))
            .s(QuicVersions.hex("000100082112a4420102030405060708090a0b0c0000000000000000"));
        assertEquals(List.of(Verdict.NEED_MORE, Verdict.NEED_MORE, Verdict.EXCLUDED), f.verdicts());
        assertNull(f.stateObject());
    }

    @Test
    void givesUpAfterTheBound() {
        SplittableRandom r = new SplittableRandom(23);
        FakeFlow f = flow(detector);
        for (int i = 0; i < ShortHeaderEvidence.MAX_DATAGRAMS + 2; i++) {
            f.c(shortPacket(r, SERVER_CID, 100)); // one direction only
        }
        assertEquals(ShortHeaderEvidence.MAX_DATAGRAMS, f.inspectCalls());
        assertEquals(Verdict.EXCLUDED, f.verdict());
        assertNull(f.stateObject());
    }
}
