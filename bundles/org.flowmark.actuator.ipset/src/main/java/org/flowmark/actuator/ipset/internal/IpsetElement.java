package org.flowmark.actuator.ipset.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.flow.FlowRecord;

/**
 * Renders an action into ipset terms: which set (name, type, family, timeout) and which element.
 *
 * <p>Parameters of an {@code ipset} action:
 * <ul>
 * <li>{@code set} (required): the IPv4 set's name; {@code set6}: the IPv6 set's name (default {@code set} + "6");
 * a flow goes to the set of its IP version, created with {@code family inet} or {@code family inet6};</li>
 * <li>{@code set_type} (default {@code hash:ip}): {@code hash:} followed by 1 to 3 of {@code ip}, {@code net},
 * {@code port} ({@code hash:ip}, {@code hash:ip,port}, {@code hash:ip,port,ip}, {@code hash:net},
 * {@code hash:net,port}, {@code hash:ip,port,net}, {@code hash:net,net}, ...);</li>
 * <li>{@code layout}: one flow field per dimension of the type: {@code other_ip}/{@code local_ip} for {@code ip}
 * and {@code net}, {@code other_port}/{@code local_port} for {@code port}; default: the first address dimension is
 * {@code other_ip}, the second {@code local_ip}, ports are {@code other_port};</li>
 * <li>{@code timeout} (seconds, the action's common parameter): the set is created with that default timeout and
 * each element is added with it ({@code -exist add} then refreshes it); 0 or absent: no timeout.</li>
 * </ul>
 * Ports render as {@code tcp:P}, {@code udp:P}, {@code sctp:P}, {@code udplite:P}; ICMP as {@code icmp:T/C}
 * (ICMPv6 {@code icmpv6:T/C}) from the port the core reports ({@code T<<8|C}); other protocols as
 * {@code <number>:0}.
 */
final class IpsetElement {
    private IpsetElement() {
    }

    static final int MAX_NAME = 31;

    enum Dim { IP, NET, PORT }

    /** Where an action goes: set name, ipset type, family and the element line parts. */
    record Target(String set, String type, String family, long timeout, String element) {
        String createLine() {
            return "create " + set + " " + type + " family " + family + (timeout > 0 ? " timeout " + timeout : "");
        }

        String addLine() {
            return "add " + set + " " + element + (timeout > 0 ? " timeout " + timeout : "");
        }

        String delLine() {
            return "del " + set + " " + element;
        }
    }

    static Target target(Action a) {
        FlowRecord f = a.flow();
        String base = a.params().get("set");
        if (base == null || base.isBlank()) {
            throw new IllegalArgumentException("ipset action needs set=NAME");
        }
        boolean v6 = f.ipVersion() == 6;
        String set = v6 ? a.param("set6", base + "6") : base;
        checkName(set);
        String type = a.param("set_type", "hash:ip").trim().toLowerCase(Locale.ROOT);
        List<Dim> dims = dims(type);
        List<String> layout = layout(a.params().get("layout"), dims);
        StringBuilder el = new StringBuilder();
        for (int i = 0; i < dims.size(); i++) {
            if (i > 0) {
                el.append(',');
            }
            String field = layout.get(i);
            switch (field) {
                case "other_ip": el.append(f.otherIp()); break;
                case "local_ip": el.append(f.localIp()); break;
                case "other_port": port(el, f, f.otherPort()); break;
                case "local_port": port(el, f, f.localPort()); break;
                default: throw new IllegalStateException(field);
            }
        }
        return new Target(set, type, v6 ? "inet6" : "inet", a.timeoutSeconds(), el.toString());
    }

    static void checkName(String set) {
        if (set.length() > MAX_NAME || set.isEmpty()) {
            throw new IllegalArgumentException("ipset set name '" + set + "' must be 1 to " + MAX_NAME + " characters");
        }
        for (int i = 0; i < set.length(); i++) {
            char c = set.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.')) {
                throw new IllegalArgumentException("ipset set name '" + set
                        + "' may hold letters, digits, '_', '-', '.' only");
            }
        }
    }

    static List<Dim> dims(String type) {
        if (!type.startsWith("hash:")) {
            throw new IllegalArgumentException("ipset set_type '" + type
                    + "' is not supported (hash:ip, hash:ip,port, hash:ip,port,ip, hash:net, hash:net,port, ...)");
        }
        List<Dim> dims = new ArrayList<>();
        for (String d : type.substring(5).split(",", -1)) {
            switch (d) {
                case "ip": dims.add(Dim.IP); break;
                case "net": dims.add(Dim.NET); break;
                case "port": dims.add(Dim.PORT); break;
                default:
                    throw new IllegalArgumentException("ipset set_type '" + type + "': dimension '" + d
                            + "' is not supported (ip, net, port)");
            }
        }
        if (dims.size() > 3 || dims.get(0) == Dim.PORT) {
            throw new IllegalArgumentException("ipset set_type '" + type + "' is not a valid ipset type");
        }
        return dims;
    }

    static List<String> layout(String layout, List<Dim> dims) {
        List<String> out = new ArrayList<>();
        if (layout == null || layout.isBlank()) {
            int addresses = 0;
            for (Dim d : dims) {
                out.add(d == Dim.PORT ? "other_port" : addresses++ == 0 ? "other_ip" : "local_ip");
            }
            return out;
        }
        for (String s : layout.split(",")) {
            out.add(s.trim().toLowerCase(Locale.ROOT));
        }
        if (out.size() != dims.size()) {
            throw new IllegalArgumentException("ipset layout '" + layout + "' names " + out.size()
                    + " fields but the set type has " + dims.size() + " dimensions");
        }
        for (int i = 0; i < out.size(); i++) {
            String f = out.get(i);
            boolean port = dims.get(i) == Dim.PORT;
            boolean ok = port ? f.equals("other_port") || f.equals("local_port")
                    : f.equals("other_ip") || f.equals("local_ip");
            if (!ok) {
                throw new IllegalArgumentException("ipset layout '" + layout + "': field " + (i + 1) + " '" + f
                        + "' must be " + (port ? "other_port or local_port" : "other_ip or local_ip")
                        + " for a " + dims.get(i).name().toLowerCase(Locale.ROOT) + " dimension");
            }
        }
        return out;
    }

    private static void port(StringBuilder sb, FlowRecord f, int port) {
        switch (f.ipProtocol()) {
            case 6: sb.append("tcp:").append(port); break;
            case 17: sb.append("udp:").append(port); break;
            case 132: sb.append("sctp:").append(port); break;
            case 136: sb.append("udplite:").append(port); break;
            case 1: sb.append("icmp:").append((port >> 8) & 255).append('/').append(port & 255); break;
            case 58: sb.append("icmpv6:").append((port >> 8) & 255).append('/').append(port & 255); break;
            default: sb.append(f.ipProtocol()).append(":0");
        }
    }
}
