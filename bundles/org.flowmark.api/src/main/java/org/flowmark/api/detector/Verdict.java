package org.flowmark.api.detector;

/** The three outcomes of {@link Detector#inspect}. */
public enum Verdict {
    /** Not decided yet: call again with the flow's next packet (within the flow's packet budget). */
    NEED_MORE,
    /** This detector recognised the flow and filled the {@link DetectionBuilder}. */
    DETECTED,
    /** This flow is not this detector's protocol: it is never called again for this flow. */
    EXCLUDED
}
