package org.flowmark.detector.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.testkit.FakeFlow;
import org.flowmark.testkit.Hex;
import org.junit.jupiter.api.Test;

class HttpDetectorTest {

    private static final String REQUEST = "GET /index.html?q=1 HTTP/1.1\r\n"
        + "Host: WWW.Example.COM:8080\r\n"
        + "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
        + "Accept: */*\r\n"
        + "Referer: http://example.com/\r\n"
        + "\r\n";
    private static final String RESPONSE = "HTTP/1.1 200 OK\r\n"
        + "Server: nginx/1.24.0\r\n"
        + "Content-Type: text/html; charset=utf-8\r\n"
        + "Content-Length: 5\r\n"
        + "\r\nhello";

    /** A detector with this header budget and mid-stream pickup on. */
    static HttpDetector newDetector(int maxHeaderBytes) {
        return newDetector(maxHeaderBytes, true);
    }

    static HttpDetector newDetector(int maxHeaderBytes, boolean midstreamPickup) {
        return new HttpDetector(new HttpDetector.Config() {
            @Override
            public int maxHeaderBytes() {
                return maxHeaderBytes;
            }

            @Override
            public boolean midstreamPickup() {
                return midstreamPickup;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return HttpDetector.Config.class;
            }
        });
    }

    /** A TCP flow to port 80 whose reassembly buffer is measured for {@code maxStateBytes()}. */
    static FakeFlow httpFlow(Detector detector, int extraPackets) {
        return new FakeFlow(detector, extraPackets, FakeFlow.TCP, 50_000, 80)
            .stateSize(s -> s instanceof HttpFlowState ? ((HttpFlowState) s).buf.length : 0);
    }

    private final HttpDetector detector = newDetector(2048);

    private final HttpDetector strict = newDetector(2048, false);

    private FakeFlow flow() {
        return httpFlow(detector, 8);
    }

    private FakeFlow strictFlow() {
        return httpFlow(strict, 8);
    }

    private static void assertFullRequest(FakeFlow f) {
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("HTTP", f.result().protocol());
        assertEquals("www.example.com", f.result().hostname());
        assertEquals("GET", f.meta("http", "method"));
        assertEquals("/index.html?q=1", f.meta("http", "url"));
        assertEquals("HTTP/1.1", f.meta("http", "version"));
        assertEquals("WWW.Example.COM:8080", f.meta("http", "host"));
        assertEquals("Mozilla/5.0 (X11; Linux x86_64)", f.meta("http", "user_agent"));
        assertEquals("http://example.com/", f.meta("http", "referer"));
        assertEquals(List.of(), f.result().risks());
    }

    @Test
    void requestAndResponseInOneSegmentEach() {
        FakeFlow f = flow().cText(REQUEST);
        assertFullRequest(f);
        assertEquals(1, f.inspectCalls());
        assertNull(f.stateObject(), "no reassembly state for a request that came whole");
        f.sText(RESPONSE);
        assertEquals(200, f.meta("http", "status"));
        assertEquals("nginx/1.24.0", f.meta("http", "server"));
        assertEquals("text/html; charset=utf-8", f.meta("http", "content_type"));
        assertFalse(f.collectWanted(), "nothing left to collect once both header blocks are read");
        assertEquals(1, f.collectCalls());
        assertNull(f.stateObject());
        assertFalse(f.meta("http", "connect") != null);
    }

    @Test
    void requestSplitAtEveryByte() {
        for (int k = 1; k < REQUEST.length(); k++) {
            FakeFlow f = flow().cText(REQUEST.substring(0, k));
            int lineEnd = REQUEST.indexOf('\n') + 1;
            assertEquals(k < lineEnd ? Verdict.NEED_MORE : Verdict.DETECTED, f.verdict(), "split at " + k);
            f.cText(REQUEST.substring(k));
            assertFullRequest(f);
            f.sText(RESPONSE);
            assertEquals(200, f.meta("http", "status"), "split at " + k);
            assertFalse(f.collectWanted(), "split at " + k);
            assertTrue(f.maxStateBytes() <= 2048);
        }
    }

