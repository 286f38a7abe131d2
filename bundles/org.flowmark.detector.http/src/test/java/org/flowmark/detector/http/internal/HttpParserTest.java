package org.flowmark.detector.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.flowmark.api.packet.PacketView;
import org.junit.jupiter.api.Test;

class HttpParserTest {

    private static final int MAX_LINE = 2048;

    private static ByteArrayPacketView a(String s) {
        return ByteArrayPacketView.ofAscii(s);
    }

    private static long req(String s) {
        PacketView v = a(s);
        int m = HttpParser.classifyStart(v, 0, v.length());
        assertTrue(m >= 0, "not a request start: " + s);
        return HttpParser.requestLine(v, 0, v.length(), MAX_LINE, m);
    }

    private static String url(String s, long r, int m) {
        assertEquals(m, HttpParser.method(r));
        return s.substring(HttpParser.targetStart(a(s), 0, r), HttpParser.targetEnd(r));
    }

    @Test
    void everyMethodIsRecognisedAndParsed() {
        for (int m = 0; m < HttpParser.METHOD_NAMES.length; m++) {
            String line = HttpParser.METHOD_NAMES[m] + " /a/b?c=d HTTP/1.1\r\nHost: x\r\n\r\n";
            PacketView v = a(line);
            assertEquals(m, HttpParser.classifyStart(v, 0, v.length()), line);
            long r = HttpParser.requestLine(v, 0, v.length(), MAX_LINE, m);
            assertTrue(r >= 0, line);
            assertEquals(m, HttpParser.method(r));
            assertEquals(1, HttpParser.minor(r));
            assertEquals("/a/b?c=d", url(line, r, m));
            assertEquals(line.indexOf('\n') + 1, HttpParser.next(r));
        }
    }

    @Test
    void hexVectorRequestLine() {
        // "GET / HTTP/1.0\r\n"
        PacketView v = ByteArrayPacketView.ofHex("474554 20 2f 20 485454502f312e30 0d0a");
        assertEquals(0, HttpParser.classifyStart(v, 0, v.length()));
        long r = HttpParser.requestLine(v, 0, v.length(), MAX_LINE, 0);
        assertEquals(0, HttpParser.minor(r));
        assertEquals(5, HttpParser.targetEnd(r));
        assertEquals(16, HttpParser.next(r));
    }

    @Test
    void hexVectorStatusLine() {
        // "HTTP/1.1 404 Not Found\r\n"
        PacketView v = ByteArrayPacketView.ofHex("485454502f312e31 20 343034 20 4e6f7420466f756e64 0d0a");
        assertEquals(HttpParser.START_RESPONSE, HttpParser.classifyStart(v, 0, v.length()));
        long r = HttpParser.statusLine(v, 0, v.length());
        assertEquals(404, HttpParser.status(r));
        assertEquals(1, HttpParser.statusMinor(r));
    }

    @Test
    void prefixesArePartialUntilTheTokenIsComplete() {
        String line = "PROPFIND /dav/ HTTP/1.1\r\n";
        int m = 9;
        for (int k = 0; k < line.length(); k++) {
            PacketView v = a(line.substring(0, k));
            int c = HttpParser.classifyStart(v, 0, k);
            if (k <= "PROPFIND".length()) {
                assertEquals(HttpParser.START_PARTIAL, c, "prefix " + k);
            } else {
                assertEquals(m, c, "prefix " + k);
                assertEquals(HttpParser.INCOMPLETE, HttpParser.requestLine(v, 0, k, MAX_LINE, m), "prefix " + k);
            }
        }
        assertTrue(req(line) >= 0);
        for (String p : new String[] {"H", "HT", "HTTP/1", "HTTP/1."}) {
            int c = HttpParser.classifyStart(a(p), 0, p.length());
            assertTrue(c == HttpParser.START_PARTIAL || c == HttpParser.START_RESPONSE, p);
        }
        String status = "HTTP/1.1 200 OK\r\n";
        for (int k = 0; k < 13; k++) {
            assertEquals(HttpParser.INCOMPLETE, HttpParser.statusLine(a(status.substring(0, k)), 0, k), "prefix " + k);
        }
        assertEquals(200, HttpParser.status(HttpParser.statusLine(a(status.substring(0, 13)), 0, 13)));
    }

