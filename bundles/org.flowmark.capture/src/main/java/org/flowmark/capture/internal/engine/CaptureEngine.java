package org.flowmark.capture.internal.engine;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import org.flowmark.api.classify.ApplicationResolver;
import org.flowmark.api.flow.CaptureStats;
import org.flowmark.api.flow.PurgeReason;
import org.flowmark.capture.internal.decode.DecodedPacket;
import org.flowmark.capture.internal.decode.Decoder;
import org.flowmark.capture.internal.dispatch.Dispatcher;
import org.flowmark.capture.internal.dispatch.Generation;
import org.flowmark.capture.internal.flow.Flow;
import org.flowmark.capture.internal.flow.FlowTable;
import org.flowmark.capture.internal.flow.LocalNetworks;
import org.flowmark.capture.internal.source.RawPacket;

/**
 * The packet path of one capture thread: decode, flow lookup, counters, TCP close tracking, detector dispatch and
 * idle expiry. Time is the packets' own clock (so files replay the way they were captured); live sources also call
 * {@link #tick} with the wall clock when no packet arrives. Nothing is allocated per packet.
 */
public final class CaptureEngine implements FlowTable.PurgeListener, Dispatcher.Listener {
    private static final long SECOND = 1_000_000_000L;

    private final Decoder decoder = new Decoder();
    private final DecodedPacket d = new DecodedPacket();
    private final FlowTable table;
    private final Dispatcher dispatcher;
    private final LocalNetworks local;
    private final boolean detect;
    private final boolean expireIdle;
    private FlowEventSink events;
    private String source = "";

    private long clock;
    private long nextExpire;
    private long startedWall = System.nanoTime();

    public long packets;
    public long bytes;
    public long decodeErrors;
    public long notIp;
    public long fragments;
    public long kernelDrops;
    public long agentDrops;
    public long eventsDropped;
    private long createdAtStart;
    private long evictedAtStart;
    /** Flows purged per final protocol name, for summaries. */
    private final Map<String, long[]> protocols = new TreeMap<>();

    /**
     * @param detect false for a decode-and-track-only engine (benchmark baseline)
     */
    public CaptureEngine(EngineConfig cfg, Supplier<Generation> generations, Supplier<ApplicationResolver[]> resolvers,
            FlowEventSink events, boolean detect, Dispatcher.FaultListener faults) {
        this.table = new FlowTable(cfg.maxFlows(), cfg.udpTimeoutSec() * SECOND, cfg.tcpTimeoutSec() * SECOND,
                cfg.closedTimeoutSec() * SECOND, this);
        this.dispatcher = new Dispatcher(generations, resolvers, cfg.dpiPackets(), cfg.maxFaults(),
                cfg.callBudgetMicros(), cfg.maxOverruns(), this, faults);
        this.local = LocalNetworks.parse(cfg.localNetworks());
        this.events = events;
        this.detect = detect;
        this.expireIdle = cfg.expireIdle();
    }

    /** Starts counting for a new source (a file, an interface); the flow table must be empty or shared. */
    public void startSource(String name) {
        this.source = name;
        packets = bytes = decodeErrors = notIp = fragments = kernelDrops = agentDrops = 0;
        createdAtStart = table.created;
        evictedAtStart = table.evicted;
        clock = 0;
        nextExpire = 0;
        startedWall = System.nanoTime();
    }

    public void events(FlowEventSink events) {
        this.events = events;
    }

    public FlowTable table() {
        return table;
    }

    public Decoder decoder() {
        return decoder;
    }

    /** Processes one captured packet. */
    public void process(RawPacket raw) {
        packets++;
        bytes += raw.wirelen;
        int rc = decoder.decode(raw, d);
        if (rc != Decoder.OK && rc != Decoder.FRAGMENT_UNMATCHED) {
            if (rc == Decoder.NOT_IP) {
                notIp++;
            } else {
                decodeErrors++;
            }
            return;
        }
        long now = raw.tsNanos;
        if (now > clock) {
            clock = now;
        } else {
            now = clock; // never let time run backwards inside the table
        }
        if (expireIdle && now >= nextExpire) {
            table.expire(now);
            nextExpire = now + SECOND;
        }
        Flow f = table.lookup(d, now);
        boolean fromA = table.lastFromA;
        if (table.lastCreated) {
            f.source = source;
            f.tunnel = d.tunnel;
            boolean aLocal = local.contains(f.ipVersion(), f.aHi(), f.aLo());
            boolean bLocal = local.contains(f.ipVersion(), f.bHi(), f.bLo());
            f.localIsA = aLocal == bLocal ? f.initiatorIsA : aLocal;
        }
        if (fromA) {
            f.aPackets++;
            f.aBytes += d.ipLength;
            if (d.hasMac && !f.aHasMac) { // a sender's own source MAC wins over a destination MAC seen earlier
                f.aHasMac = true;
                f.aMac = d.srcMac;
                if (f.bMac == 0) {
                    f.bMac = d.dstMac;
                }
            }
        } else {
            f.bPackets++;
            f.bBytes += d.ipLength;
            if (d.hasMac && !f.bHasMac) {
                f.bHasMac = true;
                f.bMac = d.srcMac;
                if (f.aMac == 0) {
                    f.aMac = d.dstMac;
                }
            }
        }
        table.touch(f, now);
        if (d.fragment) {
            fragments++;
        }
        if (detect && d.payloadLength > 0 && f.detection == null && !d.laterFragment) {
            dispatcher.inspect(f, d, fromA == f.initiatorIsA);
        }
        if (d.ipProtocol == 6) {
            int flags = d.tcpFlags;
            if ((flags & 0x04) != 0) {
                f.tcpClose |= 4;
            }
            if ((flags & 0x01) != 0) {
                f.tcpClose |= fromA ? 1 : 2;
            }
            if ((f.tcpClose & 4) != 0 || (f.tcpClose & 3) == 3) {
                table.markClosed(f);
            }
        }
    }

    /** Advances the clock without a packet (live sources when idle) and expires flows. */
    public void tick(long wallNanos) {
        if (wallNanos > clock) {
            clock = wallNanos;
        }
        if (expireIdle) {
            table.expire(clock);
        }
        nextExpire = clock + SECOND;
    }

    /** Purges every flow (end of a file, shutdown of an interface). */
    public void purgeAll(PurgeReason reason) {
        table.purgeAll(reason);
    }

    @Override
    public void purged(Flow f, PurgeReason reason) {
        if (f.detection == null) {
            dispatcher.finish(f, f.dpi);
        }
        protocols.computeIfAbsent(f.detection.protocol(), k -> new long[1])[0]++;
        events.purged(f, reason);
    }

    @Override
    public void classified(Flow f) {
        f.classifiedEmitted = true;
        events.classified(f);
    }

    /** Statistics of the current source. */
    public CaptureStats stats() {
        return new CaptureStats(source, packets, bytes, kernelDrops, agentDrops, decodeErrors, fragments,
                table.size(), table.created - createdAtStart, table.evicted - evictedAtStart, eventsDropped,
                System.nanoTime() - startedWall);
    }

    /** Flows purged per protocol since the engine started (sorted by name). */
    public Map<String, long[]> protocolCounts() {
        return protocols;
    }

    public long detectorInspections() {
        return dispatcher.inspections;
    }
}
