package org.flowmark.detector.ipsec.internal;

/**
 * Per-flow memory for ESP-in-UDP on port 4500 when the flow starts without an IKE message: per direction
 * (index 0 = the flow initiator's) the SPI and sequence number of the current run and its length.
 */
final class EspRunState {
    final long[] spi = {-1, -1};
    final long[] seq = new long[2];
    final int[] run = new int[2];
}
