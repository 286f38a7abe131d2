package org.flowmark.signatures.internal;

import java.util.Arrays;
import java.util.Set;

/**
 * One application signature as the index uses it: name, category, the file it came from, and the optional
 * restrictions on network matches (other-side ports, detected protocols). Immutable.
 */
final class App {

    final int id;
    final String name;
    final String category;
    final String file;
    /** Sorted ports; empty = any. Only narrows network matches. */
    final int[] ports;
    /** Protocol names ("Unknown" for a flow no detector named); empty = any. Only narrows network matches. */
    final Set<String> protocols;

    App(int id, String name, String category, String file, int[] ports, Set<String> protocols) {
        this.id = id;
        this.name = name;
        this.category = category;
        this.file = file;
        this.ports = ports.clone();
        Arrays.sort(this.ports);
        this.protocols = Set.copyOf(protocols);
    }

    /** True when a network match of this application applies to a flow with this other port and protocol. */
    boolean networkApplies(int otherPort, String protocol) {
        if (ports.length > 0 && Arrays.binarySearch(ports, otherPort) < 0) {
            return false;
        }
        return protocols.isEmpty() || protocols.contains(protocol == null ? "Unknown" : protocol);
    }

    @Override
    public String toString() {
        return name + " (" + file + ")";
    }
}
