package org.flowmark.detector.bittorrent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.flowmark.api.packet.PacketView;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

class PeerWireTest {

    /** BEP 3 handshake: 19, "BitTorrent protocol", reserved (extension protocol, fast, DHT), info hash, peer id. */
    static final String HANDSHAKE = "13" + "426974546f7272656e742070726f746f636f6c"
        + "0000000000100005"
        + "00112233445566778899aabbccddeeff01234567"
        + "2d5452323934302d" + "6368686f39326335" + "3670756c"; // "-TR2940-chho92c56pul"

    @Test
    void handshakeIsRecognisedAndDecoded() {
        PacketView v = Hex.view(HANDSHAKE);
        assertEquals(68, v.length());
        assertEquals(PeerWire.YES, PeerWire.prefix(v, 0));
        assertEquals("00112233445566778899aabbccddeeff01234567", PeerWire.hex(v, PeerWire.INFO_HASH_OFFSET, 20));
        assertEquals("-TR2940-", PeerWire.peerIdPrefix(v, PeerWire.PEER_ID_OFFSET));
        assertEquals("Transmission", PeerWire.client(v, PeerWire.PEER_ID_OFFSET));
        assertEquals("extension_protocol,dht,fast", PeerWire.extensions(v, 20));
    }

    @Test
    void prefixesAndNearMisses() {
        assertEquals(PeerWire.PARTIAL, PeerWire.prefix(Hex.view("13426974"), 0));
        assertEquals(PeerWire.NO, PeerWire.prefix(Hex.view("13426975"), 0));
        assertEquals(PeerWire.NO, PeerWire.prefix(Hex.view(HANDSHAKE.replace("426974546f", "626974546f")), 0));
        assertEquals(PeerWire.NO, PeerWire.prefix(Hex.view("12" + HANDSHAKE.substring(2)), 0));
    }

    @Test
    void peerIdStyles() {
        PacketView mainline = Hex.ascii("M7-4-3--abcdefghijkl");
        assertEquals("Mainline", PeerWire.client(mainline, 0));
        assertEquals("M7-4-3--ab", PeerWire.peerIdPrefix(mainline, 0));
        PacketView aria = Hex.ascii("A2-1-36-0-\u0001\u0002abcdefgh");
        assertEquals("aria2", PeerWire.client(aria, 0));
        assertEquals("A2-1-36-0-", PeerWire.peerIdPrefix(aria, 0));
        PacketView lt = Hex.ascii("-LT2090-abcdefghijkl");
        assertEquals("libtorrent", PeerWire.client(lt, 0));
        PacketView unknown = Hex.view("00112233445566778899aabbccddeeff01234567");
        assertNull(PeerWire.client(unknown, 0));
        assertNull(PeerWire.peerIdPrefix(unknown, 0));
        assertEquals("-ZZ0001-", PeerWire.peerIdPrefix(Hex.ascii("-ZZ0001-abcdefghijkl"), 0));
        assertNull(PeerWire.client(Hex.ascii("-ZZ0001-abcdefghijkl"), 0));
    }
}
