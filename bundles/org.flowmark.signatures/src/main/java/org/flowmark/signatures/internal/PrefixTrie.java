package org.flowmark.signatures.internal;

import java.util.Arrays;

/**
 * Longest-prefix match over IPv4 or IPv6 addresses: a binary trie in parallel int arrays (one node per prefix
 * bit), built once and then read-only. A lookup walks at most 32 or 128 nodes and allocates nothing; it returns
 * the deepest prefix whose value satisfies a filter (so a restricted longer prefix falls back to a shorter one).
 */
final class PrefixTrie<V> {

    /** Decides whether a stored value applies. */
    interface Filter<V> {
        boolean test(V value);
    }

    private final int bits;
    private int[] zero;
    private int[] one;
    private Object[] values;
    private int size = 1;

    PrefixTrie(int bits) {
        this.bits = bits;
        zero = new int[64];
        one = new int[64];
        values = new Object[64];
    }

    int bits() {
        return bits;
    }

    /**
     * Stores {@code value} for {@code addr/prefixLen}; returns the value already stored for exactly that prefix
     * (which is kept), or null when the prefix was new.
     */
    @SuppressWarnings("unchecked")
    V insert(byte[] addr, int prefixLen, V value) {
        int node = 0;
        for (int i = 0; i < prefixLen; i++) {
            boolean bit = (addr[i >>> 3] & (0x80 >>> (i & 7))) != 0;
            int[] next = bit ? one : zero;
            if (next[node] == 0) {
                if (size == zero.length) {
                    int n = size * 2;
                    zero = Arrays.copyOf(zero, n);
                    one = Arrays.copyOf(one, n);
                    values = Arrays.copyOf(values, n);
                    next = bit ? one : zero;
                }
                next[node] = size++;
            }
            node = next[node];
        }
        if (values[node] != null) {
            return (V) values[node];
        }
        values[node] = value;
        return null;
    }

    /** The value of the longest prefix covering {@code addr[0, bits/8)} that passes {@code filter}, or null. */
    @SuppressWarnings("unchecked")
    V match(byte[] addr, Filter<V> filter) {
        int node = 0;
        V best = null;
        for (int i = 0;; i++) {
            Object v = values[node];
            if (v != null && (filter == null || filter.test((V) v))) {
                best = (V) v;
            }
            if (i == bits) {
                return best;
            }
            boolean bit = (addr[i >>> 3] & (0x80 >>> (i & 7))) != 0;
            int next = bit ? one[node] : zero[node];
            if (next == 0) {
                return best;
            }
            node = next;
        }
    }

    /** Nodes in use (for tests and statistics). */
    int nodes() {
        return size;
    }
}
