package org.flowmark.detector.dns.internal;

import static org.flowmark.detector.dns.internal.DnsParser.BAD;
import static org.flowmark.detector.dns.internal.DnsParser.KIND_DNS;
import static org.flowmark.detector.dns.internal.DnsParser.KIND_LLMNR;
import static org.flowmark.detector.dns.internal.DnsParser.KIND_MDNS;
import static org.flowmark.detector.dns.internal.DnsParser.OK;
import static org.flowmark.detector.dns.internal.DnsParser.TRUNC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.api.packet.PacketView;
import org.junit.jupiter.api.Test;

class DnsParserTest {

    /** RFC 1035 query: id 0x1234, RD, one question www.example.com A IN. */
    static final String QUERY_HEX = "12340100000100000000000003777777076578616d706c6503636f6d0000010001";

    /**
     * Response to it: www.example.com CNAME web.example.net (target compressed against nothing: written out),
     * web.example.net A 93.184.216.34, web.example.net AAAA 2606:2800:220:1::248, plus an OPT record.
     */
    static byte[] cnameResponse() {
        Wire w = Wire.header(0x1234, 0x8180, 1, 3, 0, 1).question("www.example.com", 1, 1);
        int webAt = w.size() + 12; // after the answer's owner pointer and fixed part
        w.pointer(12).rr(5, 1, 300, 17).name("web.example.net");
        w.pointer(webAt).rr(1, 1, 60, 4).bytes(93, 184, 216, 34);
        w.pointer(webAt).rr(28, 1, 120, 16)
            .bytes(0x26, 0x06, 0x28, 0, 0x02, 0x20, 0, 1, 0, 0, 0, 0, 0, 0, 0x02, 0x48);
        w.u8(0).rr(41, 1232, 0, 0);
        return w.bytes();
    }

    static byte[] hex(String h) {
        PacketView p = ByteArrayPacketView.ofHex(h);
        byte[] b = new byte[p.length()];
        p.copyTo(0, b, 0, b.length);
        return b;
    }

    static PacketView v(byte[] b) {
        return new ByteArrayPacketView(b);
    }

    static int parse(byte[] b, int kind) {
        return DnsParser.parse(v(b), 0, b.length, b.length, kind, null);
    }

    static DnsMessage decode(byte[] b, int kind) {
        DnsMessage m = new DnsMessage();
        DnsParser.parse(v(b), 0, b.length, b.length, kind, m);
        return m;
    }

    @Test
    void queryHexVector() {
        PacketView p = ByteArrayPacketView.ofHex(QUERY_HEX);
        DnsMessage m = new DnsMessage();
        assertEquals(OK, DnsParser.parse(p, 0, p.length(), p.length(), KIND_DNS, m));
        assertEquals(0x1234, m.id);
        assertEquals("www.example.com", m.qname);
        assertEquals(1, m.qtype);
        assertTrue(!m.response());
    }

    @Test
    void responseWithCnameChainAndOpt() {
        byte[] b = cnameResponse();
        assertEquals(OK, parse(b, KIND_DNS));
        DnsMessage m = decode(b, KIND_DNS);
        assertEquals(3, m.records.size());
        assertEquals(List.of("web.example.net", "93.184.216.34", "2606:2800:220:1::248"), m.answerTexts(16));
        assertEquals("web.example.net", m.records.get(1).owner);
        assertArrayEquals(new boolean[] {false, true, true}, m.answersQuestion());
        assertEquals(60, m.records.get(1).ttl);
    }

    @Test
    void unrelatedAddressIsNotAttributedToTheQuestion() {
        Wire w = Wire.header(7, 0x8180, 1, 2, 0, 0).question("a.example", 1, 1);
        w.pointer(12).rr(1, 1, 60, 4).bytes(192, 0, 2, 1);
        w.name("other.example").rr(1, 1, 60, 4).bytes(192, 0, 2, 2);
        DnsMessage m = decode(w.bytes(), KIND_DNS);
        assertArrayEquals(new boolean[] {true, false}, m.answersQuestion());
    }

    @Test
    void compressionLoopsAndBadPointersAreRejected() {
        // label "a" at 12, then a pointer back to 12: a.a.a.a... until the 255-byte bound
        byte[] loop = Wire.header(1, 0x0100, 1, 0, 0, 0).labels("a").pointer(12).u16(1).u16(1).bytes();
        assertEquals(BAD, parse(loop, KIND_DNS));
        assertNull(DnsParser.readName(v(loop), 0, 12, loop.length));
        // a pointer to itself
        byte[] self = Wire.header(1, 0x0100, 1, 0, 0, 0).pointer(12).u16(1).u16(1).bytes();
        assertEquals(BAD, parse(self, KIND_DNS));
        // a forward pointer
        byte[] fwd = Wire.header(1, 0x0100, 1, 0, 0, 0).pointer(14).name("x").u16(1).u16(1).bytes();
        assertEquals(BAD, parse(fwd, KIND_DNS));
        // a pointer into the header
        byte[] hdr = Wire.header(1, 0x0100, 1, 0, 0, 0).pointer(2).u16(1).u16(1).bytes();
        assertEquals(BAD, parse(hdr, KIND_DNS));
        // two records whose names point at each other's pointers (the second must point backwards only)
        Wire w = Wire.header(1, 0x8180, 1, 1, 0, 0).question("q.example", 1, 1);
        int at = w.size();
        w.pointer(at + 12 + 4).rr(1, 1, 1, 4).bytes(1, 2, 3, 4);
        assertEquals(BAD, parse(w.bytes(), KIND_DNS));
    }

