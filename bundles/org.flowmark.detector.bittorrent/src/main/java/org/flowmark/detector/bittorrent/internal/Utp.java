/*
 * uTP, the micro transport protocol of BitTorrent over UDP.
 *
 * Reference: BEP 29 "uTorrent transport protocol" (https://www.bittorrent.org/beps/bep_0029.html). Header, 20 bytes
 * big-endian: type (4 bits: ST_DATA 0, ST_FIN 1, ST_STATE 2, ST_RESET 3, ST_SYN 4) and version (4 bits, 1),
 * extension (type of the first extension, 0 for none), connection_id (16), timestamp_microseconds (32),
 * timestamp_difference_microseconds (32), wnd_size (32), seq_nr (16), ack_nr (16); then a chain of extensions,
 * each {next extension type (8), length (8), bytes}; then the payload. The initiator's ST_SYN carries its receive
 * id as connection_id; the responder answers ST_STATE with that same connection_id and ack_nr = the SYN's seq_nr;
 * afterwards the initiator sends with connection_id + 1.
 */
package org.flowmark.detector.bittorrent.internal;

import org.flowmark.api.packet.PacketView;

/** uTP header validation; pure functions over a {@link PacketView}. */
final class Utp {

    static final int ST_DATA = 0;
    static final int ST_FIN = 1;
    static final int ST_STATE = 2;
    static final int ST_RESET = 3;
    static final int ST_SYN = 4;
    static final int HEADER_LEN = 20;
    /** Extension types seen in use: 1 selective ACK, 2 extension bits, 3 close reason (libtorrent). */
    private static final int MAX_EXTENSION_TYPE = 4;
    /** Chain length bound: a real header carries at most two or three. */
    private static final int MAX_EXTENSIONS = 4;

    private Utp() {
    }

    /**
     * Validates the header and extension chain; returns the payload offset (header plus extensions), or -1.
     * A SYN, STATE or RESET carries no payload (-1 otherwise); a SYN never acknowledges with a selective ACK.
     */
    static int payloadOffset(PacketView v) {
        int len = v.length();
        if (len < HEADER_LEN) {
            return -1;
        }
        int b0 = v.u8(0);
        if ((b0 & 0x0f) != 1) {
            return -1;
        }
        int type = b0 >>> 4;
        if (type > ST_SYN) {
            return -1;
        }
        int ext = v.u8(1);
        int pos = HEADER_LEN;
        int count = 0;
        while (ext != 0) {
            if (ext > MAX_EXTENSION_TYPE || ++count > MAX_EXTENSIONS || pos + 2 > len) {
                return -1;
            }
            int next = v.u8(pos);
            int elen = v.u8(pos + 1);
            if (elen == 0 || pos + 2 + elen > len) {
                return -1;
            }
            if (ext == 1 && (elen & 3) != 0) {
                return -1; // a selective ACK bitmask is a multiple of 32 bits
            }
            if (ext == 2 && elen != 8) {
                return -1; // the extension bits are 8 bytes
            }
            pos += 2 + elen;
            ext = next;
        }
        if ((type == ST_STATE || type == ST_SYN || type == ST_RESET) && pos != len) {
            return -1;
        }
        if (type == ST_DATA && pos == len) {
            return -1; // data without payload
        }
        return pos;
    }

    static int type(PacketView v) {
        return v.u8(0) >>> 4;
    }

    static int connectionId(PacketView v) {
        return v.u16(2);
    }

    static int seqNr(PacketView v) {
        return v.u16(16);
    }

    static int ackNr(PacketView v) {
        return v.u16(18);
    }
}
