package org.flowmark.signatures.internal;

import java.util.Locale;
import java.util.Map;

/**
 * Immutable host name matcher: exact names ({@code zoom.us}) and subdomain wildcards ({@code *.zoom.us}, any name
 * ending in {@code .zoom.us}). A lookup walks the host name once from its end, computing the hash of each suffix
 * that starts at a label boundary (the same polynomial as {@link String#hashCode}, so suffixes are never copied),
 * and probes two open-addressing tables: O(labels) probes, no allocation, no regular expression. The most specific
 * pattern wins: the exact name, else the longest matching wildcard suffix.
 */
final class DomainTable {

    /** A match: the application and the pattern as written in the signature file. */
    static final class Entry {
        final App app;
        final String pattern;

        Entry(App app, String pattern) {
            this.app = app;
            this.pattern = pattern;
        }
    }

    static final DomainTable EMPTY = new DomainTable(Map.of(), Map.of());

    private final String[] exactKeys;
    private final Entry[] exactValues;
    private final String[] wildKeys;
    private final Entry[] wildValues;

    /**
     * @param exact    lowercase names to entries
     * @param wildcard lowercase suffixes (without the {@code "*."}) to entries
     */
    DomainTable(Map<String, Entry> exact, Map<String, Entry> wildcard) {
        int ne = capacity(exact.size());
        exactKeys = new String[ne];
        exactValues = new Entry[ne];
        exact.forEach((k, v) -> put(exactKeys, exactValues, k, v));
        int nw = capacity(wildcard.size());
        wildKeys = new String[nw];
        wildValues = new Entry[nw];
        wildcard.forEach((k, v) -> put(wildKeys, wildValues, k, v));
    }

    private static int capacity(int n) {
        int c = 4;
        while (c < n * 2) {
            c <<= 1;
        }
        return c;
    }

    private static void put(String[] keys, Entry[] values, String k, Entry v) {
        int mask = keys.length - 1;
        int i = mix(k.hashCode()) & mask;
        while (keys[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = k;
        values[i] = v;
    }

    private static int mix(int h) {
        return h ^ (h >>> 16);
    }

    private static Entry get(String[] keys, Entry[] values, int hash, String host, int from, int to) {
        int mask = keys.length - 1;
        int len = to - from;
        for (int i = mix(hash) & mask;; i = (i + 1) & mask) {
            String k = keys[i];
            if (k == null) {
                return null;
            }
            if (k.length() == len && k.regionMatches(true, 0, host, from, len)) {
                return values[i];
            }
        }
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    /** The most specific entry for {@code host} (ASCII case ignored, one trailing dot ignored), or null. */
    Entry match(String host) {
        return match(host, false);
    }

    /**
     * Like {@link #match(String)}; with {@code subdomainOnly} the host stands for "some name below it" (a
     * certificate's {@code *.example.com} with the {@code "*."} removed): exact names never match it, wildcards
     * match from the host itself upwards.
     */
    Entry match(String host, boolean subdomainOnly) {
        int n = host.length();
        if (n > 0 && host.charAt(n - 1) == '.') {
            n--;
        }
        if (n == 0) {
            return null;
        }
        Entry best = null;
        int h = 0;
        int pow = 1;
        for (int i = n - 1; i >= 0; i--) {
            char c = host.charAt(i);
            h += lower(c) * pow;
            pow *= 31;
            if (i == 0 || host.charAt(i - 1) == '.') {
                if (i > 0 || subdomainOnly) {
                    Entry e = get(wildKeys, wildValues, h, host, i, n);
                    if (e != null) {
                        best = e; // walking leftwards: a later hit is a longer suffix
                    }
                } else {
                    Entry e = get(exactKeys, exactValues, h, host, 0, n);
                    if (e != null) {
                        return e;
                    }
                }
            }
        }
        return best;
    }

    /** Normalises a pattern from a file: lower case, no trailing dot. */
    static String normalise(String pattern) {
        String p = pattern.toLowerCase(Locale.ROOT);
        return p.endsWith(".") ? p.substring(0, p.length() - 1) : p;
    }
}
