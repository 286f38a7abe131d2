package org.flowmark.capture.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the capture core, PID {@code org.flowmark.capture} ({@code config/org.flowmark.capture.cfg}). */
@ObjectClassDefinition(name = "Flowmark capture", description = "Interfaces, flow table and detection budgets")
@interface CaptureConfig {
    @AttributeDefinition(description = "Interfaces to capture on in 'flowmark run' (comma-separated)")
    String[] interfaces() default {};

    @AttributeDefinition(description = "Bytes kept per packet")
    int snaplen() default 65535;

    @AttributeDefinition(description = "Promiscuous mode")
    boolean promiscuous() default true;

    @AttributeDefinition(description = "BPF filter expression (empty: all packets)")
    String bpfFilter() default "";

    @AttributeDefinition(description = "Longest time, ms, a captured packet may wait in the kernel ring before the"
            + " agent sees it (libpcap read timeout; the ring hands packets over in blocks). Lower: faster verdicts"
            + " and policy actions; higher: fewer wake-ups")
    int readTimeoutMs() default 10;

    @AttributeDefinition(description = "Kernel capture buffer per interface, MiB")
    int bufferSizeMb() default 8;

    @AttributeDefinition(description = "Local networks (CIDR, comma-separated): the local side of a flow")
    String[] localNetworks() default {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
        "127.0.0.0/8", "169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128"};

    @AttributeDefinition(description = "Flow table capacity per interface; when full the idlest flow is evicted")
    int maxFlows() default 262144;

    @AttributeDefinition(description = "Idle timeout of UDP and other flows, seconds")
    int udpTimeout() default 30;

    @AttributeDefinition(description = "Idle timeout of TCP flows, seconds")
    int tcpTimeout() default 300;

    @AttributeDefinition(description = "Seconds a TCP flow stays after FIN both ways or RST")
    int tcpClosedTimeout() default 10;

    @AttributeDefinition(description = "flowmark read: expire idle flows by the capture's clock like live capture"
            + " (default false: each conversation is reported once per file, as ndpiReader and tshark do)")
    boolean offlineIdleExpiry() default false;

    @AttributeDefinition(description = "Payload packets per flow handed to detectors before giving up")
    int dpiPackets() default 32;

    @AttributeDefinition(description = "Detector exceptions before a detector is disabled")
    int maxDetectorFaults() default 100;

    @AttributeDefinition(description = "A detector call longer than this, microseconds, is an overrun (one call in"
            + " 16 is timed); -1: the framework property flowmark.detector.callBudgetMicros, else 10000")
    int detectorCallBudgetMicros() default -1;

    @AttributeDefinition(description = "Overruns after which a detector is disabled; -1: the framework property"
            + " flowmark.detector.maxOverruns, else 10")
    int detectorMaxOverruns() default -1;

    @AttributeDefinition(description = "Seconds between capture statistics events")
    int statsInterval() default 15;

    @AttributeDefinition(description = "Flow events queued for EventAdmin before dropping (live capture)")
    int eventQueue() default 16384;
}
