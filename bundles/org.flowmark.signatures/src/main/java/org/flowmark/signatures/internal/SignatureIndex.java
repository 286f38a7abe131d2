package org.flowmark.signatures.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The immutable lookup structures built from every loaded signature file: host names ({@link DomainTable}) and
 * networks ({@link PrefixTrie} for IPv4 and IPv6). Built off the capture thread and swapped in whole.
 */
final class SignatureIndex {

    /** A network match: the application and the prefix as written. */
    static final class NetEntry {
        final App app;
        final String cidr;

        NetEntry(App app, String cidr) {
            this.app = app;
            this.cidr = cidr;
        }
    }

    static final SignatureIndex EMPTY = build(List.of(), w -> { });

    final DomainTable domains;
    final PrefixTrie<NetEntry> v4;
    final PrefixTrie<NetEntry> v6;
    final int applications;
    final int patterns;

    private SignatureIndex(DomainTable domains, PrefixTrie<NetEntry> v4, PrefixTrie<NetEntry> v6, int applications,
            int patterns) {
        this.domains = domains;
        this.v4 = v4;
        this.v6 = v6;
        this.applications = applications;
        this.patterns = patterns;
    }

    /**
     * Builds an index from files (in the given order: for a pattern listed twice, the first file wins and the
     * duplicate is reported to {@code warn}).
     */
    static SignatureIndex build(Collection<SignatureLoader.Loaded> files, Consumer<String> warn) {
        Map<String, DomainTable.Entry> exact = new HashMap<>();
        Map<String, DomainTable.Entry> wild = new HashMap<>();
        PrefixTrie<NetEntry> v4 = new PrefixTrie<>(32);
        PrefixTrie<NetEntry> v6 = new PrefixTrie<>(128);
        int apps = 0;
        int patterns = 0;
        for (SignatureLoader.Loaded f : files) {
            for (SignatureLoader.Spec s : f.specs) {
                apps++;
                for (SignatureFile.Domain d : s.domains) {
                    Map<String, DomainTable.Entry> m = d.wildcard ? wild : exact;
                    DomainTable.Entry old = m.putIfAbsent(d.name, new DomainTable.Entry(s.app, d.pattern));
                    if (old != null && old.app != s.app) {
                        warn.accept(f.file + ": domain " + d.pattern + " of " + s.app.name + " already belongs to "
                            + old.app);
                    }
                    patterns++;
                }
                for (SignatureFile.Network n : s.networks) {
                    PrefixTrie<NetEntry> t = n.address.length == 4 ? v4 : v6;
                    NetEntry old = t.insert(n.address, n.prefix, new NetEntry(s.app, n.text));
                    if (old != null && old.app != s.app) {
                        warn.accept(f.file + ": network " + n.text + " of " + s.app.name + " already belongs to "
                            + old.app);
                    }
                    patterns++;
                }
            }
        }
        return new SignatureIndex(new DomainTable(exact, wild), v4, v6, apps, patterns);
    }

    /** The network entry for {@code addr[0, len)} (4 or 16 bytes) that applies to the port and protocol, or null. */
    NetEntry network(byte[] addr, int len, int otherPort, String protocol) {
        PrefixTrie<NetEntry> t = len == 4 ? v4 : len == 16 ? v6 : null;
        if (t == null) {
            return null;
        }
        return t.match(addr, e -> e.app.networkApplies(otherPort, protocol));
    }

    /** For tests: every application name in the index. */
    static List<String> names(Collection<SignatureLoader.Loaded> files) {
        List<String> out = new ArrayList<>();
        files.forEach(f -> f.specs.forEach(s -> out.add(s.app.name)));
        return out;
    }
}
