package org.flowmark.detector.bittorrent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.flowmark.api.packet.PacketView;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

class TrackerTest {

    static final String ANNOUNCE = "GET /announce?info_hash=%aa7i%c4S%0d%de%06%24%18s%da%d4%3a%b5%cc%ec%2c%e6%22"
        + "&peer_id=-TR2940-chho92c56pul&port=51413&uploaded=0&downloaded=0&left=1&compact=1 HTTP/1.1\r\n"
        + "Host: tracker.example.org:6969\r\nUser-Agent: Transmission/2.94\r\n\r\n";
    static final String SCRAPE = "GET /x/scrape.php?info_hash=%00%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f"
        + "%10%11%12%13 HTTP/1.0\r\n\r\n";

    /** BEP 15 connect request: protocol id, action 0, transaction id 0x01020304. */
    static final String UDP_CONNECT = "0000041727101980 00000000 01020304";
    static final String UDP_CONNECT_REPLY = "00000000 01020304 1122334455667788";

    static String udpAnnounce(int tid) {
        return "1122334455667788 00000001 " + String.format("%08x", tid)
            + "00112233445566778899aabbccddeeff01234567" // info_hash
            + "2d4c54323039302d" + "616263646566676869" + "6a6b6c" // peer_id -LT2090-abcdefghijkl
            + "0000000000000000 0000000000001000 0000000000000000" // downloaded, left, uploaded
            + "00000002 00000000 0badf00d ffffffff 1ae1"; // event started, ip, key, num_want -1, port
    }

    @Test
    void httpAnnounceAndScrape() {
        assertEquals(Tracker.ANNOUNCE, Tracker.httpRequest(Hex.ascii(ANNOUNCE)));
        assertEquals(Tracker.SCRAPE, Tracker.httpRequest(Hex.ascii(SCRAPE)));
        PacketView v = Hex.ascii(ANNOUNCE);
        int end = Tracker.requestLineEnd(v);
        int ih = Tracker.param(v, v.indexOf(0, end, '?'), end, Hex.asciiBytes("info_hash="));
        assertEquals("aa3769c4530dde06241873dad43ab5ccec2ce622", Tracker.urlBytesHex(v, ih, end));
    }

    @Test
    void ordinaryHttpIsNotATracker() {
        assertEquals(Tracker.NOT_TRACKER, Tracker.httpRequest(Hex.ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n")));
        assertEquals(Tracker.NOT_TRACKER,
            Tracker.httpRequest(Hex.ascii("GET /announce/news?id=3 HTTP/1.1\r\n\r\n")));
        assertEquals(Tracker.NOT_TRACKER, // info_hash only as part of another parameter name
            Tracker.httpRequest(Hex.ascii("GET /announce?xinfo_hash=1&peer_id=2&port=3 HTTP/1.1\r\n\r\n")));
        assertEquals(Tracker.NOT_TRACKER, // announce without peer_id
            Tracker.httpRequest(Hex.ascii("GET /announce?info_hash=1&port=3 HTTP/1.1\r\n\r\n")));
        assertEquals(Tracker.NOT_TRACKER, // incomplete request line
            Tracker.httpRequest(Hex.ascii(ANNOUNCE.substring(0, 60))));
        assertEquals(Tracker.NOT_TRACKER, Tracker.httpRequest(Hex.ascii("POST /announce?info_hash=1 HTTP/1.1\r\n")));
    }

    @Test
    void httpTrackerResponse() {
        assertTrue(Tracker.httpResponseBody(Hex.ascii(
            "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\nd8:intervali1800e5:peers6:abcdefe")) > 0);
        assertTrue(Tracker.httpResponseBody(Hex.ascii(
            "HTTP/1.0 200 OK\r\n\r\nd14:failure reason17:torrent not founde")) > 0);
        assertEquals(-1, Tracker.httpResponseBody(Hex.ascii("HTTP/1.1 200 OK\r\n\r\n<html>")));
        assertEquals(-1, Tracker.httpResponseBody(Hex.ascii("HTTP/1.1 200 OK\r\nX: d8:intervali1e")));
    }

    @Test
    void udpTrackerPackets() {
        assertTrue(Tracker.udpConnectRequest(Hex.view(UDP_CONNECT)));
        assertFalse(Tracker.udpConnectRequest(Hex.view(UDP_CONNECT.replace("1980", "1981"))));
        assertFalse(Tracker.udpConnectRequest(Hex.view("0000041727101980 00000001 01020304")));
        assertTrue(Tracker.udpAnswers(Hex.view(UDP_CONNECT_REPLY), Tracker.UDP_CONNECT, 0x01020304));
        PacketView a = Hex.view(udpAnnounce(7));
        assertEquals(98, a.length());
        assertEquals(Tracker.UDP_ANNOUNCE, Tracker.udpRequestAction(a));
        assertEquals(-1, Tracker.udpRequestAction(Hex.view(udpAnnounce(7).replace("00000002 00000000", "00000009 00000000"))));
        // announce reply: action 1, tid, interval, leechers, seeders, one IPv4 peer
        assertTrue(Tracker.udpAnswers(Hex.view("00000001 00000007 00000708 00000001 00000002 0a000001 1ae1"),
            Tracker.UDP_ANNOUNCE, 7));
        assertFalse(Tracker.udpAnswers(Hex.view("00000001 00000008 00000708 00000001 00000002 0a000001 1ae1"),
            Tracker.UDP_ANNOUNCE, 7));
        assertTrue(Tracker.udpAnswers(Hex.view("00000003 00000007 6572726f72"), Tracker.UDP_ANNOUNCE, 7));
        // scrape: 16 + 20 n
        assertEquals(Tracker.UDP_SCRAPE, Tracker.udpRequestAction(Hex.view(
            "1122334455667788 00000002 00000009 00112233445566778899aabbccddeeff01234567")));
    }

    @Test
    void localServiceDiscovery() {
        String lsd = "BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\n"
            + "Infohash: 00112233445566778899AABBCCDDEEFF01234567\r\n\r\n\r\n";
        PacketView v = Hex.ascii(lsd);
        int at = Tracker.lsdInfohash(v);
        assertEquals(40, Tracker.hexRun(v, at));
        assertTrue(Tracker.lsdHasHost(v));
        assertEquals(-1, Tracker.lsdInfohash(Hex.ascii("M-SEARCH * HTTP/1.1\r\nInfohash: 00\r\n")));
        assertEquals(-1, Tracker.lsdInfohash(Hex.ascii("BT-SEARCH * HTTP/1.1\r\nHost: x\r\n\r\n")));
    }
}
