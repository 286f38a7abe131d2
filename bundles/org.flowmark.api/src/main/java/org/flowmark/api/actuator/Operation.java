package org.flowmark.api.actuator;

/** What to do with a flow's kernel state. */
public enum Operation {
    /** The flow matched a rule: create the element/mark (with its timeout). */
    ADD,
    /** The flow is still active: extend the element's timeout before it runs out. */
    REFRESH,
    /** The flow was purged and the rule asks for removal. */
    REMOVE
}
