package org.flowmark.capture.internal.source.live;

/**
 * How to open a live interface. Immutable; start from {@link #of(String)} (the defaults) and change fields with the
 * {@code withXxx} methods.
 *
 * @param iface         interface name as libpcap knows it ({@code eth0}, {@code any}, ...)
 * @param snaplen       bytes kept per packet, 64 .. 262144 (default 65535)
 * @param promiscuous   put the interface in promiscuous mode (default true)
 * @param timeoutMillis libpcap read timeout: the longest {@link LivePcapSource#next} blocks when no packet comes,
 *                      1 .. 60000 (default 100)
 * @param bufferSize    kernel ring size in bytes, 64 KiB .. 2 GiB (default 8 MiB)
 * @param immediate     deliver each packet as soon as it arrives instead of batching (libpcap immediate mode), default
 *                      false. On Linux it selects the TPACKET_V2 ring of fixed snaplen-sized frames instead of the
 *                      TPACKET_V3 ring of packed blocks: with the default snaplen and buffer that ring holds only
 *                      8 MiB / 64 KiB = 128 packets and drops under bursts. Without it a packet waits at most the read
 *                      timeout before it is delivered, which a DPI agent does not notice
 * @param filter        BPF filter expression, or null for all packets (a blank string means null)
 */
public record LiveOptions(String iface, int snaplen, boolean promiscuous, int timeoutMillis, int bufferSize,
        boolean immediate, String filter) {

    public static final int DEFAULT_SNAPLEN = 65535;
    public static final boolean DEFAULT_PROMISCUOUS = true;
    public static final int DEFAULT_TIMEOUT_MILLIS = 100;
    public static final int DEFAULT_BUFFER_SIZE = 8 << 20;
    public static final boolean DEFAULT_IMMEDIATE = false;

    /** libpcap's MAXIMUM_SNAPLEN. */
    public static final int MAX_SNAPLEN = 262144;

    public LiveOptions {
        if (iface == null || iface.isBlank()) {
            throw new IllegalArgumentException("interface name is empty");
        }
        iface = iface.strip();
        if (snaplen < 64 || snaplen > MAX_SNAPLEN) {
            throw new IllegalArgumentException("snaplen " + snaplen + " out of range 64.." + MAX_SNAPLEN);
        }
        if (timeoutMillis < 1 || timeoutMillis > 60_000) {
            throw new IllegalArgumentException("read timeout " + timeoutMillis + " ms out of range 1..60000");
        }
        if (bufferSize < (64 << 10)) {
            throw new IllegalArgumentException("buffer size " + bufferSize + " out of range 65536..2147483647");
        }
        if (filter != null && filter.isBlank()) {
            filter = null;
        }
    }

    /** The defaults for {@code iface}: snaplen 65535, promiscuous, 100 ms timeout, 8 MiB buffer, batched, no filter. */
    public static LiveOptions of(String iface) {
        return new LiveOptions(iface, DEFAULT_SNAPLEN, DEFAULT_PROMISCUOUS, DEFAULT_TIMEOUT_MILLIS,
                DEFAULT_BUFFER_SIZE, DEFAULT_IMMEDIATE, null);
    }

    public LiveOptions withSnaplen(int v) {
        return new LiveOptions(iface, v, promiscuous, timeoutMillis, bufferSize, immediate, filter);
    }

    public LiveOptions withPromiscuous(boolean v) {
        return new LiveOptions(iface, snaplen, v, timeoutMillis, bufferSize, immediate, filter);
    }

    public LiveOptions withTimeoutMillis(int v) {
        return new LiveOptions(iface, snaplen, promiscuous, v, bufferSize, immediate, filter);
    }

    public LiveOptions withBufferSize(int v) {
        return new LiveOptions(iface, snaplen, promiscuous, timeoutMillis, v, immediate, filter);
    }

    public LiveOptions withImmediate(boolean v) {
        return new LiveOptions(iface, snaplen, promiscuous, timeoutMillis, bufferSize, v, filter);
    }

    public LiveOptions withFilter(String v) {
        return new LiveOptions(iface, snaplen, promiscuous, timeoutMillis, bufferSize, immediate, v);
    }
}
