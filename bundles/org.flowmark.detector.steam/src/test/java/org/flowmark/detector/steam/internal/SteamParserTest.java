package org.flowmark.detector.steam.internal;

import static org.flowmark.testkit.Hex.le32;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.junit.jupiter.api.Test;

/**
 * Hex vectors built from the datagram layout (magic, LE32 header length, CMsgRemoteClientBroadcastHeader, LE32 body
 * length, body) and the protobuf encoding rules. No Steam client runs here, so no recorded bytes are used.
 */
class SteamParserTest {

    static final String MAGIC = "ffffffff214c5fa0";

    /** Header: client_id 1000 (varint e8 07), msg_type 0 (discovery), instance_id 2. */
    static final String HDR_DISCOVERY = "08e807" + "1000" + "1802";
    /** CMsgRemoteClientBroadcastDiscovery: seq_num 1, client_ids 1000. */
    static final String BODY_DISCOVERY = "0801" + "10e807";
    /** A discovery datagram written out in full. */
    static final String DISCOVERY = MAGIC + "07000000" + "08e8071000" + "1802" + "05000000" + "080110e807";

    /** Header: client_id 0x0123456789abcdef as a varint, msg_type 1 (status), instance_id 0x7fffffffffffffff. */
    static final String HDR_STATUS = "08" + varint(0x0123456789abcdefL) + "1001" + "18" + varint(Long.MAX_VALUE);
    /**
     * CMsgRemoteClientBroadcastStatus-shaped body: version 8, min_version 6, connect_port 27036, hostname "host",
     * a user (fixed64 steamid, auth_key_id 1), ostype -184 (a ten-byte varint), is64bit true, a fixed32 field, and
     * a two-byte tag (field 20, a string).
     */
    static final String BODY_STATUS = "0808" + "1006" + "189cd301" + "2204" + "686f7374"
        + "4a0b" + "0901000010010000011001" + "38" + "c8feffffffffffffff01" + "4001" + "5d01020304"
        + "a20103" + "313233";
    /** Header with the ids as fixed64 (wire type 1), msg_type 3 (authorization request). */
    static final String HDR_FIXED = "09" + "efcdab8967452301" + "1003" + "19" + "0200000000000000";

    static String datagram(String header, String body) {
        return MAGIC + le32(header.length() / 2) + header + le32(body.length() / 2) + body;
    }

    static String varint(long v) {
        StringBuilder sb = new StringBuilder();
        while ((v & ~0x7FL) != 0) {
            sb.append(String.format("%02x", (v & 0x7F) | 0x80));
            v >>>= 7;
        }
        return sb.append(String.format("%02x", v)).toString();
    }

    private static int type(String hex) {
        return SteamParser.msgType(ByteArrayPacketView.ofHex(hex));
    }

    @Test
    void builderMatchesTheWrittenOutVector() {
        assertEquals(DISCOVERY, datagram(HDR_DISCOVERY, BODY_DISCOVERY));
        assertEquals("e807", varint(1000));
        assertEquals("9cd301", varint(27036));
        assertEquals("c8feffffffffffffff01", varint(-184L));
    }

    @Test
    void validDatagrams() {
        assertEquals(0, type(DISCOVERY));
        assertEquals(1, type(datagram(HDR_STATUS, BODY_STATUS)));
        assertEquals(3, type(datagram(HDR_FIXED, "")));
        assertEquals(0, type(datagram("", "")), "empty header and body: msg_type defaults to discovery");
        assertEquals(2, type(datagram("1002", "")));
        assertEquals(10, type(datagram("08011000100a", "")), "a repeated field: the last one counts");
        assertEquals(255, type(datagram("10ff01", "")));
        assertEquals(0, type(datagram("1080808000", "")), "a padded (non-minimal) varint is still valid");
        assertEquals(1, type(datagram(HDR_STATUS + "f80701", "")), "unknown header field 127 is skipped");
    }

    @Test
    void clientAndInstanceIds() {
        ByteArrayPacketView status = ByteArrayPacketView.ofHex(datagram(HDR_STATUS, BODY_STATUS));
        assertEquals(0x0123456789abcdefL, SteamParser.clientId(status));
        assertEquals(Long.MAX_VALUE, SteamParser.instanceId(status));
        ByteArrayPacketView fixed = ByteArrayPacketView.ofHex(datagram(HDR_FIXED, ""));
        assertEquals(0x0123456789abcdefL, SteamParser.clientId(fixed));
        assertEquals(2L, SteamParser.instanceId(fixed));
        assertEquals(1000L, SteamParser.clientId(ByteArrayPacketView.ofHex(DISCOVERY)));
        assertEquals(0L, SteamParser.clientId(ByteArrayPacketView.ofHex(datagram("1001", ""))));
        assertEquals(-1L, SteamParser.clientId(ByteArrayPacketView.ofHex(datagram("08" + varint(-1L), ""))));
    }

