package org.flowmark.detector.dhcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.junit.jupiter.api.Test;

class Dhcpv6ParserTest {

    static final String CLIENT_ID = "0001000e" + "00010001" + "2a3b4c5d" + "525400123456";
    static final String SERVER_ID = "0002000e" + "00010001" + "2a3b4c00" + "525400abcdef";
    /** SOLICIT: client id, IA_NA, elapsed time, ORO (23, 24, 39), client FQDN "host1", vendor class. */
    static final String SOLICIT = "01" + "102030" + CLIENT_ID
        + "0003000c" + "00000001" + "00000000" + "00000000"
        + "00080002" + "0000"
        + "00060006" + "0017" + "0018" + "0027"
        + "00270008" + "00" + "05686f737431" + "00"
        + "0010000e" + "00000137" + "0008" + "4d53465420352e30";
    static final String ADVERTISE = "02" + "102030" + SERVER_ID + CLIENT_ID;
    static final String INFO_REQUEST = "0b" + "abcdef" + "00080002" + "0000";
    /** RELAY-FORW with hop count 0, link and peer address, a Relay Message option holding the SOLICIT. */
    static final String RELAY_FORW = "0c" + "00" + "20010db8000000000000000000000001" + "fe800000000000000000000000000002"
        + "0009" + String.format("%04x", SOLICIT.length() / 2) + SOLICIT;

    private static int type(String hex) {
        return Dhcpv6Parser.messageType(ByteArrayPacketView.ofHex(hex));
    }

    @Test
    void validMessages() {
        assertEquals(1, type(SOLICIT));
        assertEquals(2, type(ADVERTISE));
        assertEquals(11, type(INFO_REQUEST), "INFORMATION-REQUEST may omit the client id");
        assertEquals(12, type(RELAY_FORW));
        assertEquals("SOLICIT", Dhcpv6Parser.typeName(1));
        assertEquals("RELAY-REPL", Dhcpv6Parser.typeName(13));
    }

    @Test
    void rejects() {
        assertEquals(-1, type("00" + SOLICIT.substring(2)), "type 0");
        assertEquals(-1, type("0e" + SOLICIT.substring(2)), "type 14");
        assertEquals(-1, type(SOLICIT + "00"), "a trailing octet");
        assertEquals(-1, type(SOLICIT.substring(0, SOLICIT.length() - 2)), "last option cut short");
        assertEquals(-1, type("01102030" + "00080002" + "0000"), "SOLICIT without a client id");
        assertEquals(-1, type("02102030" + CLIENT_ID), "ADVERTISE without a server id");
        assertEquals(-1, type("0b102030"), "no option at all");
        assertEquals(-1, type("0b102030" + "00000000"), "option code 0");
        assertEquals(-1, type("0b102030" + "01000000"), "option code 256");
        assertEquals(-1, type("0c21" + RELAY_FORW.substring(4)), "hop count 33");
        assertEquals(-1, type("0c00" + RELAY_FORW.substring(4, 68) + CLIENT_ID), "relay without a relay message");
    }

    @Test
    void findsOptions() {
        ByteArrayPacketView p = ByteArrayPacketView.ofHex(SOLICIT);
        int at = Dhcpv6Parser.find(p, 1, 6);
        assertEquals("23,24,39", OptionText.decimals(p, at, p.u16(at - 2), 2));
        int fqdn = Dhcpv6Parser.find(p, 1, 39);
        assertEquals("host1", OptionText.dnsName(p, fqdn + 1, p.u16(fqdn - 2) - 1));
        assertEquals(-1, Dhcpv6Parser.find(p, 1, 2));
    }
}