    @Test
    void labelAndNameLimits() {
        String l63 = "a".repeat(63);
        byte[] ok = Wire.header(1, 0x0100, 1, 0, 0, 0).question(l63 + ".example", 1, 1).bytes();
        assertEquals(OK, parse(ok, KIND_DNS));
        byte[] l64 = Wire.header(1, 0x0100, 1, 0, 0, 0).u8(64).bytes('a').bytes();
        assertEquals(BAD, parse(l64, KIND_DNS)); // 0x40: extended label type
        String n = (l63 + ".").repeat(3) + "a".repeat(61); // 64*3 + 62 + root = 255
        assertEquals(OK, parse(Wire.header(1, 0x0100, 1, 0, 0, 0).question(n, 1, 1).bytes(), KIND_DNS));
        assertEquals(BAD, parse(Wire.header(1, 0x0100, 1, 0, 0, 0).question(n + "a", 1, 1).bytes(), KIND_DNS));
    }

    @Test
    void everyPrefixOfAValidResponseIsTruncatedNeverBad() {
        byte[] b = cnameResponse();
        for (int end = 12; end < b.length; end++) {
            int r = DnsParser.parse(v(b), 0, b.length, end, KIND_DNS, null);
            assertEquals(TRUNC, r, "prefix " + end);
        }
        DnsMessage m = new DnsMessage();
        DnsParser.parse(v(b), 0, b.length, 12 + 21, KIND_DNS, m);
        assertTrue(m.questionComplete);
        assertEquals("www.example.com", m.qname);
    }

    @Test
    void rcodes() {
        for (int rc = 0; rc < 16; rc++) {
            byte[] resp = Wire.header(9, 0x8180 | rc, 1, 0, 0, 0).question("x.example", 1, 1).bytes();
            assertEquals(rc <= 11 ? OK : BAD, parse(resp, KIND_DNS), "rcode " + rc);
            byte[] q = Wire.header(9, 0x0100 | rc, 1, 0, 0, 0).question("x.example", 1, 1).bytes();
            assertEquals(rc == 0 ? OK : BAD, parse(q, KIND_DNS), "query rcode " + rc);
        }
        assertEquals("NXDOMAIN", DnsParser.rcodeName(3));
        assertEquals("SERVFAIL", DnsParser.rcodeName(2));
        assertEquals("REFUSED", DnsParser.rcodeName(5));
        assertEquals("RCODE13", DnsParser.rcodeName(13));
        // an error answer without the question
        assertEquals(OK, parse(Wire.header(9, 0x8181, 0, 0, 0, 0).bytes(), KIND_DNS));
        assertEquals(BAD, parse(Wire.header(9, 0x8180, 0, 0, 0, 0).bytes(), KIND_DNS));
    }

    @Test
    void headerSanity() {
        byte[] q = hex(QUERY_HEX);
        assertEquals(OK, parse(q, KIND_DNS));
        byte[] z = q.clone();
        z[3] |= 0x40; // Z bit
        assertEquals(BAD, parse(z, KIND_DNS));
        byte[] op3 = q.clone();
        op3[2] = (byte) (3 << 3 | 1); // opcode 3
        assertEquals(BAD, parse(op3, KIND_DNS));
        byte[] two = q.clone();
        two[5] = 2; // two questions in a standard query
        assertEquals(BAD, parse(two, KIND_DNS));
        byte[] an = q.clone();
        an[7] = 1; // an answer in a standard query
        assertEquals(BAD, parse(an, KIND_DNS));
        byte[] counts = q.clone();
        counts[11] = 3; // three additional records cannot fit
        assertEquals(BAD, parse(counts, KIND_DNS));
        byte[] cls = q.clone();
        cls[32] = 9; // class 9 unknown
        assertEquals(BAD, parse(cls, KIND_DNS));
        byte[] type0 = q.clone();
        type0[30] = 0; // qtype 0
        assertEquals(BAD, parse(type0, KIND_DNS));
    }

