package org.flowmark.detector.bittorrent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.flowmark.api.packet.PacketView;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

/** Vectors from BEP 5's examples. */
class KrpcTest {

    static final String PING = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
    static final String PONG = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
    static final String GET_PEERS =
        "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe";
    static final String ERROR = "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee";

    @Test
    void pingQuery() {
        PacketView v = Hex.ascii(PING);
        long r = Krpc.parse(v);
        assertEquals(Krpc.QUERY, Krpc.kind(r));
        assertEquals("ping", v.ascii(Krpc.methodPos(r), Krpc.methodLen(r)));
        assertEquals(0, Krpc.infoHashPos(r));
        assertEquals("abcdefghij0123456789", v.ascii(Krpc.nodeIdPos(r), 20));
    }

    @Test
    void responseAndError() {
        assertEquals(Krpc.RESPONSE, Krpc.kind(Krpc.parse(Hex.ascii(PONG))));
        assertEquals(Krpc.ERROR, Krpc.kind(Krpc.parse(Hex.ascii(ERROR))));
    }

    @Test
    void getPeersCarriesInfoHash() {
        PacketView v = Hex.ascii(GET_PEERS);
        long r = Krpc.parse(v);
        assertEquals("get_peers", v.ascii(Krpc.methodPos(r), Krpc.methodLen(r)));
        assertEquals("mnopqrstuvwxyz123456", v.ascii(Krpc.infoHashPos(r), 20));
    }

    @Test
    void rejectsNearMisses() {
        assertTrue(Krpc.parse(Hex.ascii(PING + "x")) < 0, "trailing byte");
        assertTrue(Krpc.parse(Hex.ascii(PING.substring(0, PING.length() - 1))) < 0, "truncated");
        assertTrue(Krpc.parse(Hex.ascii(PING.replace("1:y1:q", "1:y1:x"))) < 0, "unknown y");
        assertTrue(Krpc.parse(Hex.ascii(PING.replace("1:t2:aa", "1:xi1e"))) < 0, "no transaction id");
        assertTrue(Krpc.parse(Hex.ascii(PING.replace("id20:abcdefghij0123456789", "id19:abcdefghij012345678")))
            < 0, "19-byte node id");
        assertTrue(Krpc.parse(Hex.ascii(PING.replace("4:ping", "4:PING"))) < 0, "method case");
        assertTrue(Krpc.parse(Hex.ascii(PING.replace("1:q4:ping", "1:q0:"))) < 0, "empty method");
        assertTrue(Krpc.parse(Hex.ascii("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qi0e")) < 0);
        assertTrue(Krpc.parse(Hex.ascii("d4:spam4:eggs3:cow3:mooe")) < 0, "bencode but not KRPC");
        assertTrue(Krpc.parse(Hex.ascii("de")) < 0);
    }
}