    @Test
    void garbageAndOtherProtocolsAreRejected() {
        String[] none = {
            "get / HTTP/1.1\r\n", "GETX / HTTP/1.1\r\n", "\u0016\u0003\u0001\u0002\u0000\u0001", "SSH-2.0-OpenSSH_9.6\r\n",
            "220 smtp.example.com ESMTP\r\n", "INVITE sip:bob@example.com SIP/2.0\r\n", "PRI * HTTP/2.0\r\n",
            "HTTP/2 200\r\n", "EHLO x\r\n", "\u0000\u0000\u0000", "ZZZ", "GE\n"
        };
        for (String s : none) {
            assertEquals(HttpParser.START_NONE, HttpParser.classifyStart(a(s), 0, s.length()), s);
        }
        String[] invalidRequests = {
            "GET / HTTP/2.0\r\n", "GET / HTTP/1.2\r\n", "OPTIONS rtsp://cam/ RTSP/1.0\r\n",
            "GET /a\u0001b HTTP/1.1\r\n", "GET / HTTP/1.1\rX", "GET / HTTP/1.1 \r\n", "GET / http/1.1\r\n",
            "OPTIONS sip:x SIP/2.0\r\n"
        };
        for (String s : invalidRequests) {
            assertEquals(HttpParser.INVALID, req(s), s);
        }
        String[] invalidStatus = {"HTTP/1.1 2000 OK\r\n", "HTTP/1.1 20x OK\r\n", "HTTP/1.1  200 OK\r\n",
            "HTTP/1.3 200 OK\r\n", "HTTP/1.1 099 X\r\n", "HTTP/1.1 600 X\r\n", "HTTP/1.1 200OK\r\n"};
        for (String s : invalidStatus) {
            assertEquals(HttpParser.INVALID, HttpParser.statusLine(a(s), 0, s.length()), s);
        }
    }

    @Test
    void runsOfBlanksSeparateTheRequestLineParts() {
        String line = "GET    /aaaa_very_long_uri \t HTTP/1.1\r\n";
        long r = req(line);
        assertEquals(1, HttpParser.minor(r));
        assertEquals("/aaaa_very_long_uri", url(line, r, 0));
        assertEquals(line.length(), HttpParser.next(r));
        assertEquals(HttpParser.INVALID, req("GET \t \r\n"));
        assertEquals(HttpParser.INCOMPLETE, req("GET      "));
    }

    @Test
    void bareLfAndEmptyReasonAreAccepted() {
        long r = req("GET /x HTTP/1.0\nHost: a\n\n");
        assertEquals(0, HttpParser.minor(r));
        assertEquals(16, HttpParser.next(r));
        assertEquals(204, HttpParser.status(HttpParser.statusLine(a("HTTP/1.1 204\r\n"), 0, 14)));
        assertEquals(304, HttpParser.status(HttpParser.statusLine(a("HTTP/1.0 304\n"), 0, 13)));
    }

    @Test
    void targetFormsAndAuthorities() {
        String connect = "CONNECT www.example.com:443 HTTP/1.1\r\n";
        long r = req(connect);
        assertEquals(HttpParser.CONNECT, HttpParser.method(r));
        PacketView v = a(connect);
        long au = HttpParser.authorityRange(v, 8, HttpParser.targetEnd(r), true);
        long h = HttpParser.hostRange(v, HttpParser.rangeStart(au), HttpParser.rangeEnd(au));
        assertEquals("www.example.com", sub(connect, h));

        String abs = "GET http://user:pw@Proxy.Example.org:8080/p?q HTTP/1.1\r\n";
        r = req(abs);
        v = a(abs);
        au = HttpParser.authorityRange(v, 4, HttpParser.targetEnd(r), false);
        assertEquals("Proxy.Example.org:8080", sub(abs, au));
        assertEquals("Proxy.Example.org", sub(abs, HttpParser.hostRange(v, HttpParser.rangeStart(au),
            HttpParser.rangeEnd(au))));

        String star = "OPTIONS * HTTP/1.1\r\n";
        r = req(star);
        assertEquals("*", url(star, r, HttpParser.OPTIONS));
        assertEquals(-1, HttpParser.authorityRange(a(star), 8, HttpParser.targetEnd(r), false));
        assertEquals(-1, HttpParser.authorityRange(a("GET /x"), 4, 6, false));
    }

    private static String sub(String s, long range) {
        return s.substring(HttpParser.rangeStart(range), HttpParser.rangeEnd(range));
    }

