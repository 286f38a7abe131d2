package org.flowmark.detector.quic.internal;

import org.flowmark.api.packet.ByteArrayPacketView;

/**
 * The QUIC detector's per-flow state (held by the core through {@code DetectorContext.state}): the client's
 * Initial keys (derived once per version and DCID) and the bounded CRYPTO-stream reassembly buffer. Created only
 * for flows whose first packets carry a valid QUIC long header.
 */
final class QuicFlowState {

    /** Most distinct byte ranges tracked; more fragments than this end reassembly (nobody splits that finely). */
    static final int MAX_RANGES = 32;

    final InitialKeys keys = new InitialKeys();
    /** CRYPTO stream bytes [0, cap); allocated on the first CRYPTO frame. */
    byte[] crypto;
    final int cap;
    /** Received ranges of the CRYPTO stream, sorted and merged: [start[i], end[i]). */
    private final int[] start = new int[MAX_RANGES];
    private final int[] end = new int[MAX_RANGES];
    private int ranges;
    /** Set when a fragment lay beyond the buffer or the range table overflowed. */
    boolean overflow;
    /** Reused view over {@link #crypto}. */
    final ByteArrayPacketView view = new ByteArrayPacketView();
    /** Client Initial packets that failed to decrypt / decrypted. */
    int failures;
    int decrypted;

    QuicFlowState(int cap) {
        this.cap = cap;
    }

    /** Stores {@code src[off, off+len)} at stream offset {@code at}; bytes past the cap are dropped (overflow). */
    void add(long at, byte[] src, int off, int len) {
        if (len <= 0) {
            return;
        }
        if (at >= cap) {
            overflow = true;
            return;
        }
        int a = (int) at;
        int n = Math.min(len, cap - a);
        if (n < len) {
            overflow = true;
        }
        if (crypto == null) {
            crypto = new byte[cap];
            view.wrap(crypto, 0, cap);
        }
        System.arraycopy(src, off, crypto, a, n);
        insert(a, a + n);
    }

    private void insert(int s, int e) {
        // merge [s, e) into the sorted, disjoint range list
        int i = 0;
        while (i < ranges && end[i] < s) {
            i++;
        }
        int j = i;
        while (j < ranges && start[j] <= e) {
            s = Math.min(s, start[j]);
            e = Math.max(e, end[j]);
            j++;
        }
        int removed = j - i;
        if (removed == 0) {
            if (ranges == MAX_RANGES) {
                overflow = true;
                return;
            }
            System.arraycopy(start, i, start, i + 1, ranges - i);
            System.arraycopy(end, i, end, i + 1, ranges - i);
            ranges++;
        } else if (removed > 1) {
            System.arraycopy(start, j, start, i + 1, ranges - j);
            System.arraycopy(end, j, end, i + 1, ranges - j);
            ranges -= removed - 1;
        }
        start[i] = s;
        end[i] = e;
    }

    /** Bytes available contiguously from stream offset 0. */
    int prefix() {
        return ranges > 0 && start[0] == 0 ? end[0] : 0;
    }

    /** Number of disjoint ranges (test hook). */
    int ranges() {
        return ranges;
    }
}
