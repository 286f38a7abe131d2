package org.flowmark.capture.internal.engine;

import java.util.List;

import org.flowmark.api.detector.Budgets;
import org.flowmark.capture.internal.dispatch.Dispatcher;
import org.flowmark.capture.internal.flow.LocalNetworks;

/**
 * The capture engine's settings, validated. Built from the {@code org.flowmark.capture} configuration.
 *
 * @param maxFlows          flow table capacity
 * @param udpTimeoutSec     idle timeout of UDP and other flows (netifyd: 30 s)
 * @param tcpTimeoutSec     idle timeout of TCP flows (netifyd: 300 s)
 * @param closedTimeoutSec  linger of TCP flows after FIN both ways or RST
 * @param dpiPackets        payload packets per flow handed to detectors
 * @param maxFaults         detector faults before a detector is disabled
 * @param localNetworks     CIDR prefixes of the local side
 * @param expireIdle        expire idle and closed flows by the packet clock; false for capture-file analysis,
 *                          where each conversation is reported once per file (eviction still bounds the table)
 * @param callBudgetMicros  a timed detector call longer than this is an overrun
 * @param maxOverruns       overruns after which a detector is disabled
 */
public record EngineConfig(int maxFlows, int udpTimeoutSec, int tcpTimeoutSec, int closedTimeoutSec, int dpiPackets,
        int maxFaults, List<String> localNetworks, boolean expireIdle, long callBudgetMicros, int maxOverruns) {

    public static final EngineConfig DEFAULTS = new EngineConfig(262_144, 30, 300, 10,
            Budgets.DEFAULT_PACKETS_PER_FLOW, Budgets.DEFAULT_MAX_FAULTS, LocalNetworks.DEFAULTS, true);

    /** Settings with the detector time budget from the framework/system properties or the built-in defaults. */
    public EngineConfig(int maxFlows, int udpTimeoutSec, int tcpTimeoutSec, int closedTimeoutSec, int dpiPackets,
            int maxFaults, List<String> localNetworks, boolean expireIdle) {
        this(maxFlows, udpTimeoutSec, tcpTimeoutSec, closedTimeoutSec, dpiPackets, maxFaults, localNetworks,
                expireIdle, -1, -1);
    }

    public EngineConfig {
        if (maxFlows < 16) {
            throw new IllegalArgumentException("max_flows must be at least 16: " + maxFlows);
        }
        if (udpTimeoutSec < 1 || tcpTimeoutSec < 1 || closedTimeoutSec < 0) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (dpiPackets < 1 || dpiPackets > 1024) {
            throw new IllegalArgumentException("dpi_packets must be within 1..1024: " + dpiPackets);
        }
        callBudgetMicros = Dispatcher.callBudgetMicros(callBudgetMicros);
        maxOverruns = Dispatcher.maxOverruns(maxOverruns);
        if (callBudgetMicros < 1 || maxOverruns < 1) {
            throw new IllegalArgumentException("detectorCallBudgetMicros and detectorMaxOverruns must be at least 1: "
                    + callBudgetMicros + ", " + maxOverruns);
        }
        localNetworks = List.copyOf(localNetworks);
        LocalNetworks.parse(localNetworks); // validates, with a message naming the bad entry
    }

    /** The same settings with idle expiry switched on or off. */
    public EngineConfig withExpireIdle(boolean on) {
        return new EngineConfig(maxFlows, udpTimeoutSec, tcpTimeoutSec, closedTimeoutSec, dpiPackets, maxFaults,
                localNetworks, on, callBudgetMicros, maxOverruns);
    }
}
