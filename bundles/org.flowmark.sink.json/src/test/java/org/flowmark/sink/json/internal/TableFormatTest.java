package org.flowmark.sink.json.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;

import org.flowmark.api.flow.CaptureStats;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;
import org.flowmark.api.flow.PurgeReason;
import org.junit.jupiter.api.Test;

class TableFormatTest {

    private static final String[] COLUMNS = {"SOURCE", "PROTO", "LOCAL", "OTHER", "PROTOCOL", "HOST"};

    @Test
    void ipv4AndIpv6RowsAlignWithHeader() {
        String h = TableFormat.HEADER;
        String v4 = TableFormat.row(TestSupport.ipv4Http(PurgeReason.IDLE));
        FlowRecord v6r = new FlowRecord(3, "/tmp/dns6.pcap", 6, 17, 0, null, "2001:db8::1", 5353, null,
                "2001:db8::53", 53, null, false, 1, 80, 1, 120, 0, 0, 2,
                new Detection("DNS", null, null, null, Set.of(), Map.of(), "dns"), PurgeReason.IDLE);
        String v6 = TableFormat.row(v6r);
        assertEquals(h.length(), v4.length(), v4);
        assertEquals(h.length(), v6.length(), v6);

        int local = h.indexOf("LOCAL");
        int other = h.indexOf("OTHER");
        int proto = h.indexOf("PROTOCOL");
        int host = h.indexOf("HOST");
        assertEquals(local, v4.indexOf("192.168.1.10:51514"));
        assertEquals(local, v6.indexOf("[2001:db8::1]:5353"));
        assertEquals(other, v4.indexOf("93.184.216.34:80"));
        assertEquals(other, v6.indexOf("[2001:db8::53]:53"));
        assertEquals(proto, v4.indexOf("HTTP.example"));
        assertEquals(proto, v6.indexOf("DNS "));
        assertEquals(host, v4.indexOf("www.example.com"));
        assertEquals(host, v6.indexOf("-", host));
        assertTrue(v4.startsWith("web.pcap "), v4);
        assertTrue(v6.startsWith("dns6.pcap "), v6);
        assertEquals(h.indexOf("PROTO"), v4.indexOf("tcp "));
        assertEquals(h.indexOf("PROTO"), v6.indexOf("udp "));
        assertTrue(v4.contains(" -> "), "local initiated");
        assertTrue(v6.contains(" <- "), "remote initiated");
        // numbers right-aligned at the end of the line
        assertTrue(h.endsWith("PACKETS        BYTES"), h);
        assertTrue(v4.endsWith("       11         5000"), v4);
        assertTrue(v6.endsWith("        2          200"), v6);
        for (String c : COLUMNS) {
            assertTrue(h.contains(c), c);
        }
    }

    @Test
    void longTextColumnsAreCutButEndpointsNever() {
        String longHost = "a-very-long-host-name-that-does-not-fit.example.com";
        FlowRecord f = new FlowRecord(3, "/var/captures/an-extremely-long-capture-file-name.pcapng", 6, 6, 0, null,
                "2001:db8:1234:5678:9abc:def0:1234:5678", 443, null, "10.0.0.1", 50000, null, true, 1, 1, 1, 1, 0, 0,
                1, new Detection("TLS", "a-very-long-application-tag", longHost, null, Set.of(), Map.of(), "tls"),
                PurgeReason.CLOSED);
        String row = TableFormat.row(f);
        assertTrue(row.startsWith("an-extremely-lo~ "), row);
        assertTrue(row.contains("[2001:db8:1234:5678:9abc:def0:1234:5678]:443 -> 10.0.0.1:50000"), row);
        assertTrue(row.contains("TLS.a-very-long-app~ "), row);
        assertTrue(row.contains(longHost.substring(0, TableFormat.HOST - 1) + "~ "), row);
    }

    @Test
    void portlessProtocolsAndSourceEnd() {
        assertEquals("10.0.0.1", TableFormat.endpoint("10.0.0.1", 0, 1));
        assertEquals("[fe80::1]", TableFormat.endpoint("fe80::1", 0, 58));
        assertEquals("10.0.0.1:0", TableFormat.endpoint("10.0.0.1", 0, 17));
        assertEquals("icmp6", TableFormat.transport(58));
        assertEquals("103", TableFormat.transport(103));
        assertEquals("eth0", TableFormat.baseName("eth0"));
        CaptureStats s = new CaptureStats("a.pcap", 10, 1000, 0, 1, 2, 0, 0, 3, 0, 0, 0);
        assertEquals("# end of a.pcap: 10 packets, 1000 bytes, 3 flows, 2 decode errors, 1 drops",
                TableFormat.sourceEnd("a.pcap", s, false, null));
        assertEquals("# end of b.pcap FAILED: bad magic", TableFormat.sourceEnd("b.pcap", null, true, "bad magic"));
    }
}
