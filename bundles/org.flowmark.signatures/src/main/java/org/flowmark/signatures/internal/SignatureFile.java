package org.flowmark.signatures.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The JSON form of one signature file (see {@code signatures/README.md}), bound by Jackson. Values are validated
 * while they are bound, so an error carries the line and column of the offending value.
 */
public final class SignatureFile {

    /** Where the facts come from (a vendor page), free text. */
    @JsonProperty("source")
    public String source;

    @JsonProperty(value = "applications", required = true)
    public List<Application> applications = new ArrayList<>();

    /** One application. */
    public static final class Application {
        @JsonProperty(value = "id")
        public int id;

        @JsonProperty(value = "name", required = true)
        public Name name;

        @JsonProperty("category")
        public Name category;

        @JsonProperty("source")
        public String source;

        @JsonProperty("domains")
        public List<Domain> domains = new ArrayList<>();

        @JsonProperty("networks")
        public List<Network> networks = new ArrayList<>();

        @JsonProperty("ports")
        public List<Port> ports = new ArrayList<>();

        @JsonProperty("protocols")
        public List<String> protocols = new ArrayList<>();

        @JsonProperty("comment")
        public String comment;
    }

    /** A lowercase name or category: letters, digits, '-', '_', '.'. */
    public static final class Name {
        private static final Pattern OK = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
        final String value;

        @JsonCreator
        public Name(String value) {
            if (value == null || !OK.matcher(value).matches()) {
                throw new IllegalArgumentException("invalid name '" + value
                    + "' (lowercase letters, digits, '.', '_', '-', at most 64)");
            }
            this.value = value;
        }
    }

    /** {@code example.com} (that name only) or {@code *.example.com} (every name below it). */
    public static final class Domain {
        private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");
        final String name;
        final boolean wildcard;
        final String pattern;

        @JsonCreator
        public Domain(String value) {
            if (value == null) {
                throw new IllegalArgumentException("null domain");
            }
            String v = DomainTable.normalise(value.trim());
            boolean w = v.startsWith("*.");
            String n = w ? v.substring(2) : v;
            if (n.isEmpty() || n.length() > 253) {
                throw new IllegalArgumentException("invalid domain '" + value + "'");
            }
            for (String label : n.split("\\.", -1)) {
                if (!LABEL.matcher(label).matches()) {
                    throw new IllegalArgumentException("invalid domain '" + value + "' (label '" + label + "')");
                }
            }
            this.name = n;
            this.wildcard = w;
            this.pattern = v;
        }
    }

    /** A port number 1..65535. */
    public static final class Port {
        final int value;

        @JsonCreator
        public Port(int value) {
            if (value < 1 || value > 65535) {
                throw new IllegalArgumentException("invalid port " + value);
            }
            this.value = value;
        }
    }

    /** An IPv4 or IPv6 prefix in CIDR notation ({@code 192.0.2.0/24}, {@code 2001:db8::/32}); a bare address is /32 or /128. */
    public static final class Network {
        final byte[] address;
        final int prefix;
        final String text;

        @JsonCreator
        public Network(String value) {
            if (value == null) {
                throw new IllegalArgumentException("null network");
            }
            String v = value.trim().toLowerCase(Locale.ROOT);
            int slash = v.indexOf('/');
            String a = slash < 0 ? v : v.substring(0, slash);
            byte[] addr = a.indexOf(':') >= 0 ? Addresses.parseIpv6(a) : Addresses.parseIpv4(a);
            if (addr == null) {
                throw new IllegalArgumentException("invalid network address '" + value + "'");
            }
            int max = addr.length * 8;
            int p = max;
            if (slash >= 0) {
                String ps = v.substring(slash + 1);
                if (!ps.matches("[0-9]{1,3}") || (p = Integer.parseInt(ps)) > max) {
                    throw new IllegalArgumentException("invalid prefix length in '" + value + "'");
                }
            }
            for (int i = p; i < max; i++) {
                if ((addr[i >>> 3] & (0x80 >>> (i & 7))) != 0) {
                    throw new IllegalArgumentException("host bits set in '" + value + "'");
                }
            }
            this.address = addr;
            this.prefix = p;
            this.text = v;
        }
    }
}