    @Test
    void mdnsAndLlmnrRules() {
        // mDNS announcement: response without question, AA, cache-flush bit
        Wire w = Wire.header(0, 0x8400, 0, 1, 0, 0).name("printer.local").rr(1, 0x8001, 120, 4).bytes(192, 168, 1, 9);
        assertEquals(OK, parse(w.bytes(), KIND_MDNS));
        DnsMessage m = decode(w.bytes(), KIND_MDNS);
        assertEquals(List.of("192.168.1.9"), m.answerTexts(16));
        assertArrayEquals(new boolean[] {true}, m.answersQuestion());
        // mDNS query with two questions and the QU bit
        byte[] q2 = Wire.header(0, 0, 2, 0, 0, 0).question("a.local", 1, 0x8001).question("b.local", 28, 1).bytes();
        assertEquals(OK, parse(q2, KIND_MDNS));
        assertEquals(BAD, parse(q2, KIND_DNS));
        // LLMNR query: one question, flags 0
        byte[] ll = Wire.header(0x4242, 0, 1, 0, 0, 0).question("host", 1, 1).bytes();
        assertEquals(OK, parse(ll, KIND_LLMNR));
        byte[] ll2 = Wire.header(0x4242, 0, 2, 0, 0, 0).question("host", 1, 1).question("x", 1, 1).bytes();
        assertEquals(BAD, parse(ll2, KIND_LLMNR));
    }

    @Test
    void httpsRecordHints() {
        Wire w = Wire.header(5, 0x8180, 1, 1, 0, 0).question("svc.example", 65, 1);
        // priority 1, target ".", alpn (key 1) "h2", ipv4hint 2 addresses, ipv6hint 1 address
        int rdlen = 2 + 1 + (4 + 3) + (4 + 8) + (4 + 16);
        w.pointer(12).rr(65, 1, 300, rdlen).u16(1).u8(0)
            .u16(1).u16(3).bytes(2, 'h', '2')
            .u16(4).u16(8).bytes(192, 0, 2, 1, 192, 0, 2, 2)
            .u16(6).u16(16).bytes(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
        byte[] b = w.bytes();
        assertEquals(OK, parse(b, KIND_DNS));
        DnsMessage m = decode(b, KIND_DNS);
        assertEquals(List.of("192.0.2.1", "192.0.2.2", "2001:db8::1"), m.answerTexts(16));
        assertArrayEquals(new boolean[] {true, true, true}, m.answersQuestion());
    }

    /** An inverse query as captured (RFC 1035 6.4): no question, one answer record with an empty A RDATA. */
    @Test
    void inverseQueryAndNotImpAnswer() {
        byte[] iq = hex("77fc09000000000100000000033231360235380332303201340000010001000000000000");
        assertEquals(OK, parse(iq, KIND_DNS));
        assertTrue(decode(iq, KIND_DNS).records.isEmpty());
        assertEquals(OK, parse(hex("77fc89840000000000000000"), KIND_DNS));
    }

    @Test
    void recordDataChecks() {
        Wire a5 = Wire.header(1, 0x8180, 1, 1, 0, 0).question("x.example", 1, 1);
        a5.pointer(12).rr(1, 1, 1, 5).bytes(1, 2, 3, 4, 5);
        assertEquals(BAD, parse(a5.bytes(), KIND_DNS)); // A with 5 bytes
        Wire cname = Wire.header(1, 0x8180, 1, 1, 0, 0).question("x.example", 5, 1);
        cname.pointer(12).rr(5, 1, 1, 4).bytes(1, 'y', 0, 0);
        assertEquals(BAD, parse(cname.bytes(), KIND_DNS)); // name shorter than its RDATA
        Wire opt = Wire.header(1, 0x8180, 1, 1, 0, 0).question("x.example", 1, 1);
        opt.u8(0).rr(41, 1232, 0, 0);
        assertEquals(BAD, parse(opt.bytes(), KIND_DNS)); // OPT in the answer section
    }

    @Test
    void nameEscapingAndCharacters() {
        byte[] b = Wire.header(1, 0x0100, 1, 0, 0, 0).bytes(3, 'a', '.', 0x01, 2, 'c', 'd', 0).u16(1).u16(1).bytes();
        DnsMessage m = decode(b, KIND_DNS);
        assertEquals("a\\046\\001.cd", m.qname);
        assertTrue(!DnsParser.hostnameChars(m.qname));
        assertTrue(DnsParser.hostnameChars("_dmarc.example-1.com"));
        assertEquals(".", decode(Wire.header(1, 0x0100, 1, 0, 0, 0).question("", 2, 1).bytes(), KIND_DNS).qname);
    }

    @Test
    void ipv6Text() {
        assertEquals("::", DnsMessage.addressText(new byte[16]));
        byte[] a = new byte[16];
        a[15] = 1;
        assertEquals("::1", DnsMessage.addressText(a));
        byte[] b = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
        assertEquals("2001:db8:0:1::1", DnsMessage.addressText(b));
        byte[] c = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1};
        assertEquals("2001:db8:0:1:1::1", DnsMessage.addressText(c));
        byte[] d = {0x20, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1};
        assertEquals("2001:0:1::1:0:1", DnsMessage.addressText(d));
    }
}
