package org.flowmark.capture.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.Locale;

import org.flowmark.api.flow.PurgeReason;
import org.flowmark.capture.internal.decode.DecodedPacket;
import org.flowmark.capture.internal.decode.Decoder;
import org.flowmark.capture.internal.dispatch.DetectorRegistry;
import org.flowmark.capture.internal.engine.CaptureEngine;
import org.flowmark.capture.internal.engine.EngineConfig;
import org.flowmark.capture.internal.engine.FlowEventSink;
import org.flowmark.capture.internal.source.PcapFileSource;
import org.flowmark.capture.internal.source.RawPacket;

/**
 * {@code flowmark bench FILE}: times the offline pipeline over one capture, single-threaded, in four stages run in
 * the same process so each is a ratio against the first: (1) reading the memory-mapped file, (2) + decoding,
 * (3) + flow tracking (the flow table, counters, expiry), (4) + detector dispatch with every deployed detector.
 * Each stage runs {@code repeat} times after one warm-up pass; the best pass is reported. Flow events are not
 * published (the EventAdmin path is control plane). Then measures the heap retained per tracked flow.
 */
final class Bench {
    private final EngineConfig cfg;
    private final DetectorRegistry registry;
    private final PrintStream out;

    Bench(EngineConfig cfg, DetectorRegistry registry, PrintStream out) {
        this.cfg = cfg;
        this.registry = registry;
        this.out = out;
    }

    boolean run(Path file, int repeat) {
        try {
            RawPacket raw = new RawPacket();
            out.printf(Locale.ROOT, "flowmark bench %s, %d passes per stage (best shown), %d detectors: %s%n",
                    file, repeat, registry.get().entries.length, names());
            double base = stage("read", file, repeat, raw, src -> { }, 0, null);
            Decoder decoder = new Decoder();
            DecodedPacket d = new DecodedPacket();
            stage("read+decode", file, repeat, raw, r -> decoder.decode(r, d), base, null);
            CaptureEngine track = new CaptureEngine(cfg, registry, registry::resolvers, FlowEventSink.NONE, false, (e, f, t, x) -> { });
            stage("read+decode+track", file, repeat, raw, track::process, base, track);
            CaptureEngine dpi = new CaptureEngine(cfg, registry, registry::resolvers, FlowEventSink.NONE, true, (e, f, t, x) -> { });
            stage("read+decode+track+dpi", file, repeat, raw, dpi::process, base, dpi);
            out.printf(Locale.ROOT, "flows: %d per pass; detector calls per pass: %d%n", flowsPerPass,
                    dpi.detectorInspections() / (repeat + 1));
            heap(file, raw);
            return true;
        } catch (IOException e) {
            System.err.println("flowmark: bench: " + e.getMessage());
            return false;
        }
    }

    private String names() {
        StringBuilder sb = new StringBuilder();
        for (var e : registry.get().entries) {
            sb.append(sb.length() == 0 ? "" : ", ").append(e.name);
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }

    private interface PerPacket {
        void accept(RawPacket raw);
    }

    private long flowsPerPass;

    /** Times one stage; {@code base} is the read-only stage's rate (0 for that stage itself). */
    private double stage(String name, Path file, int repeat, RawPacket raw, PerPacket fn, double base,
            CaptureEngine engine) throws IOException {
        long best = Long.MAX_VALUE;
        long packets = 0;
        long bytes = 0;
        for (int pass = 0; pass <= repeat; pass++) {
            if (engine != null) {
                engine.startSource(file.toString());
            }
            packets = 0;
            bytes = 0;
            long t0 = System.nanoTime();
            try (PcapFileSource src = PcapFileSource.open(file)) {
                while (src.next(raw)) {
                    fn.accept(raw);
                    packets++;
                    bytes += raw.wirelen;
                }
            }
            long t = System.nanoTime() - t0;
            if (engine != null) {
                flowsPerPass = engine.stats().flowsCreated();
                engine.purgeAll(PurgeReason.SOURCE_END);
            }
            if (pass > 0 && t < best) { // pass 0 warms up
                best = t;
            }
        }
        double pps = packets / (best / 1e9);
        out.printf(Locale.ROOT, "%-24s %10.0f packets/s %7.2f Gbit/s %7.1f ns/packet%s%n", name, pps,
                bytes * 8 / (double) best, best / (double) packets,
                base > 0 ? String.format(Locale.ROOT, "  (%.2fx the read-only stage's time)", base / pps) : "");
        return pps;
    }

    /** Retained heap per tracked flow: used heap after GC with every flow of the file live, minus before. */
    private void heap(Path file, RawPacket raw) throws IOException {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        for (boolean detect : new boolean[] {false, true}) {
            CaptureEngine engine = new CaptureEngine(cfg, registry, registry::resolvers, FlowEventSink.NONE, detect, (e, f, t, x) -> { });
            engine.startSource(file.toString());
            long before = usedAfterGc(mem);
            try (PcapFileSource src = PcapFileSource.open(file)) {
                while (src.next(raw)) {
                    engine.process(raw);
                }
            }
            long after = usedAfterGc(mem);
            int live = engine.table().size();
            if (live < 10_000) { // GC noise of a few kB swamps the figure below this many flows
                out.printf(Locale.ROOT, "heap per tracked flow (%s): not measured, %d live flows are too few "
                        + "(use a capture with 10,000 or more flows)%n", detect ? "with detector state"
                        : "no detector state", live);
                engine.purgeAll(PurgeReason.SOURCE_END);
                continue;
            }
            out.printf(Locale.ROOT, "heap per tracked flow (%s): %.0f bytes over %d live flows; "
                    + "table preallocation %.1f MB for %d flows (%.1f bytes/slot)%n",
                    detect ? "with detector state" : "no detector state", (after - before) / (double) Math.max(live, 1),
                    live, engine.table().preallocatedBytes() / 1e6, engine.table().capacity(),
                    engine.table().preallocatedBytes() / (double) engine.table().capacity());
            engine.purgeAll(PurgeReason.SOURCE_END);
        }
    }

    private static long usedAfterGc(MemoryMXBean mem) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return mem.getHeapMemoryUsage().getUsed();
    }
}
