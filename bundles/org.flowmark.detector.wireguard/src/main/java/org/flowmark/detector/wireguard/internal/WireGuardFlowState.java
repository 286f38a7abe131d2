package org.flowmark.detector.wireguard.internal;

/**
 * Per-flow memory of the WireGuard detector, allocated once for a flow whose first payload already has an exact
 * WireGuard shape. Index 0 of the arrays is the flow initiator's direction, 1 the responder's.
 */
final class WireGuardFlowState {
    /** Sender index of the latest handshake initiation, -1 when none was seen. */
    long initSender = -1;
    /** Direction (0/1) the latest initiation came from. */
    int initDir;
    /** Sender index of the latest handshake response, -1 when none was seen. */
    long respSender = -1;
    /** Receiver index of that response (the initiator's sender index). */
    long respReceiver = -1;
    /** Direction the latest response came from. */
    int respDir;
    /** Per direction: receiver index of the current run of transport messages, -1 before the first. */
    final long[] receiver = {-1, -1};
    /** Per direction: counter of the latest transport message of the run. */
    final long[] counter = new long[2];
    /** Per direction: length of the current consistent run of transport messages. */
    final int[] run = new int[2];
}