    @Test
    void requestAndResponseSplitAtEveryPairOfPoints() {
        String req = REQUEST.substring(0, 60);
        String rest = REQUEST.substring(60);
        for (int i = 1; i < req.length(); i++) {
            for (int j = i + 1; j < req.length(); j++) {
                FakeFlow f = flow().cText(req.substring(0, i)).cText(req.substring(i, j)).cText(req.substring(j))
                    .cText(rest);
                assertFullRequest(f);
            }
        }
        for (int k = 1; k < RESPONSE.length(); k++) {
            FakeFlow f = flow().cText(REQUEST).sText(RESPONSE.substring(0, k)).sText(RESPONSE.substring(k));
            assertEquals(200, f.meta("http", "status"), "split at " + k);
            assertEquals("text/html; charset=utf-8", f.meta("http", "content_type"), "split at " + k);
            assertEquals("nginx/1.24.0", f.meta("http", "server"), "split at " + k);
        }
    }

    @Test
    void oneByteSegments() {
        FakeFlow f = flow();
        for (int i = 0; i < REQUEST.length(); i++) {
            f.cText(REQUEST.substring(i, i + 1));
        }
        // the budget of the fake core (8 extra packets) ends collection before all headers
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("/index.html?q=1", f.meta("http", "url"));
        FakeFlow g = httpFlow(detector, 1000);
        for (int i = 0; i < REQUEST.length(); i++) {
            g.cText(REQUEST.substring(i, i + 1));
        }
        assertFullRequest(g);
    }

    @Test
    void firstBytesRejectNonHttp() {
        assertEquals(Verdict.EXCLUDED, strictFlow().cText("\u0016\u0003\u0001\u0000\u00a5\u0001\u0000").verdict());
        assertEquals(Verdict.EXCLUDED, strictFlow().cText("SSH-2.0-OpenSSH_9.6\r\n").verdict());
        assertEquals(Verdict.EXCLUDED, strictFlow().sText("220 mail.example.com ESMTP\r\n").verdict());
        assertEquals(Verdict.EXCLUDED, strictFlow().cText("get / HTTP/1.1\r\n").verdict());
        assertEquals(Verdict.EXCLUDED, strictFlow().cText("OPTIONS rtsp://cam/ RTSP/1.0\r\nCSeq: 1\r\n\r\n").verdict());
        assertEquals(Verdict.EXCLUDED, strictFlow().cText("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").verdict());
        assertEquals(Verdict.EXCLUDED, strictFlow().cText("GE").cText("X / HTTP/1.1\r\n").verdict());
        assertEquals(Verdict.EXCLUDED, strictFlow().cText("GET /a").cText(" HTTP/3.0\r\n").verdict());
        FakeFlow f = strictFlow().cText("GET /a");
        assertEquals(Verdict.NEED_MORE, f.verdict());
        assertEquals(Verdict.EXCLUDED, f.sText("\u0000\u0001garbage").verdict(), "server garbage before any HTTP");
        assertNull(f.stateObject(), "state released on EXCLUDED");
    }

