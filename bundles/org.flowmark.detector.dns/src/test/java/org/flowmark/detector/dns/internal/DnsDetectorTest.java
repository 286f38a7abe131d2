package org.flowmark.detector.dns.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.flowmark.api.classify.HostnameHints;
import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.Verdict;
import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.Test;

class DnsDetectorTest {

    /** The capture clock of the test flows starts here: 2019-06-01T00:00:00Z. */
    static final long START_NANOS = 1_559_347_200_000_000_000L;

    static DnsDetector detector(int maxMessageBytes) {
        return new DnsDetector(new DnsDetector.Config() {
            @Override public int maxMessageBytes() { return maxMessageBytes; }
            @Override public Class<? extends Annotation> annotationType() { return DnsDetector.Config.class; }
        });
    }

    /** A flow from 10.0.0.1 to 10.0.0.53 with 6 packets for collect, its packets stamped {@link #START_NANOS}. */
    static FakeFlow flow(Detector d, int ipProtocol, int clientPort, int serverPort) {
        return new FakeFlow(d, 6, ipProtocol, clientPort, serverPort)
            .addresses(new byte[] {10, 0, 0, 1}, new byte[] {10, 0, 0, 53}).at(START_NANOS);
    }

    static FakeFlow udp(Detector d) {
        return flow(d, FakeFlow.UDP, 40_000, 53);
    }

    static FakeFlow tcp(Detector d) {
        return flow(d, FakeFlow.TCP, 40_000, 53);
    }

    /** Records learn() calls: the hint, and the capture time it was learnt at. */
    static final class Hints implements HostnameHints {
        final List<String> learnt = new ArrayList<>();
        final List<Long> times = new ArrayList<>();

        @Override
        public synchronized void learn(byte[] address, int length, String hostname, long ttlSeconds, long nowNanos) {
            learnt.add(DnsMessage.addressText(Arrays.copyOf(address, length)) + "=" + hostname + "/" + ttlSeconds);
            times.add(nowNanos);
        }

        @Override
        public String lookup(byte[] address, int length, long nowNanos) {
            return null;
        }
    }

    private final DnsDetector detector = detector(4096);
    private final Hints hints = new Hints();

    DnsDetectorTest() {
        detector.hints(hints);
    }

    private static byte[] query(int id, String name, int type) {
        return Wire.header(id, 0x0100, 1, 0, 0, 1).question(name, type, 1).u8(0).rr(41, 1232, 0, 0).bytes();
    }

    @Test
    void udpQueryThenResponseFeedsHints() {
        FakeFlow f = udp(detector).c(DnsParserTest.hex(DnsParserTest.QUERY_HEX));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("DNS", f.result().protocol());
        assertEquals("www.example.com", f.result().hostname());
        assertEquals("www.example.com", f.meta("dns", "query"));
        assertEquals("A", f.meta("dns", "qtype"));
        assertNull(f.meta("dns", "rcode"));
        f.c(DnsParserTest.hex(DnsParserTest.QUERY_HEX)); // a retransmission: still waiting
        assertTrue(f.collectWanted());
        byte[] other = DnsParserTest.cnameResponse();
        other[1] = 0x35; // another transaction id: not our answer
        f.s(other);
        assertTrue(f.collectWanted());
        long answeredAt = START_NANOS + 86_400_000_000_000L;
        f.at(answeredAt).s(DnsParserTest.cnameResponse());
        assertFalse(f.collectWanted());
        assertEquals("NOERROR", f.meta("dns", "rcode"));
        assertEquals(List.of("web.example.net", "93.184.216.34", "2606:2800:220:1::248"), f.meta("dns", "answers"));
        assertEquals(List.of("93.184.216.34=www.example.com/60", "2606:2800:220:1::248=www.example.com/120"),
            hints.learnt);
        // learnt at the answer's capture time, not the query's and not the wall clock
        assertEquals(List.of(answeredAt, answeredAt), hints.times);
        assertEquals(List.of(), f.result().risks());
    }

    @Test
    void responseFirstIsDetectedAndLearnt() {
        FakeFlow f = udp(detector).s(DnsParserTest.cnameResponse());
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("www.example.com", f.result().hostname());
        assertEquals("NOERROR", f.meta("dns", "rcode"));
        assertEquals(2, hints.learnt.size());
        assertEquals(List.of(START_NANOS, START_NANOS), hints.times);
        f.c(DnsParserTest.hex(DnsParserTest.QUERY_HEX));
        assertFalse(f.collectWanted());
    }

