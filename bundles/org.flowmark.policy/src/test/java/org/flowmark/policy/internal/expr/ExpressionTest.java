package org.flowmark.policy.internal.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;

import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;
import org.flowmark.policy.internal.Flows;
import org.junit.jupiter.api.Test;

class ExpressionTest {

    static final FlowRecord ZOOM = Flows.zoom(1);
    static final FlowRecord V6 = Flows.flow(2, "2001:db8:1::5", 6881, "2a00:1450::200e", 51413, 17,
            new Detection("BitTorrent", null, null, "p2p", Set.of(), Map.of(), "bt"));
    static final FlowRecord UNKNOWN = Flows.flow(3, "10.1.2.3", 40000, "8.8.8.8", 53, 17, Detection.NONE);

    static boolean m(String expr, FlowRecord r) throws ExpressionException {
        return Expression.compile(expr).matches(r);
    }

    static ExpressionException err(String expr) {
        return assertThrows(ExpressionException.class, () -> Expression.compile(expr), expr);
    }

    @Test
    void stringFieldsEqualityGlobAndIn() throws Exception {
        assertTrue(m("application == \"zoom\"", ZOOM));
        assertTrue(m("application == \"ZOOM\"", ZOOM), "case-insensitive");
        assertFalse(m("application == \"teams\"", ZOOM));
        assertTrue(m("application != \"teams\"", ZOOM));
        assertTrue(m("application != \"zoom\"", V6), "no application: != is true");
        assertFalse(m("application == \"zoom\"", V6));
        assertTrue(m("protocol == 'TLS'", ZOOM));
        assertTrue(m("category == \"video-conferencing\"", ZOOM));
        assertTrue(m("hostname ~ \"*.zoom.us\"", ZOOM));
        assertFalse(m("hostname ~ \"*.zoom.us\"", Flows.flow(4, "1.1.1.1", 1, "2.2.2.2", 443, 6,
                Flows.det("TLS", null, "zoom.us"))), "*.zoom.us needs a label before .zoom.us");
        assertTrue(m("hostname ~ \"us0?web.*\"", ZOOM));
        assertTrue(m("hostname ~ [\"*.example\", \"*.zoom.us\"]", ZOOM));
        assertTrue(m("application in [\"teams\", \"zoom\"]", ZOOM));
        assertFalse(m("application in [\"teams\", \"webex\"]", ZOOM));
        assertTrue(m("interface == \"eth0\"", ZOOM));
        assertTrue(m("protocol == \"Unknown\"", UNKNOWN));
    }

    @Test
    void tlsVersionAcceptsShortNames() throws Exception {
        assertTrue(m("tls_version == \"TLSv1.2\"", ZOOM));
        assertTrue(m("tls_version == \"1.2\"", ZOOM));
        assertTrue(m("tls_version in [\"TLS1.0\", \"1.1\", \"1.2\"]", ZOOM));
        assertFalse(m("tls_version == \"1.3\"", ZOOM));
        assertFalse(m("tls_version == \"1.2\"", V6), "no TLS metadata");
    }

    @Test
    void riskContains() throws Exception {
        assertTrue(m("risk == \"tls_self_signed_cert\"", ZOOM));
        assertFalse(m("risk == \"tls_weak_cipher\"", ZOOM));
        assertTrue(m("risk != \"tls_weak_cipher\"", ZOOM));
        assertTrue(m("risk ~ \"tls_*\"", ZOOM));
        assertTrue(m("risk in [\"x\", \"tls_self_signed_cert\"]", ZOOM));
        assertFalse(m("risk ~ \"*\"", V6), "no risks");
    }

    @Test
    void addressesAndPrefixes() throws Exception {
        assertTrue(m("local_ip in 192.168.0.0/16", ZOOM));
        assertTrue(m("local_ip == 192.168.4.189", ZOOM));
        assertTrue(m("local_ip == \"192.168.4.189\"", ZOOM), "quoted addresses are fine");
        assertFalse(m("local_ip == 192.168.4.18", ZOOM));
        assertTrue(m("other_ip in [10.0.0.0/8, 52.216.0.0/15]", ZOOM));
        assertFalse(m("other_ip in 52.218.0.0/15", ZOOM));
        assertTrue(m("other_ip in 0.0.0.0/0", ZOOM));
        assertFalse(m("other_ip in ::/0", ZOOM), "an IPv6 prefix never matches IPv4");
        assertTrue(m("local_ip in 2001:db8::/32", V6));
        assertTrue(m("other_ip in 2a00:1450::/32", V6));
        assertTrue(m("other_ip == 2a00:1450:0:0:0:0:0:200e", V6));
        assertFalse(m("local_ip in 2001:db8:2::/48", V6));
        assertTrue(m("local_ip in 2001:db8:1::/48", V6));
        assertFalse(m("local_ip in 10.0.0.0/8", V6));
    }

    @Test
    void portsAndProtocols() throws Exception {
        assertTrue(m("other_port == 8801", ZOOM));
        assertTrue(m("other_port in 8801-8810", ZOOM));
        assertFalse(m("other_port in 8802-8810", ZOOM));
        assertTrue(m("local_port in [80, 443, 50000-60000]", ZOOM));
        assertTrue(m("local_port in 6881-6889", V6));
        assertTrue(m("ip_protocol == tcp", ZOOM));
        assertTrue(m("ip_protocol == 6", ZOOM));
        assertTrue(m("ip_protocol in [udp, 132]", V6));
        assertFalse(m("ip_protocol == udp", ZOOM));
        assertTrue(m("ip_protocol != udp", ZOOM));
    }

