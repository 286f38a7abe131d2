package org.flowmark.capture.internal.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.flowmark.api.flow.PurgeReason;
import org.flowmark.capture.internal.dispatch.Generation;
import org.flowmark.capture.internal.flow.Flow;
import org.flowmark.capture.internal.source.PcapFileSource;
import org.flowmark.capture.internal.source.RawPacket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the whole engine (decoder, flow table, expiry) over the reference corpus and compares the number of flows
 * of each capture with the reference's, with idle expiry off as {@code flowmark read} runs by default. Skips when the corpus ({@code ../shared/corpus}) is absent.
 */
class CorpusFlowCountTest {

    static Path corpus() {
        String p = System.getProperty("flowmark.corpus");
        Path c = p != null ? Paths.get(p) : Paths.get("../../../shared/corpus");
        return Files.isDirectory(c.resolve("pcap")) ? c : null;
    }

    @Test
    void flowCountsMatchTheReference() throws IOException {
        Path corpus = corpus();
        Assumptions.assumeTrue(corpus != null, "reference corpus not found (../shared/corpus): skipping");
        int[] purged = new int[1];
        FlowEventSink sink = new FlowEventSink() {
            @Override public void classified(Flow flow) {
            }

            @Override public void purged(Flow flow, PurgeReason reason) {
                purged[0]++;
            }
        };
        CaptureEngine engine = new CaptureEngine(EngineConfig.DEFAULTS.withExpireIdle(false), () -> Generation.EMPTY, () -> new org.flowmark.api.classify.ApplicationResolver[0], sink, false,
                (e, f, t, d) -> { });
        RawPacket raw = new RawPacket();
        List<String> mismatches = new ArrayList<>();
        int total = 0;
        int same = 0;
        List<Path> files;
        try (Stream<Path> s = Files.list(corpus.resolve("pcap"))) {
            files = s.sorted().toList();
        }
        for (Path f : files) {
            Path truth = corpus.resolve("truth").resolve(f.getFileName() + ".tsv");
            if (!Files.exists(truth)) {
                continue;
            }
            long expected = Files.lines(truth).count() - 1;
            purged[0] = 0;
            engine.startSource(f.toString());
            String error = "";
            try (PcapFileSource src = PcapFileSource.open(f)) {
                while (src.next(raw)) {
                    engine.process(raw);
                }
            } catch (IOException e) {
                error = " (" + e.getMessage() + ")";
            }
            engine.purgeAll(PurgeReason.SOURCE_END);
            total++;
            if (purged[0] == expected) {
                same++;
            } else {
                mismatches.add(f.getFileName() + ": " + purged[0] + " flows, reference " + expected + error);
            }
        }
        System.out.println("flow counts equal to the reference in " + same + "/" + total + " captures");
        mismatches.forEach(m -> System.out.println("  " + m));
        assertTrue(same >= Math.ceil(total * 0.95), same + "/" + total + " captures match: " + mismatches);
    }
}