    @Test
    void nxdomainIsReportedWithoutHints() {
        FakeFlow f = udp(detector).c(query(77, "nope.example", 28));
        byte[] nx = Wire.header(77, 0x8183, 1, 0, 1, 0).question("nope.example", 28, 1)
            .pointer(12 + 5).rr(6, 1, 900, 22).name("ns.example").name("h").u32(1).u32(2).bytes() ;
        // SOA RDATA above is deliberately short of the serial/refresh fields: it is not checked beyond bounds
        f.s(Arrays.copyOf(nx, nx.length));
        assertEquals("NXDOMAIN", f.meta("dns", "rcode"));
        assertEquals("AAAA", f.meta("dns", "qtype"));
        assertTrue(f.result().risks().contains(DnsDetector.RISK_ERROR_CODE));
        assertTrue(hints.learnt.isEmpty());
    }

    @Test
    void mdnsAndLlmnrByPortButOnlyWhenThePayloadParses() {
        FakeFlow m = flow(detector, FakeFlow.UDP, 5353, 5353)
            .c(Wire.header(0, 0, 1, 0, 0, 0).question("_ipp._tcp.local", 12, 1).bytes());
        assertEquals(Verdict.DETECTED, m.verdict());
        assertEquals("MDNS", m.result().protocol());
        m.c(Wire.header(0, 0, 1, 0, 0, 0).question("_ipp._tcp.local", 12, 1).bytes());
        assertFalse(m.collectWanted()); // mDNS answers travel to the group: no collecting on this flow
        FakeFlow l = flow(detector, FakeFlow.UDP, 50000, 5355)
            .c(Wire.header(9, 0, 1, 0, 0, 0).question("wpad", 1, 1).bytes());
        assertEquals("LLMNR", l.result().protocol());
        FakeFlow junk = flow(detector, FakeFlow.UDP, 50000, 5353).c("hello world, not dns".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Verdict.EXCLUDED, junk.verdict());
        FakeFlow nb = flow(detector, FakeFlow.UDP, 137, 137).c(DnsParserTest.hex(DnsParserTest.QUERY_HEX));
        assertEquals(Verdict.EXCLUDED, nb.verdict());
    }

    @Test
    void dnsOnAnOddPortStillParses() {
        FakeFlow f = flow(detector, FakeFlow.UDP, 40000, 5300).c(query(3, "a.example", 1));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("DNS", f.result().protocol());
    }

    @Test
    void tcpWholeMessagesInOneSegmentEach() {
        FakeFlow f = tcp(detector);
        Wire q = Wire.header(0x1234, 0x0100, 1, 0, 0, 0).question("www.example.com", 1, 1);
        f.c(q.tcp());
        assertEquals(Verdict.DETECTED, f.verdict());
        byte[] r = DnsParserTest.cnameResponse();
        f.s(prefix(r));
        assertFalse(f.collectWanted());
        assertEquals("NOERROR", f.meta("dns", "rcode"));
        assertEquals(2, hints.learnt.size());
    }

    @Test
    void tcpLengthPrefixAloneThenMessageAcrossSegments() {
        FakeFlow f = tcp(detector);
        byte[] q = Wire.header(0x1234, 0x0100, 1, 0, 0, 0).question("www.example.com", 1, 1).tcp();
        f.c(Arrays.copyOfRange(q, 0, 1));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c(Arrays.copyOfRange(q, 1, 2));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c(Arrays.copyOfRange(q, 2, 20));
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.c(Arrays.copyOfRange(q, 20, q.length));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertNull(f.stateObject());
        byte[] r = prefix(DnsParserTest.cnameResponse());
        f.s(Arrays.copyOfRange(r, 0, 30));
        assertTrue(f.collectWanted());
        long completedAt = f.timestampNanos() + 40_000_000L;
        f.at(completedAt).s(Arrays.copyOfRange(r, 30, r.length));
        assertFalse(f.collectWanted());
        assertEquals(List.of("web.example.net", "93.184.216.34", "2606:2800:220:1::248"), f.meta("dns", "answers"));
        // a reassembled answer is learnt when its last segment arrives
        assertEquals(List.of(completedAt, completedAt), hints.times);
    }

    @Test
    void tcpRetransmissionIsSkippedAndAGapExcludes() {
        byte[] q = Wire.header(0x1234, 0x0100, 1, 0, 0, 0).question("www.example.com", 1, 1).tcp();
        FakeFlow f = tcp(detector);
        f.c(Arrays.copyOfRange(q, 0, 20));
        long seq = f.nextSeq(true);
        f.deliver(true, Arrays.copyOfRange(q, 10, 20), seq - 10); // retransmission
        assertEquals(Verdict.NEED_MORE, f.verdict());
        f.deliver(true, Arrays.copyOfRange(q, 15, q.length), seq - 5); // overlapping
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("www.example.com", f.result().hostname());

        FakeFlow g = tcp(detector);
        g.c(Arrays.copyOfRange(q, 0, 20)).gap(true, 3).c(Arrays.copyOfRange(q, 23, q.length));
        assertEquals(Verdict.EXCLUDED, g.verdict());
        assertNull(g.stateObject());
    }

