package org.flowmark.detector.stun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

class StunParserTest {

    /**
     * The attributes of RFC 5769 section 2.1's sample request before MESSAGE-INTEGRITY (SOFTWARE, PRIORITY,
     * ICE-CONTROLLED, USERNAME), with the length adjusted; a FINGERPRINT computed per RFC 8489 section 14.7 is
     * appended by {@link #withFingerprint}.
     */
    static final String RFC5769_REQUEST_BODY = "000100382112a442b7e7a701bc34d686fa87dfae"
        + "802200105354554e207465737420766563746f72" + "002400046e0001ff" + "80290008932ff9b151263b36"
        + "000600096576746a3a68367659202020";
    static final String RFC5769_REQUEST = withFingerprint(RFC5769_REQUEST_BODY);
    /** RFC 5769 section 2.2, sample IPv4 response (XOR-MAPPED-ADDRESS 192.0.2.1:32853). */
    static final String RFC5769_RESPONSE = "0101003c2112a442b7e7a701bc34d686fa87dfae"
        + "8022000b7465737420766563746f7220" + "002000080001a147e112a643"
        + "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7" + "80280004c07d4c96";

    /** Appends a FINGERPRINT attribute (CRC-32 by java.util.zip, independent of {@link Crc32}). */
    static String withFingerprint(String hex) {
        byte[] b = Hex.bytes(hex);
        int len = ((b[2] & 0xff) << 8 | (b[3] & 0xff)) + 8;
        b[2] = (byte) (len >> 8);
        b[3] = (byte) len;
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b);
        long fp = crc.getValue() ^ StunParser.FINGERPRINT_XOR;
        return toHex(b) + "80280004" + String.format("%08x", fp);
    }

    static String toHex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }

    static ByteArrayPacketView hex(String h) {
        return ByteArrayPacketView.ofHex(h);
    }

    @Test
    void rfc5769RequestIsValidWithFingerprint() {
        ByteArrayPacketView v = hex(RFC5769_REQUEST);
        long r = StunParser.message(v, 0, v.length(), false);
        assertNotEquals(StunParser.INVALID, r);
        assertEquals(v.length(), r & StunParser.R_LEN_MASK);
        assertTrue((r & StunParser.R_MODERN) != 0);
        assertTrue((r & StunParser.R_FINGERPRINT) != 0);
        assertTrue((r & StunParser.R_REQUEST) != 0);
        assertEquals(5, (r >>> StunParser.R_ATTRS_SHIFT) & 0xff);
        int sw = StunParser.find(v, 0, StunParser.ATTR_SOFTWARE);
        assertEquals("STUN test vector", StunParser.text(v, sw, 128));
        assertEquals("evtj:h6vY", StunParser.text(v, StunParser.find(v, 0, StunParser.ATTR_USERNAME), 128));
    }

    @Test
    void rfc5769ResponseMappedAddress() {
        ByteArrayPacketView v = hex(RFC5769_RESPONSE);
        long r = StunParser.message(v, 0, v.length(), false);
        assertNotEquals(StunParser.INVALID, r);
        assertTrue((r & StunParser.R_FINGERPRINT) != 0);
        int at = StunParser.find(v, 0, StunParser.ATTR_XOR_MAPPED_ADDRESS);
        assertEquals("192.0.2.1:32853", StunParser.address(v, 0, at, true));
        assertEquals(1, StunParser.method(v.u16(0)));
        assertEquals(2, StunParser.messageClass(v.u16(0)));
    }

    @Test
    void corruptedFingerprintOrBodyIsRejected() {
        byte[] b = Hex.bytes(RFC5769_REQUEST);
        b[b.length - 1] ^= 1; // fingerprint value
        assertEquals(StunParser.INVALID, StunParser.message(new ByteArrayPacketView(b), 0, b.length, false));
        b = Hex.bytes(RFC5769_REQUEST);
        b[30] ^= 0x20; // a SOFTWARE character: the CRC no longer matches
        assertEquals(StunParser.INVALID, StunParser.message(new ByteArrayPacketView(b), 0, b.length, false));
    }

    @Test
    void headerRulesAreEnforced() {
        // binding request without attributes: valid
        assertNotEquals(StunParser.INVALID, StunParser.message(hex("000100002112a442000102030405060708090a0b"), 0,
            20, false));
        // top bits set
        assertEquals(StunParser.INVALID, StunParser.message(hex("400100002112a442000102030405060708090a0b"), 0,
            20, false));
        // length not a multiple of 4
        assertEquals(StunParser.INVALID, StunParser.message(hex("000100022112a442000102030405060708090a0b0000"),
            0, 22, false));
        // attribute overruns the body
        assertEquals(StunParser.INVALID, StunParser.message(
            hex("000100082112a442000102030405060708090a0b802200080000000000000000"), 0, 32, false));
        // unknown method 0x0ff
        assertEquals(StunParser.INVALID, StunParser.message(hex("0e0f00002112a442000102030405060708090a0b"), 0,
            20, false));
        // no cookie: classic only when allowed
        ByteArrayPacketView classic = hex("00010008" + "9429ef88294dd52632c72931cb8dbb4c" + "0003000400000000");
        assertEquals(StunParser.INVALID, StunParser.message(classic, 0, classic.length(), false));
        assertNotEquals(StunParser.INVALID, StunParser.message(classic, 0, classic.length(), true));
    }

    @Test
    void channelDataAndMedia() {
        assertEquals(8, StunParser.channelData(hex("40000004deadbeef"), 0, 8, false));
        assertEquals(-1, StunParser.channelData(hex("80000004deadbeef"), 0, 8, false));
        assertEquals(-1, StunParser.channelData(hex("40000010deadbeef"), 0, 8, false));
        assertEquals(8, StunParser.channelData(hex("40000003deadbe00"), 0, 8, true));
        // DTLS 1.2 handshake record header with a fitting length
        assertEquals(StunParser.MEDIA_DTLS, StunParser.media(hex("16fefd000000000000000000010001")));
        assertEquals(StunParser.MEDIA_NONE, StunParser.media(hex("16abcd000000000000000000010001")));
        assertEquals(StunParser.MEDIA_RTP, StunParser.media(hex("8012ae1604e9fa383aa6d922c4532097")));
        assertEquals(StunParser.MEDIA_RTCP, StunParser.media(hex("80c80001d2b30000")));
    }
}
