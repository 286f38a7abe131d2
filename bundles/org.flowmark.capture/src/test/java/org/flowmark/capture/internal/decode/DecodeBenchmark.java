package org.flowmark.capture.internal.decode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import org.flowmark.capture.internal.source.PcapFileSource;
import org.flowmark.capture.internal.source.RawPacket;

/**
 * Throughput of the file reader alone and of reader + decoder (not a test: run by hand).
 * <pre>
 * ../shared/corpus/make_bench.sh /tmp/bench.pcap 30
 * java -cp target/classes:target/test-classes org.flowmark.capture.internal.decode.DecodeBenchmark /tmp/bench.pcap
 * </pre>
 */
public final class DecodeBenchmark {
    private DecodeBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "/tmp/bench.pcap");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        RawPacket raw = new RawPacket();
        DecodedPacket out = new DecodedPacket();
        for (int round = 0; round < rounds; round++) {
            long t0 = System.nanoTime();
            long n = 0;
            long sink = 0;
            try (PcapFileSource src = PcapFileSource.open(file)) {
                while (src.next(raw)) {
                    n++;
                    sink += raw.caplen;
                }
            }
            long t1 = System.nanoTime();
            Decoder decoder = new Decoder();
            long m = 0;
            try (PcapFileSource src = PcapFileSource.open(file)) {
                while (src.next(raw)) {
                    m++;
                    decoder.decode(raw, out);
                    sink += out.srcPort;
                }
            }
            long t2 = System.nanoTime();
            System.out.printf("round %d: read %,d pkts in %d ms = %,.0f pkt/s | read+decode %,d pkts in %d ms = %,.0f"
                    + " pkt/s  codes %s (sink %d)%n", round, n, (t1 - t0) / 1_000_000, n * 1e9 / (t1 - t0), m,
                    (t2 - t1) / 1_000_000, m * 1e9 / (t2 - t1), Arrays.toString(decoder.counters), sink);
        }
    }
}
