package org.flowmark.api.classify;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The DNS hint cache: address -> host name learned from DNS answers, so a later flow to that address gets its host
 * name without any payload (netifyd's {@code dns_host_name}). Bounded and TTL-aware; thread-safe. Provided by the
 * signatures bundle, fed by the DNS detector.
 */
@ProviderType
public interface HostnameHints {

    /**
     * Learns that {@code address[0..length)} (4 or 16 bytes) was answered for {@code hostname} (the name the client
     * asked, after following CNAMEs), valid for {@code ttlSeconds} (clamped to the cache's bounds).
     */
    void learn(byte[] address, int length, String hostname, long ttlSeconds);

    /** The host name learned for the address and still valid, or null. */
    String lookup(byte[] address, int length);
}
