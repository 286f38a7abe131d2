package org.flowmark.api.classify;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The DNS hint cache: address -> host name learned from DNS answers, so a later flow to that address gets its host
 * name without any payload (netifyd's {@code dns_host_name}). Bounded and TTL-aware; thread-safe. Provided by the
 * signatures bundle, fed by the DNS detector.
 *
 * <p><b>Time.</b> Hints live on the packets' clock, not the wall clock: a hint learnt at capture time {@code L}
 * with a (clamped) TTL of {@code T} seconds answers a lookup at capture time {@code t} only when
 * {@code L <= t <= L + T}. So reading old captures offline, or several captures taken years apart in one process,
 * never lets an answer from one capture name a flow of another, and a clock that goes backwards (the next capture
 * file is older) makes no hint valid before it was learnt. Live capture behaves as with the wall clock, since
 * packet time follows it. Times are capture timestamps in ns since the epoch, as
 * {@link org.flowmark.api.detector.DetectorContext#timestampNanos()} and
 * {@link org.flowmark.api.flow.FlowView#firstSeenNanos()} give them.
 *
 * @since 1.1 (the time-aware methods; the 1.0 methods remain, on the wall clock)
 */
@ProviderType
public interface HostnameHints {

    /**
     * Learns that {@code address[0..length)} (4 or 16 bytes) was answered for {@code hostname} (the name the client
     * asked, after following CNAMEs) at capture time {@code nowNanos}, valid for {@code ttlSeconds} (clamped to the
     * cache's bounds) from then.
     *
     * @param nowNanos capture timestamp of the DNS answer, ns since the epoch
     * @since 1.1
     */
    void learn(byte[] address, int length, String hostname, long ttlSeconds, long nowNanos);

    /**
     * The host name learnt for the address that is valid at capture time {@code nowNanos} (learnt at or before it
     * and not expired by then), or null.
     *
     * @param nowNanos the capture time the name must be valid at (for a flow, usually its first packet's time),
     *        ns since the epoch
     * @since 1.1
     */
    String lookup(byte[] address, int length, long nowNanos);

    /**
     * Learns a hint as of the wall clock: {@link #learn(byte[], int, String, long, long)} at the current time.
     *
     * @deprecated hints from captured packets should carry the packet's timestamp
     */
    @Deprecated
    default void learn(byte[] address, int length, String hostname, long ttlSeconds) {
        learn(address, length, hostname, ttlSeconds, wallClockNanos());
    }

    /**
     * The host name valid now by the wall clock: {@link #lookup(byte[], int, long)} at the current time.
     *
     * @deprecated lookups for captured flows should pass the flow's capture time
     */
    @Deprecated
    default String lookup(byte[] address, int length) {
        return lookup(address, length, wallClockNanos());
    }

    /** The wall clock in ns since the epoch (the time base of capture timestamps). */
    private static long wallClockNanos() {
        return System.currentTimeMillis() * 1_000_000L;
    }
}