    @Test
    void tcpNonDnsIsExcludedEarly() {
        FakeFlow tls = tcp(detector).c(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03, 1, 2, 3, 4, 5});
        assertEquals(Verdict.EXCLUDED, tls.verdict());
        FakeFlow http = tcp(detector).c("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Verdict.EXCLUDED, http.verdict());
        FakeFlow shortLen = tcp(detector).c(new byte[] {0, 5, 1, 2, 3, 4, 5});
        assertEquals(Verdict.EXCLUDED, shortLen.verdict());
    }

    @Test
    void tcpMessageLongerThanTheCapIsJudgedOnItsPrefix() {
        DnsDetector small = detector(512);
        Wire w = Wire.header(0x99, 0x8180, 1, 60, 0, 0).question("big.example", 1, 1);
        for (int i = 0; i < 60; i++) {
            w.pointer(12).rr(1, 1, 30, 4).bytes(10, 0, 0, i);
        }
        byte[] r = w.tcp();
        FakeFlow f = tcp(small);
        f.s(Arrays.copyOfRange(r, 0, 400)).s(Arrays.copyOfRange(r, 400, r.length));
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("big.example", f.result().hostname());
        assertTrue(((List<?>) f.meta("dns", "answers")).size() <= DnsDetector.MAX_ANSWERS);
    }

    @Test
    void randomUdpIsNotDns() {
        java.util.Random rnd = new java.util.Random(1);
        int detected = 0;
        for (int i = 0; i < 20000; i++) {
            byte[] b = new byte[12 + rnd.nextInt(200)];
            rnd.nextBytes(b);
            FakeFlow f = udp(detector).c(b);
            if (f.verdict() == Verdict.DETECTED) {
                detected++;
            }
        }
        assertEquals(0, detected);
    }

    @Test
    void truncatedUdpResponseKeepsTheQuestion() {
        byte[] r = DnsParserTest.cnameResponse();
        FakeFlow f = udp(detector).s(Arrays.copyOf(r, 70)); // counts still fit, the A record is cut
        assertEquals(Verdict.DETECTED, f.verdict());
        assertTrue(f.result().risks().contains(DnsDetector.RISK_MALFORMED));
        FakeFlow g = udp(detector).s(Arrays.copyOf(r, 20)); // question cut: not enough
        assertEquals(Verdict.EXCLUDED, g.verdict());
    }

    @Test
    void invalidCharactersAndLargePacketRisks() {
        byte[] q = Wire.header(1, 0x0100, 1, 0, 0, 0).bytes(4, 'a', ' ', 'b', 0x07).name("example").u16(1).u16(1).bytes();
        FakeFlow f = udp(detector).c(q);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertTrue(f.result().risks().contains(DnsDetector.RISK_INVALID_CHARS));
        Wire big = Wire.header(2, 0x8180, 1, 40, 0, 0).question("big.example", 1, 1);
        for (int i = 0; i < 40; i++) {
            big.pointer(12).rr(1, 1, 30, 4).bytes(10, 0, 0, i);
        }
        FakeFlow g = udp(detector).s(big.bytes());
        assertTrue(g.result().risks().contains(DnsDetector.RISK_LARGE_PACKET));
        assertEquals(DnsDetector.MAX_ANSWERS, ((List<?>) g.meta("dns", "answers")).size());
    }

    @Test
    void worksWithoutTheHintService() {
        DnsDetector bare = detector(4096);
        FakeFlow f = udp(bare).s(DnsParserTest.cnameResponse());
        assertEquals(Verdict.DETECTED, f.verdict());
    }

    private static byte[] prefix(byte[] m) {
        byte[] r = new byte[m.length + 2];
        r[0] = (byte) (m.length >>> 8);
        r[1] = (byte) m.length;
        System.arraycopy(m, 0, r, 2, m.length);
        return r;
    }

    @Test
    void avastSecureDnsOnPort443() {
        byte[] q = Wire.header(5, 0x0100, 1, 0, 0, 0).question("2.securedns.avast.com", 1, 1).bytes();
        FakeFlow f = flow(detector, FakeFlow.UDP, 50000, 443).c(q);
        assertEquals("AVASTSecureDNS", f.result().protocol());
        FakeFlow g = flow(detector, FakeFlow.UDP, 50000, 53).c(q);
        assertEquals("DNS", g.result().protocol());
        byte[] other = Wire.header(5, 0x0100, 1, 0, 0, 0).question("notsecuredns.avast.com", 1, 1).bytes();
        assertEquals("DNS", flow(detector, FakeFlow.UDP, 50000, 443).c(other).result().protocol());
    }
}
