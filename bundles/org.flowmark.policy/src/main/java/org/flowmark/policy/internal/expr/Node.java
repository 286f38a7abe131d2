package org.flowmark.policy.internal.expr;

/**
 * A compiled match expression node. {@link #test} allocates nothing: it reads the flow through the reusable
 * {@link FlowContext} (addresses are parsed once per flow into primitives there).
 */
public interface Node {
    boolean test(FlowContext flow);
}
