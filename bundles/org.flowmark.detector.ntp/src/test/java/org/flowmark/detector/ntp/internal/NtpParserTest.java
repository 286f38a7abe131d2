package org.flowmark.detector.ntp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.junit.jupiter.api.Test;

class NtpParserTest {

    /** SNTPv4 client request (RFC 4330 section 5): only VN/mode and the transmit timestamp set. */
    static final String CLIENT_V4 = "23000000" + "00000000" + "00000000" + "00000000"
        + "0000000000000000" + "0000000000000000" + "0000000000000000" + "e8c5a1b2c3d4e5f6";
    /** chronyd (4.3) client request, recorded: poll 6, precision 32, a random transmit timestamp. */
    static final String CLIENT_CHRONY = "23000620" + "00".repeat(36) + "43220870ae80c17d";
    /** chronyd's reply to it, recorded: stratum 8, local reference 127.127.1.1. */
    static final String SERVER_CHRONY = "240806e7" + "00000000" + "00000000" + "7f7f0101" + "eeb30e5c3a402fac"
        + "43220870ae80c17d" + "eeb30e5e5ec9df57" + "eeb30e5e5ecfffce";
    /** NTPv4 server reply, stratum 2, poll 3, precision -23, root delay 0.04 s, dispersion 0.05 s. */
    static final String SERVER_V4 = "240203e9" + "00000a3b" + "00000c2d" + "c0a80101"
        + "e8c5a1a000000000" + "e8c5a1b2c3d4e5f6" + "e8c5a1b2d0000000" + "e8c5a1b2d0100000";
    /** NTPv3 client request with a MAC: key id 1 and a 16-octet MD5 digest (RFC 1305 appendix C). */
    static final String CLIENT_V3_MAC = "1b0006ec" + "00010000" + "00010000" + "00000000"
        + "0000000000000000" + "0000000000000000" + "0000000000000000" + "e8c5a1b2c3d4e5f6"
        + "00000001" + "00112233445566778899aabbccddeeff";
    /** ntpq "readvar" request (mode 6, opcode 2, sequence 1, association 0, no data). */
    static final String CONTROL_REQ = "160200010000000000000000";
    /** mode 6 response: R bit, opcode 2, 5 octets of data padded to 8. */
    static final String CONTROL_RESP = "168200010618000000000005" + "7665723d33000000";
    /** ntpdc "monlist" request (mode 7, implementation 3, request 42), with its 40-octet zero data area. */
    static final String PRIVATE_REQ = "1700032a00000000" + "00".repeat(40);

    private static int mode(String hex) {
        return NtpParser.mode(ByteArrayPacketView.ofHex(hex));
    }

    private static String set(String hex, int index, int value) {
        return hex.substring(0, 2 * index) + String.format("%02x", value) + hex.substring(2 * index + 2);
    }

    @Test
    void validHeaders() {
        assertEquals(3, mode(CLIENT_V4));
        assertEquals(4, mode(SERVER_V4));
        assertEquals(3, mode(CLIENT_V3_MAC));
        assertEquals(3, mode(CLIENT_CHRONY));
        assertEquals(4, mode(SERVER_CHRONY));
        assertEquals(4, NtpParser.version(ByteArrayPacketView.ofHex(SERVER_V4)));
        assertEquals(2, NtpParser.stratum(ByteArrayPacketView.ofHex(SERVER_V4)));
        assertEquals(3, NtpParser.version(ByteArrayPacketView.ofHex(CLIENT_V3_MAC)));
        // symmetric active v4, broadcast v3 (with a transmit timestamp), v1 and v2 headers
        assertEquals(1, mode(set(SERVER_V4, 0, 0x21)));
        assertEquals(5, mode(set(SERVER_V4, 0, 0x1d)));
        assertEquals(3, mode(set(CLIENT_V4, 0, 0x0b)));
        assertEquals(4, mode(set(SERVER_V4, 0, 0x14)));
        // KoD: stratum 0, leap 3
        assertEquals(4, mode(set(set(SERVER_V4, 0, 0xe4), 1, 0)));
        // SHA-1 MAC (24 octets) and crypto-NAK (4 octets) after the header
        assertEquals(3, mode(CLIENT_V4 + "00000002" + "00".repeat(20)));
        assertEquals(4, mode(SERVER_V4 + "00000000"));
    }

