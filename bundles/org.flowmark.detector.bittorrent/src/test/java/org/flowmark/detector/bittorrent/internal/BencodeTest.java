package org.flowmark.detector.bittorrent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.flowmark.testkit.Hex;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class BencodeTest {

    private static int skip(String s) {
        return Bencode.skip(Hex.ascii(s), 0, s.length());
    }

    @Test
    void validValuesAreSkippedWhole() {
        assertEquals(6, skip("4:spamx"));
        assertEquals(6, skip("4:spam"));
        assertEquals(2, skip("0:"));
        assertEquals(3, skip("i3e"));
        assertEquals(4, skip("i-3e"));
        assertEquals(3, skip("i0e"));
        assertEquals(14, skip("l4:spam4:eggse"));
        assertEquals(24, skip("d3:cow3:moo4:spam4:eggse"));
        assertEquals(25, skip("d4:spaml1:a1:be3:numi42ee"));
        assertEquals(2, skip("le"));
        assertEquals(2, skip("de"));
    }

    @Test
    void strictnessRejectsSloppyEncodings() {
        assertEquals(Bencode.INVALID, skip("i03e"));
        assertEquals(Bencode.INVALID, skip("i-0e"));
        assertEquals(Bencode.INVALID, skip("ie"));
        assertEquals(Bencode.INVALID, skip("i-e"));
        assertEquals(Bencode.INVALID, skip("i1.5e"));
        assertEquals(Bencode.INVALID, skip("04:spam"));
        assertEquals(Bencode.INVALID, skip("di1e3:mooe")); // keys are strings
        assertEquals(Bencode.INVALID, skip("x"));
        assertEquals(Bencode.INVALID, skip("123456789:a")); // absurd length
        assertEquals(Bencode.INVALID, skip("i12345678901234567890e"));
    }

    @Test
    void truncatedInputIsReportedAsSuch() {
        assertEquals(Bencode.TRUNCATED, skip("4:spa"));
        assertEquals(Bencode.TRUNCATED, skip("i42"));
        assertEquals(Bencode.TRUNCATED, skip("l4:spam"));
        assertEquals(Bencode.TRUNCATED, skip("d3:cow"));
        assertEquals(Bencode.TRUNCATED, skip("12"));
    }

    @Test
    void nestingIsBounded() {
        String deep = "l".repeat(Bencode.MAX_DEPTH) + "e".repeat(Bencode.MAX_DEPTH);
        assertEquals(deep.length(), skip(deep));
        String tooDeep = "l".repeat(Bencode.MAX_DEPTH + 1) + "e".repeat(Bencode.MAX_DEPTH + 1);
        assertEquals(Bencode.INVALID, skip(tooDeep));
        String hugeDeep = "l".repeat(100_000);
        assertEquals(Bencode.INVALID, skip(hugeDeep));
    }

    @Test
    void findLocatesTopLevelKeysOnly() {
        String d = "d1:ad1:y1:xe1:y1:qe";
        byte[] y = "y".getBytes(StandardCharsets.US_ASCII);
        int at = Bencode.find(Hex.ascii(d), 0, d.length(), y);
        assertEquals(d.indexOf("1:qe"), at); // not the nested "y"
        assertEquals(Bencode.ABSENT, Bencode.find(Hex.ascii("d1:a1:be"), 0, 8, y));
        assertEquals(Bencode.INVALID, Bencode.find(Hex.ascii("l1:ye"), 0, 5, y));
    }
}