    @Test
    void hostValues() {
        assertEquals("example.com", host("example.com"));
        assertEquals("example.com", host("example.com:8080"));
        assertEquals("::1", host("[::1]:8080"));
        assertEquals("2001:db8::1", host("[2001:db8::1]"));
        assertEquals("10.0.0.1", host("10.0.0.1:80"));
        assertEquals(null, host(""));
        assertEquals(null, host("[::1"));
        assertEquals(null, host("exa mple.com"));
        assertEquals(null, host("example.com:80x"));
        assertEquals(null, host("a/b"));
        assertEquals(null, host(":80"));
        assertTrue(HttpParser.isIpLiteral("10.0.0.1"));
        assertTrue(HttpParser.isIpLiteral("::1"));
        assertFalse(HttpParser.isIpLiteral("10.0.0"));
        assertFalse(HttpParser.isIpLiteral("1.2.3.4.example"));
        assertFalse(HttpParser.isIpLiteral("1234.1.1.1"));
        assertFalse(HttpParser.isIpLiteral("example.com"));
    }

    private static String host(String value) {
        long r = HttpParser.hostRange(a(value), 0, value.length());
        return r < 0 ? null : sub(value, r);
    }

    @Test
    void headerNamesIgnoreCaseAndNeedTheColon() {
        assertHeader("Host: example.com", HttpParser.H_HOST, "example.com");
        assertHeader("host:example.com", HttpParser.H_HOST, "example.com");
        assertHeader("HOST: \t example.com \t", HttpParser.H_HOST, "example.com");
        assertHeader("user-AGENT: curl/8.5.0", HttpParser.H_USER_AGENT, "curl/8.5.0");
        assertHeader("Content-Type: text/html; charset=utf-8", HttpParser.H_CONTENT_TYPE,
            "text/html; charset=utf-8");
        assertHeader("server: nginx", HttpParser.H_SERVER, "nginx");
        assertHeader("X-Forwarded-For: 1.2.3.4, 5.6.7.8", HttpParser.H_X_FORWARDED_FOR, "1.2.3.4, 5.6.7.8");
        assertHeader("Referer: http://a/", HttpParser.H_REFERER, "http://a/");
        assertHeader("User-Agent:", HttpParser.H_USER_AGENT, "");
        for (String other : new String[] {"Host : x", "Hostname: x", "Accept: */*", "  Host: x", "Hos", "",
            "X-Forwarded-Forx: 1", "Serverx: a"}) {
            assertEquals(HttpParser.H_OTHER, HttpParser.headerId(a(other), 0, other.length()), other);
        }
    }

    private static void assertHeader(String line, int id, String value) {
        PacketView v = a(line);
        assertEquals(id, HttpParser.headerId(v, 0, line.length()), line);
        int vs = HttpParser.valueStart(v, id, 0, line.length());
        int ve = HttpParser.valueEnd(v, vs, line.length());
        assertEquals(value, line.substring(vs, ve), line);
    }

    @Test
    void longRequestLineIsTruncatedAtTheBound() {
        String longUrl = "/" + "a".repeat(5000);
        String line = "GET " + longUrl + " HTTP/1.1\r\n";
        long r = req(line);
        assertEquals(HttpParser.MINOR_UNKNOWN, HttpParser.minor(r));
        assertEquals(MAX_LINE, HttpParser.targetEnd(r));
        assertEquals(MAX_LINE, HttpParser.next(r));
        // a bounded line that became invalid before the bound is still invalid
        assertEquals(HttpParser.INVALID, req("GET /a\u0000" + "b".repeat(5000)));
        // the same prefix shorter than the bound is only incomplete
        String cut = line.substring(0, 1000);
        assertEquals(HttpParser.INCOMPLETE, req(cut));
        // the version reached exactly at the bound
        String fits = "GET /" + "b".repeat(MAX_LINE - 16) + " HTTP/1.1\r\n";
        assertEquals(MAX_LINE, fits.length());
        assertEquals(1, HttpParser.minor(req(fits)));
        String exact = "GET /" + "b".repeat(MAX_LINE - 14) + " HTTP/1.1\r\n";
        long e = req(exact);
        assertEquals(HttpParser.MINOR_UNKNOWN, HttpParser.minor(e));
        assertEquals(exact.indexOf(" HTTP"), HttpParser.targetEnd(e));
    }

