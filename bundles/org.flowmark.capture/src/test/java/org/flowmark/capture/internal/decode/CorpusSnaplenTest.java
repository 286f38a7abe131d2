package org.flowmark.capture.internal.decode;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.flowmark.capture.internal.source.CaptureException;
import org.flowmark.capture.internal.source.PcapFileSource;
import org.flowmark.capture.internal.source.RawPacket;
import org.junit.jupiter.api.Test;

/**
 * The reference captures as a snap length would have cut them ({@code editcap -s N}): each packet's caplen is
 * clamped in memory, the wire length kept. A flow whose key (addresses, protocol, ports) survives the cut must be
 * found exactly as in the full capture; nothing may throw.
 */
class CorpusSnaplenTest {

    static Set<String> flows(Path pcap, int snaplen) throws IOException {
        Set<String> flows = new HashSet<>();
        Decoder decoder = new Decoder();
        DecodedPacket out = new DecodedPacket();
        RawPacket raw = new RawPacket();
        try (PcapFileSource src = PcapFileSource.open(pcap)) {
            while (src.next(raw)) {
                raw.caplen = Math.min(raw.caplen, snaplen);
                int r = decoder.decode(raw, out);
                if (r == Decoder.OK || r == Decoder.FRAGMENT_UNMATCHED) {
                    flows.add(CorpusFlowCountTest.flowKey(out));
                }
            }
        } catch (CaptureException e) {
            // a damaged capture: compared up to the damage, as the full read is
        }
        return flows;
    }

    @Test
    void snapLengthsKeepTheFlows() throws IOException {
        Path corpus = Corpus.find();
        assumeTrue(corpus != null, "reference corpus not found (set -Dflowmark.corpus=DIR or put it at "
                + "../shared/corpus): skipped");
        List<Path> files;
        try (Stream<Path> s = Files.list(corpus.resolve("pcap"))) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        int[] snaplens = {64, 96, 128, 200};
        int[] same = new int[snaplens.length];
        List<String> at128 = new ArrayList<>();
        for (Path p : files) {
            Set<String> full = flows(p, Integer.MAX_VALUE);
            for (int i = 0; i < snaplens.length; i++) {
                Set<String> cut = flows(p, snaplens[i]);
                if (cut.equals(full)) {
                    same[i]++;
                } else if (snaplens[i] >= 128) {
                    at128.add(p.getFileName() + " at " + snaplens[i]);
                }
            }
        }
        System.out.printf("snap length 64/96/128/200: same flows in %d/%d/%d/%d of %d captures%n", same[0], same[1],
                same[2], same[3], files.size());
        // 128 bytes hold every flow key of the corpus, tunnels included (CAPWAP needs more than 96)
        assertTrue(at128.isEmpty(), "flows changed by a snap length of 128 or more: " + at128);
        // at 64 bytes only tunnelled inner headers and IPv6 fragment headers are cut off (measured 171/182)
        assertTrue(same[0] >= files.size() * 9 / 10, "only " + same[0] + " captures keep their flows at 64 bytes");
    }
}
