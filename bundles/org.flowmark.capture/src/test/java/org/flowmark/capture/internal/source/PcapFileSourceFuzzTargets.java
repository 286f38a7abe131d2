package org.flowmark.capture.internal.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz target (Jazzer) for the pcap / pcapng file reader. Without {@code JAZZER_FUZZ} it replays
 * the inputs under {@code src/test/resources/org/flowmark/capture/internal/source/PcapFileSourceFuzzTargetsInputs/
 * readFile/}; with {@code JAZZER_FUZZ=1} it fuzzes (see the README). The input is written to a temporary file and
 * read to the end: the only error allowed is the reader's own {@link CaptureException}.
 */
class PcapFileSourceFuzzTargets {

    private static Path file;

    @BeforeAll
    static void createFile() throws IOException {
        file = Files.createTempFile("flowmark-fuzz", ".pcap");
    }

    @AfterAll
    static void deleteFile() throws IOException {
        Files.deleteIfExists(file);
    }

    @FuzzTest(maxDuration = "90s")
    void readFile(byte[] in) throws IOException {
        Files.write(file, in);
        RawPacket r = new RawPacket();
        try (PcapFileSource src = PcapFileSource.open(file, 4096)) { // a small window: remaps are exercised too
            for (int n = 0; n < 10_000 && src.next(r); n++) {
                if (r.caplen < 0 || r.offset < 0 || r.offset + r.caplen > r.buf.limit()) {
                    throw new AssertionError("packet " + n + " at " + r.offset + "+" + r.caplen + " outside the buffer");
                }
            }
        } catch (CaptureException expected) {
            // the declared error
        }
    }
}
