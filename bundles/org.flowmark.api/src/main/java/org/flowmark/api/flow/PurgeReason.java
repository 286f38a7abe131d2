package org.flowmark.api.flow;

/** Why a flow left the flow table. */
public enum PurgeReason {
    /** No packet within the idle timeout of its protocol. */
    IDLE,
    /** TCP FIN from both sides or RST, and the short close linger passed. */
    CLOSED,
    /** The table was full and this was the idlest flow. */
    EVICTED,
    /** The capture source ended (end of file, agent shutdown). */
    SOURCE_END;

    /** Lower-case name used in records. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
