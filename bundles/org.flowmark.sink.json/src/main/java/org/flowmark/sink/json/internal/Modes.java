package org.flowmark.sink.json.internal;

import java.util.Locale;
import java.util.function.UnaryOperator;

/** Framework properties the sink reads at activation. */
final class Modes {

    /** Agent mode: {@code live} (default), {@code read} (capture files) or {@code demo}. */
    static final String MODE = "flowmark.mode";
    /** Built-in stdout output: {@code ndjson}, {@code table} or {@code none} (default). */
    static final String OUTPUT_FORMAT = "flowmark.output.format";

    private Modes() {
    }

    /**
     * True when outputs must wait for room rather than drop (reading files or demo: nothing may be lost, and
     * slowing the reader down is harmless); false for live capture, where the sink must never hold the agent.
     */
    static boolean backpressure(UnaryOperator<String> properties) {
        String mode = properties.apply(MODE);
        if (mode == null) {
            return false;
        }
        String m = mode.trim().toLowerCase(Locale.ROOT);
        return m.equals("read") || m.equals("demo");
    }
}
