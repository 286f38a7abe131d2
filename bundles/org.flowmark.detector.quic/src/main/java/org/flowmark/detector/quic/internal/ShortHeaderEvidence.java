/*
 * Evidence that a UDP flow seen only after its handshake is QUIC: 1-RTT (short header) packets only.
 *
 * References: RFC 9000 section 17.3.1 (1-RTT packet: header form 0, fixed bit 1, spin bit, reserved bits, key
 * phase, packet number length, then the Destination Connection ID whose length the receiving endpoint chose and
 * which is not on the wire, then the packet number and the protected payload), section 17.2 (long headers have
 * the high bit set), section 12.2 (a short-header packet is always last in its datagram), section 5.1 (connection
 * IDs of at most 20 bytes; zero-length IDs allowed); RFC 9001 section 5.4.1 (header protection masks the low five
 * bits of byte 0 and the packet number with a per-packet mask), 5.4.2 (the sample starts 4 bytes after the
 * packet-number offset and is 16 bytes long, so a packet holds at least pn_offset + 20 bytes), 5.3 (16-byte AEAD
 * tag); RFC 9287 (the fixed bit may be greased only after the peer advertised grease_quic_bit, which a capture
 * that starts after the handshake cannot see: such flows are not claimed).
 */
package org.flowmark.detector.quic.internal;

import org.flowmark.api.packet.PacketView;

/**
 * Accumulates, per direction, what the short-header rule needs and decides once it can; a flow's instance lives in
 * the detector's per-flow state (allocated once, at the first datagram that passes the byte-0 test; nothing is
 * allocated per packet).
 *
 * <p><b>The rule.</b> Every datagram, in both directions, has header form 0 and fixed bit 1 ({@code 0b01xxxxxx})
 * and is at least {@value #MIN_DATAGRAM} bytes (byte 0, a zero-length DCID, the 4 bytes before the header
 * protection sample, the 16-byte sample). Per direction we keep the first datagram's bytes 1..{@value #KEEP} and
 * the length of the prefix all later datagrams of that direction share with them. The flow is QUIC when
 * <ul>
 * <li>one direction ("A") has at least {@value #MIN_SAME_CID} datagrams sharing a prefix of L bytes, L in
 * {@value #MIN_CID}..{@value #MAX_CID} (its DCID; the masked packet number after it differs), whose datagrams are
 * each at least {@code 21 + L} bytes, and whose byte-0 low five bits (masked by header protection) took at least
 * two values;</li>
 * <li>the other direction ("B") has at least {@value #MIN_OTHER} datagrams that either share no first byte
 * (zero-length DCID, as Chrome's client uses: the masked packet number comes right after byte 0) or share a
 * prefix of 4..20 bytes with datagrams of at least {@code 21 + L'} bytes (its own DCID).</li>
 * </ul>
 * Anything else is rejected: a datagram that fails the byte-0 or size test, a direction whose first
 * {@value #KEEP} bytes after byte 0 stay constant (a plain-text header, not a DCID followed by a masked packet
 * number), both directions without a DCID, or no decision within {@value #MAX_DATAGRAMS} datagrams.
 *
 * <p>Protocols this keeps out by construction: long headers, RTP/RTCP (version 2: {@code 0b10}), STUN
 * ({@code 0b00}), DTLS (content types 20..25), WireGuard (types 1..4), DNS and others whose bytes after byte 0
 * are not constant; counters after a constant session ID (OpenVPN P_DATA_V2 {@code 0x48 | key_id}, ESP-in-UDP
 * SPIs) keep byte 0 constant, which header protection does not.
 */
final class ShortHeaderEvidence {

    /** Smallest 1-RTT datagram: byte 0 + zero-length DCID + 4 + 16-byte sample (RFC 9001 section 5.4.2). */
    static final int MIN_DATAGRAM = 21;
    /** Connection ID lengths accepted as "the DCID" (RFC 9000 allows 0..20; below 4 a prefix is too weak). */
    static final int MIN_CID = 4;
    static final int MAX_CID = 20;
    /** Bytes after byte 0 remembered per direction: one past the longest DCID, so a constant 21 bytes is no DCID. */
    static final int KEEP = MAX_CID + 1;
    /** Datagrams of the DCID direction needed before deciding. */
    static final int MIN_SAME_CID = 3;
    /** Datagrams of the other direction needed before deciding. */
    static final int MIN_OTHER = 2;
    /** Datagrams looked at before giving up. */
    static final int MAX_DATAGRAMS = 10;

