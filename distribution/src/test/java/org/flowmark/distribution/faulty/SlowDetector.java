package org.flowmark.distribution.faulty;

import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;

/** A detector for IsolationIT that runs far past its per-call time budget (20 ms a packet), then gives up. */
public final class SlowDetector implements Detector {
    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        long end = System.nanoTime() + 20_000_000L;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        return Verdict.NEED_MORE;
    }
}