    @Test
    void midstreamPickupToleratesOneNonHttpPacketPerSide() {
        // TLS: the client hello is tolerated, the server hello excludes
        FakeFlow tls = flow().cText("\u0016\u0003\u0001\u0000\u00a5\u0001\u0000");
        assertEquals(Verdict.NEED_MORE, tls.verdict());
        assertEquals(Verdict.EXCLUDED, tls.sText("\u0016\u0003\u0003\u0000\u0050\u0002").verdict());
        // a client-only stream of non-HTTP data is excluded on its second packet
        assertEquals(Verdict.EXCLUDED, flow().cText("SSH-2.0-OpenSSH_9.6\r\n").cText("\u0000\u0000\u0001").verdict());
        // the tail of a request body, then the response
        FakeFlow tail = flow().cText("a=1&b=2&c=3").sText("HTTP/1.1 302 Found\r\nServer: x\r\n\r\n");
        assertEquals(Verdict.DETECTED, tail.verdict());
        assertEquals(302, tail.meta("http", "status"));
        // a stray segment, then the next request
        FakeFlow next = flow().cText("\u0000\u0000garbage").cText(REQUEST);
        assertFullRequest(next);
        // a bad request line counts as the tolerated packet: the answer decides
        FakeFlow bad = flow().cText("POST /x HTTP/d.1\r\nHost: a\r\n\r\n").sText("HTTP/1.1 100 Continue\r\n\r\n");
        assertEquals(Verdict.DETECTED, bad.verdict());
        assertEquals(100, bad.meta("http", "status"));
        assertEquals(Verdict.EXCLUDED, flow().cText("GE").cText("X / HTTP/1.1\r\n").sText("220 ok\r\n").verdict());
    }

    @Test
    void responseOnlyFlowIsHttp() {
        FakeFlow f = flow().sText(RESPONSE);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("HTTP", f.result().protocol());
        assertEquals(200, f.meta("http", "status"));
        assertEquals("HTTP/1.1", f.meta("http", "version"));
        assertEquals("nginx/1.24.0", f.meta("http", "server"));
        assertTrue(f.collectWanted(), "still waiting for a request");
        // the next request on the connection supplies the request side
        f.cText("GET /next HTTP/1.0\r\nHost: b.example\r\n\r\n");
        assertEquals("/next", f.meta("http", "url"));
        assertEquals("HTTP/1.0", f.meta("http", "version"));
        assertEquals("b.example", f.result().hostname());
        assertFalse(f.collectWanted());

        FakeFlow g = flow().sText("HT").sText("TP/1.0 404 Not Found\r\n\r\n");
        assertEquals(Verdict.DETECTED, g.verdict());
        assertEquals(404, g.meta("http", "status"));
    }

    @Test
    void responseFromTheInitiatorSideIsAccepted() {
        // capture started mid-connection: the server's packet was the first seen
        FakeFlow f = flow().cText(RESPONSE).sText(REQUEST);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(200, f.meta("http", "status"));
        assertEquals("/index.html?q=1", f.meta("http", "url"));
        assertEquals("www.example.com", f.result().hostname());
    }

    @Test
    void requestFromTheAnsweringSideIsIgnored() {
        FakeFlow f = flow().cText(REQUEST).cText("GET /second HTTP/1.1\r\n\r\n").sText("GET /x HTTP/1.1\r\n\r\n");
        assertEquals("/index.html?q=1", f.meta("http", "url"));
        assertNull(f.meta("http", "status"));
        assertFalse(f.collectWanted(), "a request from the server side closes the response side");
    }

    @Test
    void connect() {
        FakeFlow f = flow().cText("CONNECT api.example.net:443 HTTP/1.1\r\nHost: api.example.net:443\r\n"
            + "User-Agent: curl/8.5.0\r\n\r\n").sText("HTTP/1.1 200 Connection established\r\n\r\n")
            .cText("\u0016\u0003\u0001\u0002\u0000");
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("HTTP", f.result().protocol());
        assertEquals(Boolean.TRUE, f.meta("http", "connect"));
        assertEquals("CONNECT", f.meta("http", "method"));
        assertEquals("api.example.net:443", f.meta("http", "url"));
        assertEquals("api.example.net", f.result().hostname());
        assertEquals(200, f.meta("http", "status"));
        assertFalse(f.collectWanted());
        assertEquals(java.util.List.of("tls"), f.forwarded(), "tunnel bytes are offered to the TLS detector");
        assertEquals(2, f.collectCalls(), "and, with no TLS detector deployed, collecting ends there");
    }

