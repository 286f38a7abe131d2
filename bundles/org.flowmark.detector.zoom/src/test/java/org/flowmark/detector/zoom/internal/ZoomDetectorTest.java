package org.flowmark.detector.zoom.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

/** Hex vectors built from the published layout (see ZoomParser), not from captures. */
class ZoomDetectorTest {

    private final ZoomDetector zoom = new ZoomDetector();

    private FakeFlow server() {
        return new FakeFlow(zoom, 8, 17, 50000, 8801);
    }

    static final String TOKEN = "00112233445566778899aabbccddeeff";

    /** SFU packet: type 5, sequence, 4 unknown bytes, direction, then a media encapsulation. */
    static String sfu(int seq, int dir, String media) {
        return String.format("05%04x%08x%02x", seq, 0x272ec904L, dir) + media;
    }

    /** Audio media encapsulation (type 15) with RTP (PT 112) at offset 19. */
    static String audio(int rtpSeq, long ssrc) {
        return "0f" + "000000000000000000000000000000000000" + String.format("80%02x%04x%08x%08x", 112, rtpSeq,
            rtpSeq * 960L, ssrc) + "deadbeefcafe";
    }

    /** Type-21 control encapsulation (no RTP), padded. */
    static String control() {
        return "15" + "0100000000000000000035010201001f5a4e000002880503";
    }

    @Test
    void handshakeTokenEcho() {
        FakeFlow f = server().c("010002" + TOKEN + "0000000000000002007a002a");
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.s("020001" + TOKEN + "005a0e3e007a002a00");
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("Zoom", f.result().protocol());
        assertEquals("zoom", f.result().application());
        assertEquals("sfu", f.meta("zoom", "encapsulation"));
        // token mismatch: not enough
        FakeFlow g = server().c("010002" + TOKEN + "00").s("020001" + TOKEN.replace("00", "01") + "00");
        assertEquals(Verdict.NEED_MORE, g.verdict());
    }

    @Test
    void probeEcho() {
        FakeFlow f = server().c("03000000120ffe98d200272ec9010540").s("03000000156d6e7c0000272ec9010540")
            .s("04000000120ffe98d200272ec9010540");
        assertEquals(Verdict.DETECTED, f.verdict());
    }

    @Test
    void sfuMediaNeedsAdvancingSequence() {
        FakeFlow f = server().s(sfu(0x0f31, 4, control())).s(sfu(0x0f32, 4, audio(7, 0x01000402L)));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.s(sfu(0x0f34, 4, control()));
        assertEquals(Verdict.DETECTED, f.verdict());
        f.s(sfu(0x0f35, 4, audio(8, 0x01000402L)));
        assertEquals("audio", f.meta("zoom", "media"));
        // the same sequence number repeated is not a stream
        FakeFlow g = server().s(sfu(5, 0, control())).s(sfu(5, 0, control())).s(sfu(5, 0, control()));
        assertEquals(Verdict.NEED_MORE, g.verdict());
        // an unknown media type or a bad RTP header is a strike
        FakeFlow h = server().s(sfu(1, 0, "63" + control().substring(2))).s(sfu(2, 0, audio(1, 1)
            .replace("8070", "4070"))).s("0001000000000000000000000000000000000000");
        assertEquals(Verdict.EXCLUDED, h.verdict());
    }

    @Test
    void p2pMediaWithoutPort() {
        FakeFlow f = new FakeFlow(zoom, 8, 17, 40000, 50000);
        f.c(audio(100, 0x01000402L)).c(audio(101, 0x01000402L)).c(audio(102, 0x01000402L));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("p2p", f.meta("zoom", "encapsulation"));
        // no zoom port and not a media encapsulation: excluded at once (STUN, RTP, DTLS, anything)
        assertEquals(Verdict.EXCLUDED, new FakeFlow(zoom, 8, 17, 1, 2).c("8012ae1604e9fa383aa6d922c4532097")
            .verdict());
        // SFU type 5 off the Zoom ports is not accepted
        assertEquals(Verdict.EXCLUDED, new FakeFlow(zoom, 8, 17, 1, 2).c(sfu(1, 0, audio(1, 1))).verdict());
    }

    @Test
    void fuzzNeverThrows() {
        Random rnd = new Random(8801);
        String[] seeds = {sfu(1, 4, audio(5, 9)), sfu(2, 0, control()), "010002" + TOKEN + "00", audio(1, 2)};
        int detected = 0;
        for (int i = 0; i < 100_000; i++) {
            byte[] b;
            if (rnd.nextBoolean()) {
                b = Hex.bytes(seeds[rnd.nextInt(seeds.length)]);
                for (int m = rnd.nextInt(4); m >= 0; m--) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
                b = java.util.Arrays.copyOf(b, 1 + rnd.nextInt(b.length));
            } else {
                b = new byte[1 + rnd.nextInt(80)];
                rnd.nextBytes(b);
            }
            FakeFlow f = new FakeFlow(zoom, 8, 17, 1000 + rnd.nextInt(2), rnd.nextBoolean() ? 8801 : 3000);
            f.send(rnd.nextBoolean(), b).send(rnd.nextBoolean(), b).send(rnd.nextBoolean(), b);
            if (f.verdict() == Verdict.DETECTED) {
                detected++;
            }
        }
        // the same packet thrice never makes a stream (sequence numbers do not advance)
        assertTrue(detected == 0, "detected " + detected);
    }
}
