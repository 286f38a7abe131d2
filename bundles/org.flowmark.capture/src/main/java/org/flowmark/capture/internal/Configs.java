package org.flowmark.capture.internal;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;

import org.flowmark.capture.internal.engine.EngineConfig;

/** Conversions of the capture configuration. */
final class Configs {
    private Configs() {
    }

    /** Splits every element on commas and trims: {@code .cfg} files give lists as one comma-separated string. */
    static List<String> list(String[] values) {
        List<String> out = new ArrayList<>();
        if (values != null) {
            for (String v : values) {
                for (String part : v.split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.trim());
                    }
                }
            }
        }
        return out;
    }

    static EngineConfig engine(CaptureConfig c) {
        return new EngineConfig(c.maxFlows(), c.udpTimeout(), c.tcpTimeout(), c.tcpClosedTimeout(), c.dpiPackets(),
                c.maxDetectorFaults(), list(c.localNetworks()), true, c.detectorCallBudgetMicros(),
                c.detectorMaxOverruns());
    }

    /**
     * A {@link CaptureConfig} over configuration properties (or the defaults when {@code props} is null), for code
     * that reads ConfigurationAdmin itself. Values may be strings (from {@code .cfg} files) or typed.
     */
    static CaptureConfig of(Dictionary<String, ?> props) {
        return (CaptureConfig) Proxy.newProxyInstance(CaptureConfig.class.getClassLoader(),
                new Class<?>[] {CaptureConfig.class}, (proxy, m, args) -> {
                Object dflt = m.getDefaultValue();
                if (dflt == null) {
                    switch (m.getName()) {
                        case "annotationType": return CaptureConfig.class;
                        case "toString": return "CaptureConfig" + props;
                        case "hashCode": return System.identityHashCode(proxy);
                        case "equals": return proxy == args[0];
                        default: throw new UnsupportedOperationException(m.getName());
                    }
                }
                Object v = props == null ? null : props.get(m.getName());
                if (v == null) {
                    return dflt;
                }
                Class<?> t = m.getReturnType();
                String s = v instanceof String[] ? String.join(",", (String[]) v) : String.valueOf(v).trim();
                try {
                    if (t == int.class) {
                        return v instanceof Number ? ((Number) v).intValue() : Integer.parseInt(s);
                    }
                    if (t == boolean.class) {
                        return v instanceof Boolean ? v : Boolean.parseBoolean(s);
                    }
                    if (t == String[].class) {
                        return v instanceof String[] ? v : new String[] {s};
                    }
                    return s;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("org.flowmark.capture: " + m.getName() + " = '" + s
                            + "' is not a number");
                }
            });
    }
}