    @Test
    void connectTunnelIsForwardedWhileTheTlsDetectorReadsIt() {
        FakeFlow f = flow().acceptForward("tls").cText("CONNECT api.example.net:443 HTTP/1.1\r\nHost: api.example.net:443\r\n\r\n")
            .sText("HTTP/1.1 200 Connection established\r\n\r\n")
            .cText("\u0016\u0003\u0001\u0002\u0000").sText("\u0016\u0003\u0003\u0000\u0010");
        assertEquals(java.util.List.of("tls", "tls"), f.forwarded());
        assertEquals("HTTP", f.result().protocol());
        assertEquals(200, f.meta("http", "status"));
    }

    @Test
    void refusedConnectOpensNoTunnel() {
        FakeFlow f = flow().acceptForward("tls").cText("CONNECT api.example.net:443 HTTP/1.1\r\nHost: api.example.net:443\r\n\r\n")
            .sText("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
            .cText("\u0016\u0003\u0001\u0002\u0000");
        assertEquals(407, f.meta("http", "status"));
        assertEquals(java.util.List.of(), f.forwarded());
        assertFalse(f.collectWanted());
    }

    @Test
    void absoluteFormTargetGivesTheHostName() {
        FakeFlow f = flow().cText("GET http://Target.example:8080/p HTTP/1.1\r\nHost: proxy.local\r\n\r\n");
        assertEquals("target.example", f.result().hostname());
        assertEquals("proxy.local", f.meta("http", "host"));
        assertEquals("http://Target.example:8080/p", f.meta("http", "url"));
    }

    @Test
    void lowercaseAndOddlySpacedHeaders() {
        FakeFlow f = flow().cText("POST /api HTTP/1.1\nhost:\tapi.example.org \nuser-agent: okhttp/4.12.0\n"
            + "content-type: application/json\nx-forwarded-for: 203.0.113.9\n\n{}");
        assertEquals("api.example.org", f.result().hostname());
        assertEquals("okhttp/4.12.0", f.meta("http", "user_agent"));
        assertEquals("application/json", f.meta("http", "request_content_type"));
        assertEquals("203.0.113.9", f.meta("http", "x_forwarded_for"));
        assertEquals("POST", f.meta("http", "method"));
    }

    @Test
    void ipv6HostLiteral() {
        FakeFlow f = flow().cText("GET / HTTP/1.1\r\nHost: [::1]:8080\r\nUser-Agent: Wget/1.21\r\n\r\n");
        assertEquals("::1", f.result().hostname());
        assertEquals("[::1]:8080", f.meta("http", "host"));
        assertEquals(List.of(HttpDetector.RISK_NUMERIC_IP_HOST), f.result().risks());
    }

    @Test
    void risks() {
        FakeFlow noHost = flow().cText("GET / HTTP/1.1\r\nUser-Agent: x\r\n\r\n");
        assertEquals(List.of(HttpDetector.RISK_SUSPICIOUS_UA, HttpDetector.RISK_MISSING_HOST), noHost.result().risks());
        assertNull(noHost.result().hostname());

        FakeFlow http10 = flow().cText("GET / HTTP/1.0\r\nUser-Agent: Wget/1.21.4\r\n\r\n");
        assertEquals(List.of(), http10.result().risks(), "HTTP/1.0 does not require Host");

        FakeFlow noUa = flow().cText("GET / HTTP/1.1\r\nHost: a.example\r\n\r\n");
        assertEquals(List.of(HttpDetector.RISK_SUSPICIOUS_UA), noUa.result().risks(), "no User-Agent at all");

        FakeFlow unfinished = flow().cText("GET / HTTP/1.1\r\nAccept: */*\r\n");
        assertEquals(List.of(), unfinished.result().risks(), "no missing-host verdict before the header block ends");

        FakeFlow ip = flow().cText("GET /x HTTP/1.1\r\nHost: 192.0.2.7\r\nUser-Agent: ${jndi:ldap://e/a}\r\n\r\n")
            .sText("HTTP/1.1 200 OK\r\nServer: Apache/2.2.15 (CentOS)\r\n"
                + "Content-Type: application/x-msdownload\r\n\r\n");
        assertEquals(List.of(HttpDetector.RISK_NUMERIC_IP_HOST, HttpDetector.RISK_SUSPICIOUS_UA,
            HttpDetector.RISK_OBSOLETE_SERVER, HttpDetector.RISK_BINARY_TRANSFER), ip.result().risks());
    }

    @Test
    void interimResponseIsSkippedForTheFinalStatus() {
        FakeFlow f = flow().cText("POST /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n")
            .sText("HTTP/1.1 100 Continue\r\n\r\n").cText("body").sText("HTTP/1.1 201 Created\r\nServer: x\r\n\r\n");
        assertEquals(201, f.meta("http", "status"));
        assertEquals("x", f.meta("http", "server"));
        assertFalse(f.collectWanted());
    }

    @Test
    void veryLongUrlIsDetectedTruncated() {
        String url = "/" + "q".repeat(6000);
        FakeFlow f = flow().cText("GET " + url.substring(0, 1000)).cText(url.substring(1000, 3000))
            .cText(url.substring(3000) + " HTTP/1.1\r\nHost: long.example\r\n\r\n");
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals(2048 - 4, ((String) f.meta("http", "url")).length());
        assertNull(f.meta("http", "version"));
        assertEquals("long.example", f.result().hostname(), "headers after the skipped rest of the line are read");
        assertTrue(f.maxStateBytes() <= 2048);

        FakeFlow one = flow().cText("GET " + url + " HTTP/1.1\r\nHost: one.example\r\n\r\n");
        assertEquals(Verdict.DETECTED, one.verdict());
        assertEquals("one.example", one.result().hostname());
        assertNull(one.stateObject());
    }

    @Test
    void headerBlockIsBounded() {
        String big = "GET / HTTP/1.1\r\nCookie: " + "c".repeat(3000) + "\r\nHost: late.example\r\n\r\n";
        FakeFlow f = flow().cText(big);
        assertEquals(Verdict.DETECTED, f.verdict());
        assertNull(f.result().hostname(), "Host beyond the 2048-byte header budget is not read");
        assertEquals(List.of(), f.result().risks(), "a cut header block yields no missing-host verdict");
        FakeFlow g = flow().cText(big.substring(0, 100)).cText(big.substring(100, 1500)).cText(big.substring(1500));
        assertEquals(Verdict.DETECTED, g.verdict());
        assertNull(g.result().hostname());
        assertTrue(g.maxStateBytes() <= 2048);
        // a larger budget reads it
        FakeFlow h = httpFlow(newDetector(4096), 8).cText(big);
        assertEquals("late.example", h.result().hostname());
        // out-of-range configuration is clamped
        assertEquals(256, newDetector(1).maxHeaderBytes());
        assertEquals(16384, newDetector(1 << 30).maxHeaderBytes());
    }

    @Test
    void retransmissionsAndGaps() {
        FakeFlow f = flow().cText("GET /r").retransmit(true, Hex.asciiBytes("GET /r"), 6)
            .retransmit(true, Hex.asciiBytes("/r"), 2)
            .cText(" HTTP/1.1\r\nHost: r.example\r\n\r\n");
        assertEquals(Verdict.DETECTED, f.verdict());
        assertEquals("/r", f.meta("http", "url"));
        // partly overlapping retransmission: "/r" again plus new bytes
        FakeFlow g = flow().cText("GET /r")
            .retransmit(true, Hex.asciiBytes("/r HTTP/1.1\r\nHost: o.example\r\n\r\n"), 2);
        assertEquals(Verdict.DETECTED, g.verdict());
        assertEquals("/r", g.meta("http", "url"));
        assertEquals("o.example", g.result().hostname());
        // a missing segment in the request line: cannot be reassembled
        FakeFlow h = strictFlow().cText("GET /r").gap(true, 5).cText("x HTTP/1.1\r\n\r\n");
        assertEquals(Verdict.EXCLUDED, h.verdict());
        // a missing segment inside the headers ends header collection, the detection stands
        FakeFlow k = flow().cText("GET / HTTP/1.1\r\nHo").gap(true, 3).cText("t: gone\r\nUser-Agent: late\r\n\r\n");
        assertEquals(Verdict.DETECTED, k.verdict());
        assertNull(k.result().hostname());
        assertNull(k.meta("http", "user_agent"));
    }

    @Test
    void stateIsAllocatedOnlyForHttpLookingFlows() {
        FakeFlow f = flow().cText("GE");
        assertTrue(f.stateObject() instanceof HttpFlowState);
        FakeFlow g = flow().cText("\u0016\u0003\u0001");
        assertNull(g.stateObject());
        assertEquals(HttpDetector.F_REJ_INIT, g.slotValue(), "one bit of slot, no object, for a tolerated packet");
        FakeFlow h = flow().cText("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertNull(h.stateObject());
    }

    @Test
    void rejectPathAllocatesNothing() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        if (!(mx instanceof com.sun.management.ThreadMXBean)) {
            return; // allocation counters not available on this JVM
        }
        com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) mx;
        if (!tmx.isThreadAllocatedMemorySupported()) {
            return;
        }
        tmx.setThreadAllocatedMemoryEnabled(true);
        ByteArrayPacketView[] payloads = {
            ByteArrayPacketView.ofHex("16030100a5010000a10303"),
            ByteArrayPacketView.ofAscii("SSH-2.0-OpenSSH_9.6\r\n"),
            ByteArrayPacketView.ofAscii("GETX / HTTP/1.1\r\n"),
            ByteArrayPacketView.ofAscii("HTTP/2 200\r\n"),
            ByteArrayPacketView.ofAscii("GET / HTTP/3\r\n"),
        };
        FakeFlow ctx = flow();
        long tid = Thread.currentThread().getId();
        int rounds = 200_000;
        for (int pass = 0; pass < 2; pass++) { // the first pass warms up the JIT
            long before = tmx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < rounds; i++) {
                ctx.slot(0);
                ctx.direction(true);
                Verdict v = detector.inspect(ctx, payloads[i % payloads.length]);
                ctx.direction(false);
                Verdict w = detector.inspect(ctx, payloads[(i + 1) % payloads.length]);
                if (v != Verdict.NEED_MORE || w != Verdict.EXCLUDED) {
                    throw new AssertionError(v + " " + w);
                }
            }
            long allocated = tmx.getThreadAllocatedBytes(tid) - before;
            if (pass == 1) {
                assertTrue(allocated < 1024, "reject path allocated " + allocated + " bytes over " + rounds);
            }
        }
    }

    @Test
    void randomSegmentsNeverThrow() {
        Random rnd = new Random(7);
        byte[] seed = (REQUEST + RESPONSE + "CONNECT [::1]:443 HTTP/1.0\r\n\n").getBytes(StandardCharsets.ISO_8859_1);
        for (int flow = 0; flow < 5_000; flow++) {
            FakeFlow f = httpFlow(detector, 16);
            int segments = 1 + rnd.nextInt(12);
            for (int s = 0; s < segments; s++) {
                byte[] b = new byte[1 + rnd.nextInt(flow % 3 == 0 ? 3000 : 120)];
                int mode = rnd.nextInt(3);
                for (int i = 0; i < b.length; i++) {
                    b[i] = mode == 0 ? (byte) rnd.nextInt(256)
                        : rnd.nextInt(mode == 1 ? 5 : 50) == 0 ? (byte) rnd.nextInt(256)
                        : seed[(i + (s * 37)) % seed.length];
                }
                if (rnd.nextInt(5) == 0) {
                    f.deliver(rnd.nextBoolean(), b, rnd.nextInt()); // arbitrary sequence numbers
                } else {
                    f.send(rnd.nextBoolean(), b);
                }
                assertTrue(f.maxStateBytes() <= 2048);
            }
        }
    }
}
