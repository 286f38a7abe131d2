package org.flowmark.policy.internal.expr;

import java.util.Map;

import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;

/** The flow fields a match expression can test, by the name the expression uses. */
enum Field {
    APPLICATION("application", Kind.STRING),
    PROTOCOL("protocol", Kind.STRING),
    CATEGORY("category", Kind.STRING),
    HOSTNAME("hostname", Kind.STRING),
    TLS_VERSION("tls_version", Kind.STRING),
    INTERFACE("interface", Kind.STRING),
    RISK("risk", Kind.RISK),
    LOCAL_IP("local_ip", Kind.IP),
    OTHER_IP("other_ip", Kind.IP),
    LOCAL_PORT("local_port", Kind.PORT),
    OTHER_PORT("other_port", Kind.PORT),
    IP_PROTOCOL("ip_protocol", Kind.PROTO);

    enum Kind { STRING, RISK, IP, PORT, PROTO }

    final String label;
    final Kind kind;

    Field(String label, Kind kind) {
        this.label = label;
        this.kind = kind;
    }

    static Field byLabel(String s) {
        for (Field f : values()) {
            if (f.label.equals(s)) {
                return f;
            }
        }
        return null;
    }

    static String labels() {
        StringBuilder sb = new StringBuilder();
        for (Field f : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(f.label);
        }
        return sb.toString();
    }

    /** The value of a string field, or null when the flow has none. */
    String string(FlowRecord r) {
        Detection d = r.detection();
        switch (this) {
            case APPLICATION: return d.application();
            case PROTOCOL: return d.protocol();
            case CATEGORY: return d.category();
            case HOSTNAME: return d.hostname();
            case INTERFACE: return r.source();
            case TLS_VERSION: {
                Map<String, Object> ssl = d.metadata().get("ssl");
                Object v = ssl != null ? ssl.get("version") : null;
                return v instanceof String ? (String) v : null;
            }
            default: throw new IllegalStateException(label + " is not a string field");
        }
    }

    int number(FlowRecord r) {
        switch (this) {
            case LOCAL_PORT: return r.localPort();
            case OTHER_PORT: return r.otherPort();
            case IP_PROTOCOL: return r.ipProtocol();
            default: throw new IllegalStateException(label + " is not a number field");
        }
    }
}