    @Test
    void rejectsBadHeaderFields() {
        assertEquals(-1, mode(set(CLIENT_V4, 0, 0x03)), "version 0");
        assertEquals(-1, mode(set(CLIENT_V4, 0, 0x2b)), "version 5");
        assertEquals(-1, mode(set(CLIENT_V4, 0, 0x20)), "mode 0");
        assertEquals(-1, mode(set(SERVER_V4, 1, 17)), "stratum 17");
        assertEquals(-1, mode(set(SERVER_V4, 2, 18)), "poll 18");
        assertEquals(-1, mode(set(SERVER_V4, 2, 0xf8)), "poll -8");
        assertEquals(-1, mode(set(SERVER_V4, 3, 0x21)), "precision +33");
        assertEquals(-1, mode(set(SERVER_V4, 3, 0xdf)), "precision -33");
        assertEquals(-1, mode(set(SERVER_V4, 4, 0x01)), "root delay 256 s");
        assertEquals(-1, mode(set(SERVER_V4, 8, 0x80)), "root dispersion negative");
        assertEquals(-1, mode(SERVER_V4.substring(0, 80) + "0000000000000000"), "server without transmit time");
        assertEquals(-1, mode(CLIENT_V4.substring(0, 94)), "47 octets");
    }

    @Test
    void trailerLengths() {
        assertEquals(-1, mode(CLIENT_V4 + "00"), "49 octets");
        assertEquals(-1, mode(CLIENT_V4 + "00".repeat(8)), "8 trailing octets");
        assertEquals(-1, mode(CLIENT_V3_MAC + "0000000000000000"), "v3 with 28 trailing octets");
        String ef16 = "0104" + "0010" + "00".repeat(12);
        assertEquals(3, mode(CLIENT_V4 + ef16), "one v4 extension field");
        assertEquals(3, mode(CLIENT_V4 + ef16 + "0204" + "0020" + "00".repeat(28)), "two extension fields");
        assertEquals(3, mode(CLIENT_V4 + ef16 + "00000001" + "00".repeat(16)), "extension field and MAC");
        assertEquals(-1, mode(CLIENT_V4 + "0104000c" + "00".repeat(8)), "field length 12 < 16");
        assertEquals(-1, mode(CLIENT_V4 + "01040012" + "00".repeat(14)), "field length not a multiple of 4");
        assertEquals(-1, mode(CLIENT_V4 + "01040020" + "00".repeat(12)), "field longer than the payload");
        assertEquals(-1, mode(set(CLIENT_V4, 0, 0x1b) + ef16), "extension fields need v4");
    }

    @Test
    void controlMessages() {
        assertEquals(6, mode(CONTROL_REQ));
        assertEquals(6, mode(CONTROL_RESP));
        assertEquals(6, mode(CONTROL_REQ + "00000001" + "00".repeat(16)), "authenticated request");
        assertEquals(-1, mode(CONTROL_REQ + "00"), "data beyond count");
        assertEquals(-1, mode(CONTROL_RESP.substring(0, 36)), "count larger than the data");
        assertEquals(-1, mode(set(CONTROL_REQ, 1, 0x42)), "request with the error bit");
        assertEquals(-1, mode("1682000106180000000001d5" + "00".repeat(472)), "count 469");
    }

    @Test
    void privateMessages() {
        assertEquals(7, mode(PRIVATE_REQ));
        assertEquals(7, mode("1700032a00000000"));
        // response: R bit, 2 items of 72 octets
        assertEquals(7, mode("9700032a00020048" + "00".repeat(144)));
        assertEquals(-1, mode("9700032a00020048" + "00".repeat(100)), "items beyond the payload");
        assertEquals(-1, mode(set(PRIVATE_REQ, 2, 1)), "implementation 1");
        assertEquals(-1, mode(set(PRIVATE_REQ, 3, 64)), "request code 64");
        assertEquals(-1, mode(set(PRIVATE_REQ, 6, 0x10)), "MBZ nibble");
        assertEquals(-1, mode(set(PRIVATE_REQ, 4, 0x10)), "request with an error code");
        assertEquals(-1, mode(set(PRIVATE_REQ, 0, 0xd7 & 0x57)), "request with the more bit");
        assertEquals(-1, mode("9700032a50000000"), "error code 5");
        assertEquals(-1, mode("1700032a000000"), "7 octets");
        assertEquals(-1, mode(PRIVATE_REQ + "00".repeat(500)), "too long");
    }
}
