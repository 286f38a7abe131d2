package org.flowmark.detector.tls.internal;

import static org.flowmark.detector.tls.internal.DtlsVectors.DTLS10;
import static org.flowmark.detector.tls.internal.DtlsVectors.DTLS12;
import static org.flowmark.detector.tls.internal.DtlsVectors.concat;
import static org.flowmark.detector.tls.internal.DtlsVectors.payload;
import static org.flowmark.detector.tls.internal.DtlsVectors.record;
import static org.flowmark.detector.tls.internal.DtlsVectors.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.api.packet.PacketView;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

class DtlsRecordsTest {

    /** Records every fragment header. */
    static final class Recorder implements DtlsRecords.Sink {
        final List<String> seen = new ArrayList<>();

        @Override
        public boolean fragment(PacketView v, int recordVersion, long recordSeq, int msgType, int msgLen, int msgSeq,
                int fragOff, int fragLen, int body) {
            seen.add(String.format("%04x/%d type %d len %d seq %d frag %d+%d", recordVersion, recordSeq, msgType,
                msgLen, msgSeq, fragOff, fragLen));
            return true;
        }
    }

    private static int walk(byte[] b, Recorder r) {
        return DtlsRecords.walk(new ByteArrayPacketView(b), r);
    }

    @Test
    void recordedHandshakeFramesAsTheSpecSays() {
        Recorder r = new Recorder();
        assertEquals(DtlsRecords.F_HANDSHAKE, walk(payload(DTLS12, 0), r));
        assertEquals(List.of("feff/0 type 1 len 212 seq 0 frag 0+212"), r.seen, "ClientHello, record version 1.0");
        r.seen.clear();
        assertEquals(DtlsRecords.F_HANDSHAKE, walk(payload(DTLS12, 1), r));
        assertEquals(List.of("feff/0 type 3 len 23 seq 0 frag 0+23"), r.seen, "HelloVerifyRequest");
        r.seen.clear();
        walk(payload(DTLS12, 2), r);
        assertEquals(List.of("feff/1 type 1 len 232 seq 1 frag 0+232"), r.seen, "second ClientHello, message_seq 1");
        r.seen.clear();
        assertEquals(DtlsRecords.F_HANDSHAKE, walk(payload(DTLS12, 3), r));
        assertEquals(List.of("fefd/1 type 2 len 72 seq 1 frag 0+72", "fefd/2 type 11 len 880 seq 2 frag 0+250"),
            r.seen, "ServerHello and the first Certificate fragment: two records in one datagram");
        r.seen.clear();
        walk(payload(DTLS12, 4), r);
        walk(payload(DTLS12, 5), r);
        assertEquals(List.of("fefd/3 type 11 len 880 seq 2 frag 250+347", "fefd/4 type 11 len 880 seq 2 frag 597+283",
            "fefd/5 type 12 len 296 seq 3 frag 0+39"), r.seen);
        r.seen.clear();
        int f = walk(payload(DTLS12, 7), r);
        assertEquals(DtlsRecords.F_HANDSHAKE | DtlsRecords.F_CCS | DtlsRecords.F_PROTECTED, f,
            "ClientKeyExchange, ChangeCipherSpec, then the encrypted Finished in epoch 1");
        assertEquals(DtlsRecords.F_PROTECTED, walk(payload(DTLS12, 9), r), "application data, epoch 1");
        assertEquals(DtlsRecords.F_PROTECTED, walk(payload(DTLS12, 10), r), "encrypted alert");
        assertEquals(DtlsRecords.F_HANDSHAKE, walk(payload(DTLS10, 3), new Recorder()),
            "DTLS 1.0 server flight in one datagram");
    }

    @Test
    void everyRecordedDatagramWalks() {
        for (List<FakeFlow.Segment> flow : List.of(DTLS12, DTLS10)) {
            for (FakeFlow.Segment s : flow) {
                assertTrue(walk(s.payload(), new Recorder()) > 0);
                assertTrue(DtlsRecords.plausibleStart(new ByteArrayPacketView(s.payload())));
            }
        }
    }

