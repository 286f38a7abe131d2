package org.flowmark.detector.dhcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.junit.jupiter.api.Test;

class DhcpParserTest {

    /** The fixed BOOTP part (RFC 2131 figure 1) up to and including the magic cookie. */
    static String bootp(int op, String flags, String yiaddr) {
        return String.format("%02x", op) + "0106" + "00" + "3903f326" + "0000" + flags
            + "00000000" + yiaddr + "00000000" + "00000000"
            + "525400123456" + "00".repeat(10) + "00".repeat(64) + "00".repeat(128) + "63825363";
    }

    /** DHCPDISCOVER as udhcpc sends it: type, client id, hostname, vendor class, parameter request list. */
    static final String DISCOVER = bootp(1, "0000", "00000000")
        + "350101" + "3d0701525400123456" + "0c05" + "686f737431"
        + "3c0c" + "756468637020312e33362e31" + "3707010306 0c0f1c2a".replace(" ", "") + "ff" + "00".repeat(8);
    /** DHCPOFFER from a server: type, server id, lease time, subnet mask, router. */
    static final String OFFER = bootp(2, "0000", "c0a80a0b")
        + "350102" + "3604c0a80a01" + "330400000e10" + "0104ffffff00" + "0304c0a80a01" + "ff";
    /** A plain BOOTP request: no message type, vendor area of 64 octets with END right away. */
    static final String BOOTP_REQUEST = bootp(1, "8000", "00000000") + "ff" + "00".repeat(59);

    private static int type(String hex) {
        return DhcpParser.messageType(ByteArrayPacketView.ofHex(hex));
    }

    private static String set(String hex, int index, int value) {
        return hex.substring(0, 2 * index) + String.format("%02x", value) + hex.substring(2 * index + 2);
    }

    @Test
    void validMessages() {
        assertEquals(1, type(DISCOVER));
        assertEquals(2, type(OFFER));
        assertEquals(0, type(BOOTP_REQUEST));
        assertEquals(3, type(bootp(1, "8000", "00000000") + "350103" + "0000" + "ff"), "pads before END");
        assertEquals(9, type(bootp(2, "0000", "00000000") + "350109ff"), "FORCERENEW from a server");
        assertEquals(1, type(set(set(DISCOVER, 1, 32), 2, 0)), "InfiniBand, hlen 0");
        assertEquals("DHCPDISCOVER", DhcpParser.typeName(1));
        assertEquals("DHCPINFORM", DhcpParser.typeName(8));
    }

    @Test
    void rejectsBadFixedFields() {
        assertEquals(-1, type(set(DISCOVER, 0, 3)), "op 3");
        assertEquals(-1, type(set(DISCOVER, 1, 0)), "htype 0");
        assertEquals(-1, type(set(DISCOVER, 1, 41)), "htype 41");
        assertEquals(-1, type(set(DISCOVER, 2, 8)), "Ethernet with hlen 8");
        assertEquals(-1, type(set(DISCOVER, 2, 17)), "hlen 17");
        assertEquals(-1, type(set(DISCOVER, 3, 17)), "hops 17");
        assertEquals(-1, type(set(DISCOVER, 11, 1)), "a flag bit other than BROADCAST");
        assertEquals(-1, type(set(DISCOVER, 239, 0x64)), "magic cookie");
        assertEquals(-1, type(DISCOVER.substring(0, 480)), "nothing after the cookie");
    }

    @Test
    void rejectsBadOptions() {
        String head = bootp(1, "0000", "00000000");
        assertEquals(-1, type(head + "350101" + "0c05686f7374"), "no END, option runs past the payload");
        assertEquals(-1, type(head + "350101" + "3702010300"), "no END");
        assertEquals(-1, type(head + "35020101ff"), "message type of length 2");
        assertEquals(-1, type(head + "350100ff"), "message type 0");
        assertEquals(-1, type(head + "350113ff"), "message type 19");
        assertEquals(-1, type(head + "350101350101ff"), "two message types");
        assertEquals(-1, type(head + "350102ff"), "OFFER in a BOOTREQUEST");
        assertEquals(-1, type(bootp(2, "0000", "00000000") + "350101ff"), "DISCOVER in a BOOTREPLY");
    }

    @Test
    void findsOptions() {
        ByteArrayPacketView p = ByteArrayPacketView.ofHex(DISCOVER);
        int at = DhcpParser.find(p, 55);
        assertEquals(7, p.u8(at - 1));
        assertEquals("1,3,6,12,15,28,42", OptionText.decimals(p, at, 7, 1));
        assertEquals("host1", OptionText.text(p, DhcpParser.find(p, 12), 5));
        assertEquals(-1, DhcpParser.find(p, 50));
        assertEquals(-1, DhcpParser.find(ByteArrayPacketView.ofHex(OFFER), 55));
    }
}