    @Test
    void wrongMagic() {
        for (int i = 0; i < 8; i++) {
            String bad = DISCOVERY.substring(0, 2 * i)
                + String.format("%02x", Integer.parseInt(DISCOVERY.substring(2 * i, 2 * i + 2), 16) ^ 0x01)
                + DISCOVERY.substring(2 * i + 2);
            assertEquals(-1, type(bad), "magic byte " + i);
        }
        assertEquals(-1, type("a05f4c21ffffffff" + DISCOVERY.substring(16)), "magic in the wrong byte order");
        assertEquals(-1, type("ffffffff54536f7572636520456e67696e65205175657279"), "Source engine A2S_INFO");
    }

    @Test
    void lengthsMustAddUp() {
        assertEquals(-1, type(DISCOVERY + "00"), "a trailing byte");
        assertEquals(-1, type(DISCOVERY.substring(0, DISCOVERY.length() - 2)), "a byte missing");
        assertEquals(-1, type(MAGIC + "08000000" + "08e8071000" + "1802" + "05000000" + "080110e807"),
            "header length one too many");
        assertEquals(-1, type(MAGIC + "06000000" + "08e8071000" + "1802" + "05000000" + "080110e807"),
            "header length one too few");
        assertEquals(-1, type(MAGIC + "07000000" + "08e8071000" + "1802" + "04000000" + "080110e807"),
            "body length one too few");
        assertEquals(-1, type(MAGIC + "07000000" + "08e8071000" + "1802" + "06000000" + "080110e807"),
            "body length one too many");
        assertEquals(-1, type(MAGIC + "ffffffff" + "00000000"), "header length 2^32-1");
        assertEquals(-1, type(MAGIC + "00000000" + "ffffffff"), "body length 2^32-1");
        assertEquals(-1, type(MAGIC + "00000000" + "000000"), "15 bytes");
        assertEquals(-1, type(MAGIC + "00000080" + "00000000"), "header length with the top bit set");
        assertEquals(-1, type(MAGIC), "magic alone");
        assertEquals(-1, type(MAGIC + "0000000000000000" + MAGIC + "0000000000000000"), "two datagrams in one");
    }

    @Test
    void brokenVarints() {
        assertEquals(-1, type(datagram("08e8", "")), "client_id varint cut by the header's end");
        assertEquals(-1, type(datagram(HDR_DISCOVERY, "08")), "body tag without its value");
        assertEquals(-1, type(datagram(HDR_DISCOVERY, "0881")), "body varint cut by the datagram's end");
        assertEquals(-1, type(datagram("08" + "ff".repeat(10) + "01", "")), "11-byte varint");
        assertEquals(-1, type(datagram("08" + "ff".repeat(9) + "02", "")), "10-byte varint above 64 bits");
        assertEquals(-1, type(datagram("", "8080808010" + "00")), "tag above 32 bits: field number 2^29");
        assertEquals(0, type(datagram("", "f8ffffff0f00")), "field number 2^29-1 is the largest");
        assertEquals(-1, type(datagram("", "80808080808001" + "00")), "tag of more than 5 bytes");
    }

    @Test
    void badFields() {
        assertEquals(-1, type(datagram("0001", "")), "field number 0");
        assertEquals(-1, type(datagram("", "0001")), "field number 0 in the body");
        assertEquals(-1, type(datagram("", "0b0c")), "group start (wire type 3)");
        assertEquals(-1, type(datagram("", "0c")), "group end (wire type 4)");
        assertEquals(-1, type(datagram("", "0e00")), "wire type 6");
        assertEquals(-1, type(datagram("", "0f00")), "wire type 7");
        assertEquals(-1, type(datagram("", "2205686f7374")), "length-delimited overrun");
        assertEquals(-1, type(datagram("", "22ffffffff0f")), "length 2^32-1");
        assertEquals(-1, type(datagram("", "09010203")), "fixed64 overrun");
        assertEquals(-1, type(datagram("", "0d0102")), "fixed32 overrun");
        assertEquals(-1, type(datagram("1202" + "0000", "")), "msg_type length-delimited");
        assertEquals(-1, type(datagram("15" + "00000000", "")), "msg_type fixed32");
        assertEquals(-1, type(datagram("108002", "")), "msg_type 256");
        assertEquals(-1, type(datagram("10" + varint(-1L), "")), "msg_type negative");
        assertEquals(-1, type(datagram("0a0100", "")), "client_id length-delimited");
        assertEquals(-1, type(datagram("1d00000000", "")), "instance_id fixed32");
    }
}
