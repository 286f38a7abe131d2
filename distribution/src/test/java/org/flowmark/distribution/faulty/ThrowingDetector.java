package org.flowmark.distribution.faulty;

import org.flowmark.api.detector.Detector;
import org.flowmark.api.detector.DetectorContext;
import org.flowmark.api.detector.Verdict;
import org.flowmark.api.packet.PacketView;

/** A broken detector for IsolationIT: throws on every packet. Packed into a bundle by the test. */
public final class ThrowingDetector implements Detector {
    @Override
    public Verdict inspect(DetectorContext ctx, PacketView payload) {
        throw new IllegalStateException("deliberate fault of the test detector");
    }
}