    @Test
    void precedenceNotAndOr() throws Exception {
        // && binds tighter than ||: a || (b && c)
        Expression e = Expression.compile(
                "application == \"x\" || protocol == \"TLS\" && hostname ~ \"*.zoom.us\"");
        assertEquals("((application in x) || ((protocol in TLS) && (hostname ~ *.zoom.us)))", e.tree());
        assertTrue(e.matches(ZOOM));
        // with parentheses: (a || b) && c
        assertFalse(m("(application == \"zoom\" || protocol == \"TLS\") && hostname ~ \"*.example\"", ZOOM));
        assertTrue(m("application == \"zoom\" || protocol == \"TLS\" && hostname ~ \"*.example\"", ZOOM));
        // ! binds tighter than &&
        assertEquals("(!(application in a) && (protocol in b))",
                Expression.compile("!application == \"a\" && protocol == \"b\"").tree());
        assertTrue(m("!(application == \"teams\") && !!(protocol == \"TLS\")", ZOOM));
        assertFalse(m("!(application == \"zoom\" || false)", ZOOM));
        assertTrue(m("true", ZOOM));
        assertFalse(m("false || false", ZOOM));
        assertTrue(m("((((other_port == 8801))))", ZOOM));
    }

    @Test
    void errorsNameTheColumn() {
        ExpressionException e = err("application == zoom");
        assertEquals(16, e.column());
        assertTrue(e.reason().contains("quoted"), e.reason());
        assertEquals("application takes quoted strings: write \"zoom\" at column 16\n"
                + "  application == zoom\n"
                + "                 ^", e.describe());
        assertEquals(1, err("appl == \"x\"").column());
        assertTrue(err("appl == \"x\"").reason().contains("unknown field 'appl'"));
        assertEquals(13, err("application = \"x\"").column());
        assertEquals(13, err("other_ip in && x").column());
        assertEquals(22, err("other_ip in 10.0.0.0/33").column(), "points at the prefix length");
        assertEquals(1, err("").column());
        assertEquals(16, err("application == \"zoom").column());
        assertTrue(err("application == \"zoom").reason().contains("unterminated"));
        ExpressionException paren = err("(protocol == \"TLS\"");
        assertEquals(19, paren.column());
        assertTrue(paren.reason().contains("')'"), paren.reason());
        assertEquals(19, err("protocol == \"TLS\" & hostname ~ \"x\"").column());
        assertEquals(19, err("protocol == \"TLS\" protocol == \"x\"").column());
        assertEquals(15, err("other_port == 1-2").column());
        assertEquals(15, err("other_port in 70000").column());
        assertEquals(15, err("other_port in 9-1").column());
        assertEquals(16, err("ip_protocol == xyz").column());
        assertEquals(10, err("other_ip ~ \"10.*\"").column());
        assertEquals(13, err("other_ip == 10.0.0.0/8").column());
        assertEquals(13, err("other_ip == 300.1.1.1").column());
        assertEquals(22, err("other_ip in [1.1.1.1 2.2.2.2]").column());
        assertEquals(10, err("protocol \"TLS\"").column());
        assertEquals(16, err("application == ").column(), "the end of the expression");
        assertEquals(6, err("a == $").column());
    }

    @Test
    void ipv6Parsing() {
        IpAddress a = new IpAddress();
        assertTrue(a.parse("::1"));
        assertEquals(0, a.hi);
        assertEquals(1, a.lo);
        assertTrue(a.v6);
        assertTrue(a.parse("2001:db8::"));
        assertEquals(0x20010db800000000L, a.hi);
        assertEquals(0, a.lo);
        assertTrue(a.parse("1:2:3:4:5:6:7:8"));
        assertEquals(0x0001000200030004L, a.hi);
        assertEquals(0x0005000600070008L, a.lo);
        assertTrue(a.parse("fe80::1:2%eth0"));
        assertEquals(0xfe80000000000000L, a.hi);
        assertEquals(0x0000000000010002L, a.lo);
        assertTrue(a.parse("64:ff9b::192.0.2.33"));
        assertEquals(0x0064ff9b00000000L, a.hi);
        assertEquals(0xc0000221L, a.lo);
        assertTrue(a.parse("::ffff:10.1.2.3"));
        assertFalse(a.v6, "IPv4-mapped counts as IPv4");
        assertEquals(0x0a010203L, a.lo);
        for (String bad : new String[] {":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", ":1::", "1:", "1.2.3",
                "1.2.3.4.5", "256.1.1.1", "g::1", "1:2:3:4:5:6:7", "01.2.3.4.5", ""}) {
            assertFalse(a.parse(bad), bad);
        }
    }

    @Test
    void globMatching() {
        assertTrue(Glob.matches("*", ""));
        assertTrue(Glob.matches("a*b*c", "aXXbYYc"));
        assertFalse(Glob.matches("a*b*c", "aXXbYY"));
        assertTrue(Glob.matches("*.Zoom.US", "x.zoom.us"));
        assertTrue(Glob.matches("?", "x"));
        assertFalse(Glob.matches("?", ""));
        assertTrue(Glob.matches("**a", "bba"));
    }
}
