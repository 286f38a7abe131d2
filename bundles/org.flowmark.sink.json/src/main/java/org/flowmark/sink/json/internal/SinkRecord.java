package org.flowmark.sink.json.internal;

/**
 * One record ready for the outputs, serialized once per format when the event arrives.
 *
 * @param kind  which {@code include} class the record belongs to
 * @param json  the NDJSON line (no newline), or null when no output wants NDJSON
 * @param table the table line (no newline), or null when the record has none or no output wants tables
 */
record SinkRecord(Kind kind, String json, String table) {

    /** Record classes an output can include, by their configuration name. */
    enum Kind {
        CLASSIFIED("classified"), PURGE("purge"), STATS("stats");

        final String label;

        Kind(String label) {
            this.label = label;
        }

        static Kind parse(String s) {
            String t = s.trim().toLowerCase(java.util.Locale.ROOT);
            for (Kind k : values()) {
                if (k.label.equals(t)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown include '" + s + "' (expected classified, purge, stats)");
        }
    }

    /** The line this record gives in {@code format}, or null when it has none there. */
    String line(Format format) {
        return format == Format.TABLE ? table : json;
    }

    /** Output formats. */
    enum Format {
        NDJSON("ndjson"), TABLE("table");

        final String label;

        Format(String label) {
            this.label = label;
        }

        static Format parse(String s) {
            String t = s == null ? "" : s.trim().toLowerCase(java.util.Locale.ROOT);
            for (Format f : values()) {
                if (f.label.equals(t)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown format '" + s + "' (expected ndjson or table)");
        }
    }
}
