package org.flowmark.signatures.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.flowmark.testkit.FakeFlow;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignatureResolverTest {

    private static final long S = 1_000_000_000L;
    /** 2019-06-01T00:00:00Z in ns: the capture time the fake flows start at. */
    private static final long T0 = 1_559_347_200L * S;

    @TempDir
    Path dir;

    private final List<String> errors = new ArrayList<>();
    private SignatureResolver resolver;
    private DnsHintCache hints;

    @BeforeEach
    void setUp() throws Exception {
        Files.writeString(dir.resolve("t.json"), "{\"applications\": ["
            + "{\"name\": \"zoom\", \"category\": \"video-conferencing\", \"domains\": [\"zoom.us\", \"*.zoom.us\"],"
            + " \"networks\": [\"170.114.0.0/16\"]},"
            + "{\"name\": \"zoommedia\", \"category\": \"video-conferencing\", \"networks\": [\"170.114.5.0/24\"],"
            + " \"ports\": [8801], \"protocols\": [\"Unknown\", \"STUN\"]},"
            + "{\"name\": \"netflix\", \"category\": \"video-streaming\", \"domains\": [\"*.netflix.com\"],"
            + " \"networks\": [\"2a00:86c0::/32\"]}]}");
        resolver = new SignatureResolver(dir, 0, s -> { }, errors::add);
        hints = new DnsHintCache(1024, 60, 86400);
        resolver.hints(hints);
    }

    /** A TCP flow from 10.0.0.2 (fd00::2 for IPv6) port 50000 to {@code ip} and {@code port}, first seen at T0. */
    private static FakeFlow flow(String ip, int port) {
        return flow(FakeFlow.TCP, ip, port);
    }

    private static FakeFlow flow(int ipProtocol, String ip, int port) {
        boolean v6 = ip.indexOf(':') >= 0;
        byte[] local = v6 ? Addresses.parseIpv6("fd00::2") : Addresses.parseIpv4("10.0.0.2");
        byte[] other = v6 ? Addresses.parseIpv6(ip) : Addresses.parseIpv4(ip);
        return FakeFlow.view(ipProtocol, 50000, port).addresses(local, other).at(T0);
    }

    @Test
    void hostnameFirst() {
        FakeFlow.Result b = new FakeFlow.Result();
        b.protocol("TLS").hostname("www3.zoom.us");
        resolver.resolve(flow("2a00:86c0::1", 443), b); // the address says netflix; the SNI wins
        assertEquals("zoom", b.application());
        assertEquals("video-conferencing", b.category());
        assertEquals("sni", b.get("app", "match"));
        assertEquals("*.zoom.us", b.get("app", "signature"));
    }

    @Test
    void dnsCacheThenNetworkThenCertificate() {
        hints.learn(Addresses.parseIpv4("192.0.2.10"), 4, "api-global.netflix.com", 300, T0 - 5 * S);
        FakeFlow.Result b = new FakeFlow.Result();
        b.protocol("QUIC");
        resolver.resolve(flow("192.0.2.10", 443), b);
        assertEquals("netflix", b.application());
        assertEquals("api-global.netflix.com", b.hostname());
        assertEquals("dns_cache", b.get("app", "match"));

        FakeFlow.Result n = new FakeFlow.Result();
        n.protocol("TLS");
        resolver.resolve(flow("170.114.9.9", 443), n);
        assertEquals("zoom", n.application());
        assertEquals("network", n.get("app", "match"));
        assertEquals("170.114.0.0/16", n.get("app", "signature"));
        assertNull(n.hostname());

        FakeFlow.Result c = new FakeFlow.Result();
        c.protocol("TLS").put("ssl", "server_names", "foo.example,*.netflix.com");
        resolver.resolve(flow("192.0.2.99", 443), c);
        assertEquals("netflix", c.application());
        assertEquals("certificate", c.get("app", "match"));

        FakeFlow.Result cn = new FakeFlow.Result();
        cn.protocol("TLS").put("ssl", "server_cn", "zoom.us");
        resolver.resolve(flow("192.0.2.99", 443), cn);
        assertEquals("zoom", cn.application());
    }

    /** The hint must be valid at the flow's first packet (capture time), with 2 s of skew; never the wall clock. */
    @Test
    void hintsAreLookedUpAtTheFlowsFirstPacket() {
        byte[] ip = Addresses.parseIpv4("192.0.2.20");
        FakeFlow f = flow("192.0.2.20", 443);
        // an answer captured just after the flow's first packet (same burst) still names it
        hints.learn(ip, 4, "www.netflix.com", 300, T0 + 1_500_000_000L);
        FakeFlow.Result b = new FakeFlow.Result();
        b.protocol("TLS");
        resolver.resolve(f, b);
        assertEquals("netflix", b.application());
        assertEquals("www.netflix.com", b.hostname());

        // an answer that came well after the flow started did not name it
        byte[] ip2 = Addresses.parseIpv4("192.0.2.21");
        hints.learn(ip2, 4, "www.netflix.com", 300, T0 + 3 * S);
        FakeFlow.Result late = new FakeFlow.Result();
        late.protocol("TLS");
        resolver.resolve(flow("192.0.2.21", 443), late);
        assertNull(late.application());
        assertNull(late.hostname());

        // the answer's TTL ran out before the flow started: the flow is not named, however late it is resolved
        FakeFlow later = flow("192.0.2.20", 443).at(T0 + 302 * S);
        FakeFlow.Result expired = new FakeFlow.Result();
        expired.protocol("TLS");
        resolver.resolve(later, expired);
        assertNull(expired.application());
        assertNull(expired.hostname());

        // the answer current at the first packet wins over one that came in the skew after it
        byte[] ip3 = Addresses.parseIpv4("192.0.2.22");
        hints.learn(ip3, 4, "www.netflix.com", 300, T0 - S);
        hints.learn(ip3, 4, "www3.zoom.us", 300, T0 + S);
        FakeFlow.Result both = new FakeFlow.Result();
        both.protocol("TLS");
        resolver.resolve(flow("192.0.2.22", 443), both);
        assertEquals("www.netflix.com", both.hostname());
        assertEquals("netflix", both.application());

        // a capture from years before (read after this one in the same process) gets nothing from it
        FakeFlow old = flow("192.0.2.21", 443).at(T0 - 3 * 365L * 86400 * S);
        FakeFlow.Result older = new FakeFlow.Result();
        older.protocol("TLS");
        resolver.resolve(old, older);
        assertNull(older.hostname());
    }

    @Test
    void networkRestrictionsFallBackToTheShorterPrefix() {
        FakeFlow.Result media = new FakeFlow.Result();
        resolver.resolve(flow("170.114.5.5", 8801), media); // Unknown protocol, port 8801
        assertEquals("zoommedia", media.application());
        FakeFlow.Result tls = new FakeFlow.Result();
        tls.protocol("TLS");
        resolver.resolve(flow("170.114.5.5", 443), tls);
        assertEquals("zoom", tls.application());
    }

    @Test
    void neverOverridesADetectorsApplicationButFillsTheHostname() {
        hints.learn(Addresses.parseIpv4("192.0.2.10"), 4, "api-global.netflix.com", 300, T0 - 5 * S);
        FakeFlow.Result b = new FakeFlow.Result();
        b.protocol("Zoom").application("zoom");
        resolver.resolve(flow("192.0.2.10", 8801), b);
        assertEquals("zoom", b.application());
        assertEquals("api-global.netflix.com", b.hostname());
        assertTrue(b.metadata().isEmpty());
    }

    @Test
    void icmpIsNotNamedByAddress() {
        FakeFlow f = flow(1, "170.114.9.9", 0); // ICMP
        FakeFlow.Result b = new FakeFlow.Result();
        b.protocol("ICMP");
        resolver.resolve(f, b);
        assertNull(b.application());
    }

    @Test
    void worksWithoutHints() {
        resolver.hints(null);
        FakeFlow.Result b = new FakeFlow.Result();
        resolver.resolve(flow("192.0.2.10", 443), b);
        assertNull(b.application());
        assertTrue(errors.isEmpty());
    }

    /** The shipped signatures/ folder loads cleanly and names the scored families as intended. */
    @Test
    void shippedSignatures() {
        Path shipped = Path.of(System.getProperty("user.dir")).resolve("../../signatures").normalize();
        if (!Files.isDirectory(shipped)) {
            org.junit.jupiter.api.Assumptions.abort("no signatures/ folder at " + shipped);
        }
        List<String> errs = new ArrayList<>();
        SignatureStore s = new SignatureStore(shipped, x -> { }, errs::add);
        s.refresh();
        assertEquals(List.of(), errs);
        assertTrue(s.index().applications >= 40, "applications: " + s.index().applications);
        String[][] expect = {
            {"r3---sn-vh5ouxa-hju6.googlevideo.com", "youtube"}, {"i.ytimg.com", "youtube"}, {"www.youtube.com", "youtube"},
            {"youtu.be", "youtube"}, {"yt3.ggpht.com", "youtube"}, {"www.youtube-nocookie.com", "youtube"},
            {"youtubei.googleapis.com", "youtube"}, {"lh3.ggpht.com", "google"}, {"www.google.com", "google"},
            {"fonts.googleapis.com", "google"}, {"zoom.us", "zoom"}, {"zoomfr84zc.zoom.us", "zoom"},
            {"teams.microsoft.com", "teams"}, {"eu-prod.asyncgw.teams.microsoft.com", "teams"},
            {"eu-api.asm.skype.com", "skype"}, {"www.microsoft.com", "microsoft"}, {"ios.nccp.netflix.com", "netflix"},
            {"art-1.nflximg.net", "netflix"}, {"occ-0-1.1.nflxso.net", "netflix"}, {"store.steampowered.com", "steam"},
            {"ext3-sto1.steamserver.net", "steam"}, {"fortnite-public-service-prod11.ol.epicgames.com", "epic"},
            {"dns.google", "googledns"}, {"cloudflare-dns.com", "cloudflaredns"}, {"scontent.cdninstagram.com", "instagram"},
            {"web.whatsapp.com", "whatsapp"}, {"atv-ps.amazon.com", "primevideo"}, {"www.amazon.com", "amazon"},
        };
        for (String[] e : expect) {
            DomainTable.Entry m = s.index().domains.match(e[0]);
            assertEquals(e[1], m == null ? null : m.app.name, e[0]);
        }
        assertEquals("googledns", s.index().network(Addresses.parseIpv4("8.8.8.8"), 4, 53, "DNS").app.name);
        assertEquals("google", s.index().network(Addresses.parseIpv4("8.8.8.9"), 4, 443, "TLS").app.name);
        assertEquals("cloudflaredns", s.index().network(Addresses.parseIpv6("2606:4700:4700::1111"), 16, 443, "TLS").app.name);
        assertEquals("cloudflare", s.index().network(Addresses.parseIpv6("2606:4700:10::1"), 16, 443, "TLS").app.name);
        assertEquals("teams", s.index().network(Addresses.parseIpv4("52.114.250.152"), 4, 443, "TLS").app.name);
        assertEquals("zoom", s.index().network(Addresses.parseIpv4("3.7.35.10"), 4, 8801, null).app.name);
    }
}
