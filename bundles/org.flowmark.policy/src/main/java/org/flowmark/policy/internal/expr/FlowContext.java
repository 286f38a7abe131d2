package org.flowmark.policy.internal.expr;

import org.flowmark.api.flow.FlowRecord;

/**
 * The flow an expression is evaluated against, with its addresses parsed once into primitives. One instance per
 * evaluating thread, {@link #reset} for each flow: evaluation then allocates nothing.
 */
public final class FlowContext {
    private FlowRecord flow;
    private final IpAddress local = new IpAddress();
    private final IpAddress other = new IpAddress();
    private boolean localParsed;
    private boolean otherParsed;

    public FlowContext reset(FlowRecord record) {
        this.flow = record;
        this.localParsed = false;
        this.otherParsed = false;
        return this;
    }

    public FlowRecord flow() {
        return flow;
    }

    IpAddress localIp() {
        if (!localParsed) {
            local.parse(flow.localIp());
            localParsed = true;
        }
        return local;
    }

    IpAddress otherIp() {
        if (!otherParsed) {
            other.parse(flow.otherIp());
            otherParsed = true;
        }
        return other;
    }
}
