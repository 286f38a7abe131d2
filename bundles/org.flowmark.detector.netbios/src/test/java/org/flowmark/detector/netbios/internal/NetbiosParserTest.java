package org.flowmark.detector.netbios.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.junit.jupiter.api.Test;

class NetbiosParserTest {

    /** First-level encoding (RFC 1001 section 14.1): name padded with blanks to 15 octets, then the suffix. */
    static String encode(String name, int suffix) {
        StringBuilder sb = new StringBuilder("20");
        for (int i = 0; i < 16; i++) {
            int c = i < 15 ? (i < name.length() ? name.charAt(i) : ' ') : suffix;
            sb.append(String.format("%02x%02x", 'A' + (c >> 4), 'A' + (c & 15)));
        }
        return sb.append("00").toString();
    }

    /** nmblookup FMLAB: broadcast name query, RD and B set. */
    static final String QUERY = "1234" + "0110" + "0001" + "0000" + "0000" + "0000" + encode("FMLAB", 0x20) + "0020" + "0001";
    /** Positive name query response: AA, RD; one NB record, TTL 300000 s, address 10.99.0.2. */
    static final String RESPONSE = "1234" + "8500" + "0000" + "0001" + "0000" + "0000" + encode("FMLAB", 0x20)
        + "0020" + "0001" + "000493e0" + "0006" + "0000" + "0a630002";
    /** Name registration request: question plus an additional record that points at it. */
    static final String REGISTRATION = "4321" + "2910" + "0001" + "0000" + "0000" + "0001" + encode("WORKGROUP", 0x00)
        + "0020" + "0001" + "c00c" + "0020" + "0001" + "000493e0" + "0006" + "8000" + "0a630001";
    /** Node status (NBSTAT) query for the wildcard name. */
    static final String NBSTAT = "0001" + "0000" + "0001" + "0000" + "0000" + "0000" + "20" + "434b" + "4141".repeat(15) + "00"
        + "0021" + "0001";
    /** Direct group datagram from FMLAB<00> to WORKGROUP<1e>, first and only fragment, 8 octets of data. */
    static final String DATAGRAM = datagram();
    /** Session request: called FMSRV<20>, calling FMLAB<00>. */
    static final String SESSION_REQUEST = "81000044" + encode("FMSRV", 0x20) + encode("FMLAB", 0x00);

    private static String datagram() {
        String names = encode("FMLAB", 0x00) + encode("WORKGROUP", 0x1e) + "ff534d4225000000";
        return "11" + "02" + "8001" + "0a630002" + "008a" + String.format("%04x", names.length() / 2) + "0000" + names;
    }

    private static ByteArrayPacketView v(String hex) {
        return ByteArrayPacketView.ofHex(hex);
    }

    private static String set(String hex, int index, int value) {
        return hex.substring(0, 2 * index) + String.format("%02x", value) + hex.substring(2 * index + 2);
    }

    @Test
    void nameService() {
        assertEquals(12, NetbiosParser.nameService(v(QUERY)));
        assertEquals(12, NetbiosParser.nameService(v(RESPONSE)));
        assertEquals(12, NetbiosParser.nameService(v(REGISTRATION)));
        assertEquals(12, NetbiosParser.nameService(v(NBSTAT)));
        assertEquals("FMLAB", NetbiosParser.decodeName(v(QUERY), 12));
        assertEquals(0x20, NetbiosParser.suffix(v(QUERY), 12));
        assertEquals("*", NetbiosParser.decodeName(v(NBSTAT), 12));
        assertEquals("WORKGROUP", NetbiosParser.decodeName(v(REGISTRATION), 12));
    }

