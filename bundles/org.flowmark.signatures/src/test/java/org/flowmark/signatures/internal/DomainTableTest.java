package org.flowmark.signatures.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class DomainTableTest {

    private static final App GOOGLE = new App(1, "google", "web", "t", new int[0], Set.of());
    private static final App YOUTUBE = new App(2, "youtube", "video", "t", new int[0], Set.of());
    private static final App ZOOM = new App(3, "zoom", "vc", "t", new int[0], Set.of());

    private static DomainTable table() {
        Map<String, DomainTable.Entry> exact = new HashMap<>();
        Map<String, DomainTable.Entry> wild = new HashMap<>();
        exact.put("zoom.us", new DomainTable.Entry(ZOOM, "zoom.us"));
        wild.put("zoom.us", new DomainTable.Entry(ZOOM, "*.zoom.us"));
        wild.put("googleapis.com", new DomainTable.Entry(GOOGLE, "*.googleapis.com"));
        exact.put("youtubei.googleapis.com", new DomainTable.Entry(YOUTUBE, "youtubei.googleapis.com"));
        wild.put("google.com", new DomainTable.Entry(GOOGLE, "*.google.com"));
        wild.put("l.google.com", new DomainTable.Entry(YOUTUBE, "*.l.google.com"));
        wild.put("googlevideo.com", new DomainTable.Entry(YOUTUBE, "*.googlevideo.com"));
        return new DomainTable(exact, wild);
    }

    @Test
    void exactAndWildcard() {
        DomainTable t = table();
        assertEquals("zoom.us", t.match("zoom.us").pattern);
        assertEquals("*.zoom.us", t.match("www3.zoom.us").pattern);
        assertEquals("*.zoom.us", t.match("a.b.c.ZOOM.US.").pattern);
        assertNull(t.match("notzoom.us"));
        assertNull(t.match("zoom.us.evil.com"));
        assertNull(t.match("us"));
        assertNull(t.match(""));
        assertNull(t.match("."));
    }

    @Test
    void mostSpecificWins() {
        DomainTable t = table();
        assertEquals("youtube", t.match("youtubei.googleapis.com").app.name);
        assertEquals("google", t.match("www.googleapis.com").app.name);
        assertEquals("youtube", t.match("youtube-ui.l.google.com").app.name);
        assertEquals("google", t.match("mail.google.com").app.name);
        assertEquals("youtube", t.match("r3---sn-vh5ouxa-hju6.googlevideo.com").app.name);
        assertNull(t.match("google.com")); // only the wildcard is listed
    }

    @Test
    void certificateWildcardForm() {
        DomainTable t = table();
        assertEquals("*.zoom.us", t.match("zoom.us", true).pattern); // *.zoom.us in a certificate
        assertEquals("*.google.com", t.match("google.com", true).pattern);
        assertNull(t.match("us", true));
    }

    @Test
    void manyEntriesStayFindable() {
        Map<String, DomainTable.Entry> exact = new HashMap<>();
        Map<String, DomainTable.Entry> wild = new HashMap<>();
        for (int i = 0; i < 5000; i++) {
            exact.put("host" + i + ".example", new DomainTable.Entry(GOOGLE, "e" + i));
            wild.put("zone" + i + ".example", new DomainTable.Entry(ZOOM, "w" + i));
        }
        DomainTable t = new DomainTable(exact, wild);
        for (int i = 0; i < 5000; i++) {
            assertEquals("e" + i, t.match("host" + i + ".example").pattern);
            assertEquals("w" + i, t.match("a.zone" + i + ".example").pattern);
            assertNull(t.match("zone" + i + ".example"));
        }
    }
}
