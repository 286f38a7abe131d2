package org.flowmark.signatures.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignatureStoreTest {

    @TempDir
    Path dir;

    private final List<String> errors = new ArrayList<>();
    private final List<String> infos = new ArrayList<>();
    private long tick = 1_700_000_000_000L;

    private void write(String name, String json) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, json);
        Files.setLastModifiedTime(p, FileTime.fromMillis(tick += 5000)); // distinct even on coarse clocks
    }

    private static final String ZOOM = "{\n  \"source\": \"test\",\n  \"applications\": [\n"
        + "    {\"id\": 1, \"name\": \"zoom\", \"category\": \"video-conferencing\",\n"
        + "     \"domains\": [\"zoom.us\", \"*.zoom.us\"], \"networks\": [\"170.114.0.0/16\"]}\n  ]\n}\n";

    private static final String NETFLIX = "{\"applications\": [{\"name\": \"netflix\", \"domains\": [\"*.netflix.com\"]}]}";

    @Test
    void goodFilesLoad() throws IOException {
        write("zoom.json", ZOOM);
        write("netflix.json", NETFLIX);
        write("README.md", "not json");
        SignatureStore s = new SignatureStore(dir, infos::add, errors::add);
        assertTrue(s.refresh());
        assertEquals(List.of(), errors);
        assertEquals("zoom", s.index().domains.match("www3.zoom.us").app.name);
        assertEquals("netflix", s.index().domains.match("api-global.netflix.com").app.name);
        assertEquals("unknown", s.index().domains.match("api-global.netflix.com").app.category);
        assertEquals("zoom", s.index().network(Addresses.parseIpv4("170.114.1.2"), 4, 443, "TLS").app.name);
        assertFalse(s.refresh()); // nothing changed
    }

    @Test
    void brokenFileIsReportedWithLineAndOldVersionStays() throws IOException {
        write("zoom.json", ZOOM);
        write("netflix.json", NETFLIX);
        SignatureStore s = new SignatureStore(dir, infos::add, errors::add);
        s.refresh();
        SignatureIndex before = s.index();
        // a syntax error on line 5
        write("zoom.json", ZOOM.replace("\"domains\": [\"zoom.us\",", "\"domains\": [\"zoom.us\" \"x\","));
        write("netflix.json", NETFLIX.replace("*.netflix.com", "*.nflxvideo.net"));
        assertTrue(s.refresh());
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("zoom.json: line 5, column"), errors.get(0));
        assertTrue(errors.get(0).contains("keeping the previous version"), errors.get(0));
        assertTrue(s.index() != before);
        assertEquals("zoom", s.index().domains.match("www3.zoom.us").app.name); // old zoom.json in force
        assertEquals("netflix", s.index().domains.match("a.nflxvideo.net").app.name); // netflix.json reloaded
        assertNull(s.index().domains.match("api.netflix.com"));
    }

    @Test
    void invalidValuesNameTheirLine() throws IOException {
        write("bad.json", "{\n \"applications\": [\n  {\"name\": \"x\",\n   \"networks\": [\"10.0.0.0/8\",\n     \"10.0.0.1/8\"]}]}");
        write("bad2.json", "{\"applications\": [{\"name\": \"x\", \"domains\": [\"a..b\"]}]}");
        write("bad3.json", "{\"applications\": [{\"name\": \"Upper\", \"domains\": [\"a.b\"]}]}");
        write("bad4.json", "{\"applications\": [{\"name\": \"x\", \"domain\": [\"a.b\"]}]}");
        write("bad5.json", "{\"applications\": [{\"name\": \"x\"}]}");
        write("bad6.json", "{\"applications\": [{\"name\": \"x\", \"domains\": [\"a.b\"], \"ports\": [70000]}]}");
        SignatureStore s = new SignatureStore(dir, infos::add, errors::add);
        s.refresh();
        assertEquals(6, errors.size(), errors.toString());
        String all = String.join("\n", errors);
        assertTrue(all.contains("bad.json: line 5, column") && all.contains("host bits set in '10.0.0.1/8'"), all);
        assertTrue(all.contains("bad2.json: line 1") && all.contains("invalid domain 'a..b'"), all);
        assertTrue(all.contains("bad3.json: line 1") && all.contains("invalid name 'Upper'"), all);
        assertTrue(all.contains("bad4.json: line 1") && all.contains("domain"), all);
        assertTrue(all.contains("bad5.json") && all.contains("neither domains nor networks"), all);
        assertTrue(all.contains("bad6.json: line 1") && all.contains("invalid port 70000"), all);
        assertEquals(0, s.index().applications);
    }

    @Test
    void deletedFileIsDroppedAndMissingDirectoryIsReportedOnce() throws IOException {
        write("zoom.json", ZOOM);
        SignatureStore s = new SignatureStore(dir, infos::add, errors::add);
        s.refresh();
        Files.delete(dir.resolve("zoom.json"));
        assertTrue(s.refresh());
        assertNull(s.index().domains.match("zoom.us"));
        SignatureStore missing = new SignatureStore(dir.resolve("nope"), infos::add, errors::add);
        missing.refresh();
        missing.refresh();
        assertEquals(1, errors.size());
    }

    @Test
    void watcherPicksUpAChange() throws Exception {
        write("netflix.json", NETFLIX);
        SignatureResolver r = new SignatureResolver(dir, 50, infos::add, errors::add);
        try {
            assertNull(r.store().index().domains.match("zoom.us"));
            write("zoom.json", ZOOM);
            long end = System.currentTimeMillis() + 5000;
            while (r.store().index().domains.match("zoom.us") == null && System.currentTimeMillis() < end) {
                Thread.sleep(20);
            }
            assertEquals("zoom", r.store().index().domains.match("zoom.us").app.name);
        } finally {
            r.deactivate();
        }
    }

    @Test
    void directoryChoice() {
        assertEquals(Path.of("/a"), SignatureResolver.directory("/a", "/b", "/c"));
        assertEquals(Path.of("/b"), SignatureResolver.directory("", "/b", "/c"));
        assertEquals(Path.of("/c/signatures"), SignatureResolver.directory(" ", null, "/c"));
        assertEquals(Path.of("signatures"), SignatureResolver.directory(null, null, null));
    }
}