    /** Outcomes of {@link #offer}. */
    static final int MORE = 0;
    static final int QUIC = 1;
    static final int NOT_QUIC = 2;

    /** Bytes 1..KEEP of each direction's first datagram: initiator at 0, responder at KEEP. */
    private final byte[] first = new byte[2 * KEEP];
    private final int[] count = new int[2];
    /**
     * Shared prefix length of each direction's datagrams (bytes after byte 0), at most KEEP; a shorter datagram
     * bounds it to its own length - 1 (such a prefix is then too long for the size rule: 21 + L bytes).
     */
    private final int[] prefix = new int[2];
    private final int[] minLength = new int[2];
    private final int[] lowBits = new int[2];
    private final boolean[] lowBitsVaried = new boolean[2];
    private int total;
    /** After {@link #QUIC}: the DCID length of the deciding direction. */
    private int dcidLength = -1;

    /** The cheap first test of every datagram: 1-RTT header form and fixed bit, and the smallest size. */
    static boolean plausible(PacketView p) {
        return p.length() >= MIN_DATAGRAM && (p.u8(0) & 0xc0) == 0x40;
    }

    /**
     * Adds one datagram ({@code fromInitiator}: its direction) and says whether the flow is now known to be
     * short-header QUIC, known not to be, or needs more datagrams.
     */
    int offer(PacketView p, boolean fromInitiator) {
        if (!plausible(p)) {
            return NOT_QUIC;
        }
        int d = fromInitiator ? 0 : 1;
        int len = p.length();
        int b0 = p.u8(0);
        int base = d * KEEP;
        if (count[d] == 0) {
            int n = Math.min(KEEP, len - 1); // 20 for the smallest datagram
            for (int i = 0; i < n; i++) {
                first[base + i] = (byte) p.u8(1 + i);
            }
            prefix[d] = n;
            minLength[d] = len;
            lowBits[d] = b0 & 0x1f;
        } else {
            int n = Math.min(prefix[d], len - 1);
            int k = 0;
            while (k < n && (byte) p.u8(1 + k) == first[base + k]) {
                k++;
            }
            prefix[d] = k;
            minLength[d] = Math.min(minLength[d], len);
            if ((b0 & 0x1f) != lowBits[d]) {
                lowBitsVaried[d] = true;
            }
        }
        count[d]++;
        total++;
        // a direction whose first 21 bytes after byte 0 never change carries no DCID + masked packet number
        if (count[d] >= MIN_SAME_CID && prefix[d] == KEEP) {
            return NOT_QUIC;
        }
        // a shared prefix only shrinks: once both are below MIN_CID neither direction can carry the DCID
        if (count[0] >= 2 && count[1] >= 2 && prefix[0] < MIN_CID && prefix[1] < MIN_CID) {
            return NOT_QUIC;
        }
        if (decide(0) || decide(1)) {
            return QUIC;
        }
        return total >= MAX_DATAGRAMS ? NOT_QUIC : MORE;
    }

    private boolean decide(int a) {
        int b = 1 - a;
        int l = prefix[a];
        if (count[a] < MIN_SAME_CID || l < MIN_CID || l > MAX_CID || !lowBitsVaried[a]
                || minLength[a] < MIN_DATAGRAM + l) {
            return false;
        }
        if (count[b] < MIN_OTHER) {
            return false;
        }
        int lb = prefix[b];
        boolean zeroLength = lb == 0;
        boolean ownCid = lb >= MIN_CID && lb <= MAX_CID && minLength[b] >= MIN_DATAGRAM + lb;
        if (!zeroLength && !ownCid) {
            return false;
        }
        dcidLength = l;
        return true;
    }

    /** The DCID length of the direction that decided, or -1 before {@link #QUIC}. */
    int dcidLength() {
        return dcidLength;
    }

    /** Datagrams offered so far (test hook). */
    int total() {
        return total;
    }
}
