package org.flowmark.detector.ssdp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.flowmark.api.packet.ByteArrayPacketView;
import org.junit.jupiter.api.Test;

class SsdpParserTest {

    static final String M_SEARCH = "M-SEARCH * HTTP/1.1\r\n"
        + "HOST: 239.255.255.250:1900\r\n"
        + "MAN: \"ssdp:discover\"\r\n"
        + "MX: 2\r\n"
        + "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
        + "USER-AGENT: Linux/6.1 UPnP/2.0 flowmark-lab/1.0\r\n"
        + "\r\n";
    static final String RESPONSE = "HTTP/1.1 200 OK\r\n"
        + "CACHE-CONTROL: max-age=1800\r\n"
        + "EXT:\r\n"
        + "LOCATION: http://10.99.0.2:49152/rootDesc.xml\r\n"
        + "SERVER: Linux/6.1 UPnP/1.1 MiniUPnPd/2.3\r\n"
        + "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
        + "USN: uuid:12345678-1234-1234-1234-123456789abc::urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
        + "\r\n";
    static final String NOTIFY = "NOTIFY * HTTP/1.1\r\n"
        + "Host: 239.255.255.250:1900\r\n"
        + "Cache-Control: max-age=1800\r\n"
        + "Location: http://192.168.1.1:5000/rootDesc.xml\r\n"
        + "NT: upnp:rootdevice\r\n"
        + "NTS: ssdp:alive\r\n"
        + "Server: Linux UPnP/1.0 MiniUPnPd/1.9\r\n"
        + "USN: uuid:abcd::upnp:rootdevice\r\n"
        + "01-NLS: 1\r\n"
        + "\r\n";

    private static int kind(String ascii) {
        return SsdpParser.kind(ByteArrayPacketView.ofAscii(ascii));
    }

    private static String value(String ascii, int id) {
        ByteArrayPacketView p = ByteArrayPacketView.ofAscii(ascii);
        long v = SsdpParser.value(p, id);
        return v < 0 ? null : p.ascii((int) (v >>> 32), (int) v - (int) (v >>> 32));
    }

    @Test
    void validMessages() {
        assertEquals(SsdpParser.M_SEARCH, kind(M_SEARCH));
        assertEquals(SsdpParser.RESPONSE, kind(RESPONSE));
        assertEquals(SsdpParser.NOTIFY, kind(NOTIFY));
        assertEquals(SsdpParser.M_SEARCH, kind(M_SEARCH.replace("\r\n", "\n")), "bare LF");
        assertEquals(SsdpParser.M_SEARCH, kind(M_SEARCH.substring(0, M_SEARCH.length() - 2)), "no empty line");
        assertEquals(SsdpParser.RESPONSE, kind(RESPONSE.replace("HTTP/1.1 200 OK", "HTTP/1.0 200")), "1.0, no reason");
        assertEquals(SsdpParser.M_SEARCH, kind("M-SEARCH * HTTP/1.1\r\nst:ssdp:all\r\n\r\n"), "lower-case name");
    }

    @Test
    void rejects() {
        assertEquals(-1, kind("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertEquals(-1, kind(M_SEARCH.replace("M-SEARCH *", "m-search *")), "methods are case-sensitive");
        assertEquals(-1, kind(M_SEARCH.replace("M-SEARCH *", "M-SEARCH /")), "target not *");
        assertEquals(-1, kind(M_SEARCH.replace("HTTP/1.1", "HTTP/2.0")));
        assertEquals(-1, kind(M_SEARCH.replace("HTTP/1.1\r\n", "HTTP/1.1 \r\n")), "junk after the version");
        assertEquals(-1, kind(M_SEARCH.replace("ST: ", "XX: ")), "M-SEARCH without ST");
        assertEquals(-1, kind(NOTIFY.replace("NTS: ", "XYZ: ")), "NOTIFY without NTS");
        assertEquals(-1, kind(RESPONSE.replace("USN: ", "UID: ")), "response without USN");
        assertEquals(-1, kind(RESPONSE.replace("200 OK", "404 Not Found")), "not 200");
        assertEquals(-1, kind(RESPONSE.replace("200 OK", "200 O\u0001K")), "control octet in the reason");
        assertEquals(-1, kind(M_SEARCH.replace("MX: 2", "MX 2")), "a line that is no header field");
        assertEquals(-1, kind(M_SEARCH.replace("MX: 2", "M X: 2")), "a blank inside a name");
        assertEquals(-1, kind("M-SEARCH * HTTP/1.1\r\n\r\n"), "no header at all");
        assertEquals(-1, kind("M-SEARCH * HTTP/1.1"), "no line end");
    }

    @Test
    void headerValues() {
        assertEquals("urn:schemas-upnp-org:device:InternetGatewayDevice:1", value(M_SEARCH, SsdpParser.H_ST));
        assertEquals("Linux/6.1 UPnP/2.0 flowmark-lab/1.0", value(M_SEARCH, SsdpParser.H_USER_AGENT));
        assertEquals(null, value(M_SEARCH, SsdpParser.H_USN));
        assertEquals("upnp:rootdevice", value(NOTIFY, SsdpParser.H_NT));
        assertEquals("ssdp:alive", value(NOTIFY, SsdpParser.H_NTS));
        assertEquals("Linux UPnP/1.0 MiniUPnPd/1.9", value(NOTIFY, SsdpParser.H_SERVER));
        assertEquals("http://10.99.0.2:49152/rootDesc.xml", value(RESPONSE, SsdpParser.H_LOCATION));
        assertEquals("ssdp:all", value("M-SEARCH * HTTP/1.1\nST:ssdp:all  \n", SsdpParser.H_ST), "trimmed");
    }
}
