package org.flowmark.detector.openvpn.internal;

/**
 * Per-flow memory of the OpenVPN detector, allocated once for a flow whose first payload is a hard reset.
 * Index 0 of the two-element arrays is the flow initiator's direction, 1 the responder's.
 */
final class OpenVpnFlowState {
    /** Per direction: session id of the control channel (valid when {@link #layouts} is non-zero). */
    final long[] session = new long[2];
    /** Per direction: mask of header layouts every control packet so far fits; 0 before the first. */
    final int[] layouts = new int[2];
    /** Per direction: control packets of the current session. */
    final int[] count = new int[2];
    /** Per direction: 1 when the session began with a client hard reset, 2 with a server hard reset. */
    final int[] resetKind = new int[2];
    /** Per direction and layout ({@code dir * 8 + layout}): replay packet id (high 32 bits) and net time. */
    final long[] replay = new long[2 * OpenVpnParser.LAYOUTS];
    /** A tls-crypt-v2 client reset (opcode 10) was seen. */
    boolean cryptV2;
    // ---- TCP stream framing, per direction
    /** Bytes of a record that continue into the next segments. */
    final int[] skip = new int[2];
    /** Sequence number expected next; -1 before the first segment. */
    final long[] nextSeq = {-1, -1};
    /** Record boundaries lost (a gap or a split length prefix): the direction is no longer parsed. */
    final boolean[] lost = new boolean[2];
}
