package org.flowmark.detector.bittorrent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.flowmark.api.packet.PacketView;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

class UtpTest {

    /** ST_SYN v1, no extension, connection_id 0x1234, timestamps, wnd, seq_nr 0x0001, ack_nr 0. */
    static final String SYN = "41 00 1234 00000001 00000000 00100000 0001 0000";
    /** ST_STATE answering it: same connection_id, ack_nr = SYN's seq_nr. */
    static final String STATE = "21 00 1234 00000002 00000001 00100000 5555 0001";

    @Test
    void headerFields() {
        PacketView v = Hex.view(SYN);
        assertEquals(20, Utp.payloadOffset(v));
        assertEquals(Utp.ST_SYN, Utp.type(v));
        assertEquals(0x1234, Utp.connectionId(v));
        assertEquals(1, Utp.seqNr(v));
        PacketView s = Hex.view(STATE);
        assertEquals(Utp.ST_STATE, Utp.type(s));
        assertEquals(1, Utp.ackNr(s));
    }

    @Test
    void extensionChain() {
        // ST_DATA with extension bits (type 2, 8 bytes) then a selective ACK (type 1, 4 bytes), then payload
        PacketView v = Hex.view("01 02 1235 00000001 00000000 00100000 0002 5555"
            + "01 08 0000000000000000" + "00 04 ffffffff" + "aabb");
        assertEquals(20 + 10 + 6, Utp.payloadOffset(v));
        // a SACK of 3 bytes is invalid, an unknown extension type too, a chain past the end too
        assertEquals(-1, Utp.payloadOffset(Hex.view("21 01 1235 00000001 00000000 00100000 0002 5555 00 03 ffffff")));
        assertEquals(-1, Utp.payloadOffset(Hex.view("21 09 1235 00000001 00000000 00100000 0002 5555 00 04 ffffffff")));
        assertEquals(-1, Utp.payloadOffset(Hex.view("21 01 1235 00000001 00000000 00100000 0002 5555 00 08 ffffffff")));
    }

    @Test
    void rejectsWrongVersionTypeAndPayloadRules() {
        assertEquals(-1, Utp.payloadOffset(Hex.view(SYN.replaceFirst("41", "42")))); // version 2
        assertEquals(-1, Utp.payloadOffset(Hex.view(SYN.replaceFirst("41", "51")))); // type 5
        assertEquals(-1, Utp.payloadOffset(Hex.view(SYN + "00"))); // a SYN carries no payload
        assertEquals(-1, Utp.payloadOffset(Hex.view(SYN.replaceFirst("41", "01")))); // DATA without payload
        assertEquals(-1, Utp.payloadOffset(Hex.view("41 00 1234")));
    }
}