    @Test
    void nameServiceRejects() {
        assertEquals(-1, NetbiosParser.nameService(v(QUERY + "00")), "trailing octet");
        assertEquals(-1, NetbiosParser.nameService(v(QUERY.substring(0, QUERY.length() - 2))), "short");
        assertEquals(-1, NetbiosParser.nameService(v(set(QUERY, 2, 0x11))), "opcode 2");
        assertEquals(-1, NetbiosParser.nameService(v(set(QUERY, 3, 0x50))), "reserved NM_FLAGS bit");
        assertEquals(-1, NetbiosParser.nameService(v(set(QUERY, 3, 0x13))), "request with an RCODE");
        assertEquals(-1, NetbiosParser.nameService(v(set(QUERY, 5, 2))), "QDCOUNT 2");
        assertEquals(-1, NetbiosParser.nameService(v(set(QUERY, 12, 0x21))), "name length 33");
        assertEquals(-1, NetbiosParser.nameService(v(set(QUERY, 13, 'Q'))), "'Q' in an encoded name");
        assertEquals(-1, NetbiosParser.nameService(v(set(QUERY, 47, 0x10))), "question type 0x10");
        assertEquals(-1, NetbiosParser.nameService(v(set(QUERY, 49, 0x02))), "class 2");
        assertEquals(-1, NetbiosParser.nameService(v(set(RESPONSE, 55, 0x07))), "RDLENGTH beyond the payload");
        assertEquals(-1, NetbiosParser.nameService(v(set(REGISTRATION, 51, 0x0d))), "pointer elsewhere than 12");
    }

    @Test
    void datagramService() {
        assertEquals(14, NetbiosParser.datagram(v(DATAGRAM)));
        assertEquals("FMLAB", NetbiosParser.decodeName(v(DATAGRAM), 14));
        assertEquals(0, NetbiosParser.datagram(v("13" + "02" + "8001" + "0a630002" + "008a" + "82")), "error datagram");
        String query = "14" + "02" + "8002" + "0a630002" + "008a" + encode("FMSRV", 0x20);
        assertEquals(10, NetbiosParser.datagram(v(query)));
        assertEquals(-1, NetbiosParser.datagram(v(query + "00")), "query with trailing octets");
        assertEquals(-1, NetbiosParser.datagram(v(DATAGRAM + "00")), "DGM_LENGTH mismatch");
        assertEquals(-1, NetbiosParser.datagram(v(set(DATAGRAM, 0, 0x17))), "type 0x17");
        assertEquals(-1, NetbiosParser.datagram(v(set(DATAGRAM, 1, 0x12))), "high flag bits");
        assertEquals(-1, NetbiosParser.datagram(v("13" + "02" + "8001" + "0a630002" + "008a" + "81")), "error code");
    }

    @Test
    void sessionService() {
        assertEquals(NetbiosParser.SESSION_REQUEST, NetbiosParser.session(v(SESSION_REQUEST)));
        assertEquals("FMSRV", NetbiosParser.decodeName(v(SESSION_REQUEST), 4));
        assertEquals(NetbiosParser.SESSION_SMB, NetbiosParser.session(v("00000054" + "ff534d4272" + "00".repeat(31))));
        assertEquals(NetbiosParser.SESSION_SMB, NetbiosParser.session(v("000000b0" + "fe534d4240" + "00".repeat(59))));
        assertEquals(NetbiosParser.SESSION_CONTROL, NetbiosParser.session(v("82000000")));
        assertEquals(NetbiosParser.SESSION_CONTROL, NetbiosParser.session(v("85000000")));
        assertEquals(NetbiosParser.SESSION_CONTROL, NetbiosParser.session(v("8300000182")));
        assertEquals(NetbiosParser.SESSION_CONTROL, NetbiosParser.session(v("840000060a630002008b")));
        assertEquals(-1, NetbiosParser.session(v("00000054" + "00534d4272" + "00".repeat(31))), "no SMB magic");
        assertEquals(-1, NetbiosParser.session(v("0000000c" + "00000001" + "00".repeat(8))), "length-prefixed non-SMB");
        assertEquals(-1, NetbiosParser.session(v("8300000184")), "error code 0x84");
        assertEquals(-1, NetbiosParser.session(v("82020000")), "reserved flag bit");
        assertEquals(-1, NetbiosParser.session(v("81000045" + SESSION_REQUEST.substring(8))), "length mismatch");
        assertEquals(-1, NetbiosParser.session(v("86000000")), "type 0x86");
    }
}