    @Test
    void partsOfAViewAreParsedInPlace() {
        String s = "xxxxGET /in HTTP/1.1\r\nyyyy";
        PacketView v = a(s);
        int m = HttpParser.classifyStart(v, 4, s.length());
        assertEquals(0, m);
        long r = HttpParser.requestLine(v, 4, s.length(), MAX_LINE, m);
        assertEquals("/in", s.substring(8, HttpParser.targetEnd(r)));
        assertEquals(s.indexOf('\n') + 1, HttpParser.next(r));
        // a view ending inside the line is incomplete even when the backing data goes on
        assertEquals(HttpParser.INCOMPLETE, HttpParser.requestLine(v, 4, 12, MAX_LINE, m));
    }

    @Test
    void valueChecks() {
        assertTrue(HttpParser.suspiciousUserAgent(""));
        assertTrue(HttpParser.suspiciousUserAgent("ab"));
        assertTrue(HttpParser.suspiciousUserAgent("${jndi:ldap://x/a}"));
        assertFalse(HttpParser.suspiciousUserAgent("curl/8.5.0"));
        assertFalse(HttpParser.suspiciousUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64)"));
        assertFalse(HttpParser.suspiciousUserAgent("Some Device Agent"));
        assertTrue(HttpParser.suspiciousUserAgent("vBKbaQgjyvRRbcgfvlsc"));
        for (String fine : new String[] {"netflix-ios-app", "Android", "uclient-fetch", "Like-Android",
            "MMS-Relay-DeliveryInitiator", "Dalvik/1.6.0 (Linux; U; Android 4.4.2)", "Microsoft-CryptoAPI/10.0",
            "WindowsUpdateAgent"}) {
            assertFalse(HttpParser.suspiciousUserAgent(fine), fine);
        }
        assertTrue(HttpParser.obsoleteServer("Apache/2.2.15 (CentOS)"));
        assertTrue(HttpParser.obsoleteServer("Apache/1.3.42"));
        assertFalse(HttpParser.obsoleteServer("Apache/2.4.58 (Ubuntu)"));
        assertFalse(HttpParser.obsoleteServer("Apache"));
        assertTrue(HttpParser.obsoleteServer("nginx/0.7.65"));
        assertFalse(HttpParser.obsoleteServer("nginx/1.24.0"));
        assertFalse(HttpParser.obsoleteServer("nginx/1.10.3"));
        assertTrue(HttpParser.obsoleteServer("nginx/1.6.3"));
        assertFalse(HttpParser.obsoleteServer("nginx"));
        assertFalse(HttpParser.obsoleteServer("nginx/"));
        assertFalse(HttpParser.obsoleteServer("nginx/1"));
        assertFalse(HttpParser.obsoleteServer("nginx/1.x"));
        assertFalse(HttpParser.obsoleteServer("nginx/99999999999.1"));
        assertTrue(HttpParser.obsoleteServer("Microsoft-IIS/6.0"));
        assertFalse(HttpParser.obsoleteServer("Microsoft-IIS/10.0"));
        assertTrue(HttpParser.binaryContentType("application/x-msdownload"));
        assertTrue(HttpParser.binaryContentType("Application/Vnd.Microsoft.Portable-Executable"));
        assertFalse(HttpParser.binaryContentType("application/octet-stream"));
        assertTrue(HttpParser.binaryContentType("application/java-vm"));
    }

    @Test
    void randomBytesNeverThrow() {
        Random rnd = new Random(42);
        byte[] buf = new byte[300];
        ByteArrayPacketView v = new ByteArrayPacketView();
        byte[] seed = "GET http://[::1]:80/x HTTP/1.1\r\nHost: a:1\r\nHTTP/1.1 200 OK\r\n".getBytes(
            StandardCharsets.ISO_8859_1);
        for (int iter = 0; iter < 20_000; iter++) {
            int n = rnd.nextInt(buf.length + 1);
            if (iter % 2 == 0) {
                rnd.nextBytes(buf);
            } else {
                for (int i = 0; i < n; i++) {
                    buf[i] = rnd.nextInt(8) == 0 ? (byte) rnd.nextInt(256) : seed[rnd.nextInt(seed.length)];
                }
            }
            v.wrap(buf, 0, n);
            int from = n == 0 ? 0 : rnd.nextInt(n);
            int c = HttpParser.classifyStart(v, from, n);
            if (c >= 0) {
                HttpParser.requestLine(v, from, n, 1 + rnd.nextInt(400), c);
            }
            HttpParser.statusLine(v, from, n);
            HttpParser.headerId(v, from, n);
            HttpParser.hostRange(v, from, n);
            HttpParser.authorityRange(v, from, n, rnd.nextBoolean());
        }
    }
}
