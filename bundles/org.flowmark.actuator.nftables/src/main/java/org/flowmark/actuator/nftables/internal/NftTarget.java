package org.flowmark.actuator.nftables.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.flow.FlowRecord;

/**
 * Renders an {@code nftables} action into nft terms: which set (name and typed concatenation) and which element.
 *
 * <p>Parameters of an {@code nftables} action (rule syntax {@code nftables:key=value;key=value}):
 * <ul>
 * <li>{@code set} (required): the name of the set for IPv4 flows; {@code set6}: the set for IPv6 flows (default
 * {@code set} + "6"). Both live in the actuator's own table (default {@code inet flowmark}) and are created when
 * absent with {@code flags timeout};</li>
 * <li>{@code layout} (default {@code other_ip,other_port,local_ip}): the element, one flow field per concatenation
 * member: {@code other_ip} and {@code local_ip} ({@code ipv4_addr}, or {@code ipv6_addr} in the IPv6 set),
 * {@code other_port} and {@code local_port} ({@code inet_service}), {@code proto} ({@code inet_proto}).
 * A single field gives a plain address (or port) set, e.g. {@code layout=other_ip};</li>
 * <li>{@code timeout} (seconds, common to all actions): each element is (re)inserted with it, so it expires that
 * long after its last ADD/REFRESH; 0 or absent: no timeout.</li>
 * </ul>
 * The default layout gives sets of type {@code ipv4_addr . inet_service . ipv4_addr} and
 * {@code ipv6_addr . inet_service . ipv6_addr}, matched from the LAN side's original direction by
 * {@code ip daddr . th dport . ip saddr @NAME}.
 */
final class NftTarget {
    private NftTarget() {
    }

    static final int MAX_NAME = 63;
    static final String DEFAULT_LAYOUT = "other_ip,other_port,local_ip";

    /** Parsed layouts and checked set names (rules have few): batches of thousands parse each once. */
    private static final Map<String, List<String>> LAYOUTS = new ConcurrentHashMap<>();
    private static final Set<String> CHECKED = ConcurrentHashMap.newKeySet();

    /** Where an action goes: set name and type, element key, timeout (seconds, 0: none). */
    record Target(String set, String type, String key, long timeout) {
        String keyWithTimeout() {
            return timeout > 0 ? key + " timeout " + timeout + "s" : key;
        }
    }

    static Target target(Action a) {
        FlowRecord f = a.flow();
        if (f == null) {
            throw new IllegalArgumentException("nftables action without a flow");
        }
        String base = a.params().get("set");
        if (base == null || base.isBlank()) {
            throw new IllegalArgumentException("nftables action needs set=NAME");
        }
        boolean v6;
        if (f.ipVersion() == 6) {
            v6 = true;
        } else if (f.ipVersion() == 4) {
            v6 = false;
        } else {
            throw new IllegalArgumentException("flow " + f.id() + ": IP version " + f.ipVersion());
        }
        String set = v6 ? a.param("set6", base.trim() + "6").trim() : base.trim();
        if (!CHECKED.contains(set)) {
            checkName(set);
            if (CHECKED.size() < 1024) {
                CHECKED.add(set);
            }
        }
        String layoutText = a.param("layout", DEFAULT_LAYOUT);
        List<String> layout = LAYOUTS.get(layoutText);
        if (layout == null) {
            layout = layout(layoutText);
            if (LAYOUTS.size() < 256) {
                LAYOUTS.put(layoutText, layout);
            }
        }
        StringBuilder type = new StringBuilder();
        StringBuilder key = new StringBuilder();
        for (String field : layout) {
            if (type.length() > 0) {
                type.append(" . ");
                key.append(" . ");
            }
            switch (field) {
                case "other_ip" -> {
                    type.append(v6 ? "ipv6_addr" : "ipv4_addr");
                    key.append(address(f.otherIp(), v6));
                }
                case "local_ip" -> {
                    type.append(v6 ? "ipv6_addr" : "ipv4_addr");
                    key.append(address(f.localIp(), v6));
                }
                case "other_port" -> {
                    type.append("inet_service");
                    key.append(port(f.otherPort()));
                }
                case "local_port" -> {
                    type.append("inet_service");
                    key.append(port(f.localPort()));
                }
                case "proto" -> {
                    type.append("inet_proto");
                    if (f.ipProtocol() < 0 || f.ipProtocol() > 255) {
                        throw new IllegalArgumentException("flow " + f.id() + ": protocol " + f.ipProtocol());
                    }
                    key.append(f.ipProtocol());
                }
                default -> throw new IllegalStateException(field);
            }
        }
        return new Target(set, type.toString(), key.toString(), Math.max(0, a.timeoutSeconds()));
    }

    static List<String> layout(String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            switch (p) {
                case "other_ip", "local_ip", "other_port", "local_port", "proto" -> out.add(p);
                default -> throw new IllegalArgumentException("layout '" + text + "': unknown field '" + part.trim()
                        + "' (use other_ip, local_ip, other_port, local_port, proto)");
            }
        }
        if (out.isEmpty() || out.size() > 5) {
            throw new IllegalArgumentException("layout '" + text + "' needs 1 to 5 fields");
        }
        return List.copyOf(out);
    }

    static void checkName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("set name '" + name + "': 1 to " + MAX_NAME
                    + " letters, digits or '_', not starting with a digit");
        }
    }

    private static int port(int p) {
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port " + p);
        }
        return p;
    }

    /** The address as text, checked so that nothing but an address literal reaches the nft script. */
    static String address(String ip, boolean v6) {
        if (ip == null || ip.isEmpty() || ip.length() > 45) {
            throw new IllegalArgumentException("bad address '" + ip + "'");
        }
        if (v6) {
            for (int i = 0; i < ip.length(); i++) {
                char c = ip.charAt(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                    throw new IllegalArgumentException("bad IPv6 address '" + ip + "'");
                }
            }
            if (ip.indexOf(':') < 0) {
                throw new IllegalArgumentException("bad IPv6 address '" + ip + "'");
            }
        } else {
            int dots = 0;
            int value = 0;
            int digits = 0;
            for (int i = 0; i <= ip.length(); i++) {
                char c = i < ip.length() ? ip.charAt(i) : '.';
                if (c == '.') {
                    if (digits == 0 || value > 255) {
                        throw new IllegalArgumentException("bad IPv4 address '" + ip + "'");
                    }
                    dots++;
                    value = 0;
                    digits = 0;
                } else if (c >= '0' && c <= '9' && digits < 3) {
                    value = value * 10 + (c - '0');
                    digits++;
                } else {
                    throw new IllegalArgumentException("bad IPv4 address '" + ip + "'");
                }
            }
            if (dots != 4) {
                throw new IllegalArgumentException("bad IPv4 address '" + ip + "'");
            }
        }
        return ip;
    }
}