    @Test
    void lengthsMustEndTheDatagramExactly() {
        byte[] ch = payload(DTLS12, 0);
        assertEquals(DtlsRecords.MALFORMED, walk(java.util.Arrays.copyOf(ch, ch.length - 1), new Recorder()));
        assertEquals(DtlsRecords.MALFORMED, walk(concat(ch, u8(0)), new Recorder()), "a trailing byte");
        byte[] longer = ch.clone();
        longer[12]++; // record length one past the datagram
        assertEquals(DtlsRecords.MALFORMED, walk(longer, new Recorder()));
        byte[] frag = ch.clone();
        frag[24]++; // fragment_length above the message length
        assertEquals(DtlsRecords.MALFORMED, walk(frag, new Recorder()));
    }

    @Test
    void headerFieldsAreChecked() {
        byte[] ch = payload(DTLS12, 0);
        byte[] tls = ch.clone();
        tls[1] = 3;
        tls[2] = 3;
        assertEquals(DtlsRecords.MALFORMED, walk(tls, new Recorder()), "TLS version in a DTLS header");
        byte[] type = ch.clone();
        type[0] = 19;
        assertEquals(DtlsRecords.MALFORMED, walk(type, new Recorder()));
        byte[] hs = ch.clone();
        hs[13] = 9; // no such handshake message in epoch 0
        assertEquals(DtlsRecords.MALFORMED, walk(hs, new Recorder()));
        assertEquals(DtlsRecords.MALFORMED, walk(record(23, 0xfefd, 0, 3, new byte[20]), new Recorder()),
            "application data without keys");
        assertEquals(DtlsRecords.MALFORMED, walk(record(20, 0xfefd, 0, 3, u8(2)), new Recorder()),
            "ChangeCipherSpec other than 1");
        assertEquals(DtlsRecords.MALFORMED, walk(record(21, 0xfefd, 0, 3, u8(3, 0)), new Recorder()),
            "alert level 3");
        assertEquals(DtlsRecords.F_CCS, walk(record(20, 0xfefd, 0, 3, u8(1)), new Recorder()));
        assertEquals(DtlsRecords.MALFORMED, walk(record(22, 0xfefd, 0, 3, new byte[4]), new Recorder()),
            "a handshake record shorter than the handshake header");
        assertFalse(DtlsRecords.plausibleStart(new ByteArrayPacketView(tls)));
        assertFalse(DtlsRecords.plausibleStart(ByteArrayPacketView.ofHex("16fefd000000000000000000")));
    }

    @Test
    void unifiedHeadersAreFollowedOrEndTheWalk() {
        assertEquals(DtlsRecords.F_UNIFIED | DtlsRecords.F_PROTECTED,
            walk(concat(DtlsVectors.unified(1, 40), DtlsVectors.unified(2, 30)), new Recorder()));
        assertEquals(DtlsRecords.MALFORMED, walk(concat(DtlsVectors.unified(1, 40), u8(0)), new Recorder()),
            "length of a unified header must chain too");
        assertEquals(DtlsRecords.MALFORMED, walk(DtlsVectors.unified(1, 4), new Recorder()), "no room for a tag");
        assertEquals(DtlsRecords.F_UNIFIED | DtlsRecords.F_PROTECTED, walk(u8(0x30, 1, 2, 3, 4, 5), new Recorder()),
            "a connection id: the rest is opaque");
        // ServerHello in clear, then the encrypted flight (RFC 9147)
        byte[] sh = record(22, 0xfefd, 0, 0, DtlsVectors.handshake(2, 0, DtlsVectors.serverHello(0xfefd, 0x1301,
            0xfefc)));
        assertEquals(DtlsRecords.F_HANDSHAKE | DtlsRecords.F_UNIFIED | DtlsRecords.F_PROTECTED,
            walk(concat(sh, DtlsVectors.unified(0, 200)), new Recorder()));
    }
}
