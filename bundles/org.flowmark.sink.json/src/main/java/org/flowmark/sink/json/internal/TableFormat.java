package org.flowmark.sink.json.internal;

import org.flowmark.api.flow.CaptureStats;
import org.flowmark.api.flow.Detection;
import org.flowmark.api.flow.FlowRecord;

/**
 * The human {@code table} format: one fixed-width line per purged flow, under a header line. Columns:
 * source file base name, transport, local endpoint, direction ({@code ->} when the local side initiated,
 * {@code <-} otherwise), other endpoint, {@code protocol[.application]}, host name, packets, bytes.
 *
 * <p>Text columns (source, protocol, host) are cut to their width with a trailing {@code ~}; endpoints are never
 * cut (IPv6 in brackets); an endpoint longer than {@value #ENDPOINT} characters pushes the rest of its line right.
 * Classified and status records have no table line; a source end gives one {@code #} comment line.
 */
public final class TableFormat {

    static final int SOURCE = 16;
    static final int PROTO = 5;
    static final int ENDPOINT = 28;
    static final int PROTOCOL = 20;
    static final int HOST = 32;
    static final int PACKETS = 9;
    static final int BYTES = 12;

    public static final String HEADER = format("SOURCE", "PROTO", "LOCAL", "  ", "OTHER", "PROTOCOL", "HOST",
            "PACKETS", "BYTES");

    private TableFormat() {
    }

    /** The table line of a purged flow, without trailing newline. */
    public static String row(FlowRecord f) {
        Detection d = f.detection() != null ? f.detection() : Detection.NONE;
        String proto = d.application() != null ? d.protocol() + "." + d.application() : d.protocol();
        return format(baseName(f.source()), transport(f.ipProtocol()),
                endpoint(f.localIp(), f.localPort(), f.ipProtocol()), f.localIsInitiator() ? "->" : "<-",
                endpoint(f.otherIp(), f.otherPort(), f.ipProtocol()), proto,
                d.hostname() != null ? d.hostname() : "-",
                Long.toString(f.localPackets() + f.otherPackets()), Long.toString(f.localBytes() + f.otherBytes()));
    }

    /** The comment line closing a source, without trailing newline. */
    public static String sourceEnd(String source, CaptureStats s, boolean failed, String error) {
        StringBuilder b = new StringBuilder("# end of ").append(source != null ? source : "?");
        if (s != null) {
            b.append(": ").append(s.packets()).append(" packets, ").append(s.bytes()).append(" bytes, ")
                    .append(s.flowsCreated()).append(" flows, ").append(s.decodeErrors()).append(" decode errors, ")
                    .append(s.kernelDrops() + s.agentDrops()).append(" drops");
        }
        if (failed) {
            b.append(" FAILED").append(error != null ? ": " + error : "");
        }
        return b.toString();
    }

    private static String format(String source, String proto, String local, String dir, String other,
            String protocol, String host, String packets, String bytes) {
        StringBuilder b = new StringBuilder(180);
        padRight(b, cut(source, SOURCE), SOURCE);
        b.append(' ');
        padRight(b, cut(proto, PROTO), PROTO);
        b.append(' ');
        padRight(b, local, ENDPOINT);
        b.append(' ').append(dir).append(' ');
        padRight(b, other, ENDPOINT);
        b.append(' ');
        padRight(b, cut(protocol, PROTOCOL), PROTOCOL);
        b.append(' ');
        padRight(b, cut(host, HOST), HOST);
        b.append(' ');
        padLeft(b, packets, PACKETS);
        b.append(' ');
        padLeft(b, bytes, BYTES);
        return b.toString();
    }

    static String transport(int ipProtocol) {
        return switch (ipProtocol) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 1 -> "icmp";
            case 58 -> "icmp6";
            case 132 -> "sctp";
            case 47 -> "gre";
            case 50 -> "esp";
            case 2 -> "igmp";
            default -> Integer.toString(ipProtocol);
        };
    }

    static String endpoint(String ip, int port, int ipProtocol) {
        String addr = ip == null ? "?" : ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
        boolean ported = ipProtocol == 6 || ipProtocol == 17 || ipProtocol == 132 || port != 0;
        return ported ? addr + ":" + port : addr;
    }

    static String baseName(String source) {
        if (source == null) {
            return "-";
        }
        int slash = source.lastIndexOf('/');
        return slash >= 0 && slash < source.length() - 1 ? source.substring(slash + 1) : source;
    }

    static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "~";
    }

    private static void padRight(StringBuilder b, String s, int width) {
        b.append(s);
        for (int i = s.length(); i < width; i++) {
            b.append(' ');
        }
    }

    private static void padLeft(StringBuilder b, String s, int width) {
        for (int i = s.length(); i < width; i++) {
            b.append(' ');
        }
        b.append(s);
    }
}
