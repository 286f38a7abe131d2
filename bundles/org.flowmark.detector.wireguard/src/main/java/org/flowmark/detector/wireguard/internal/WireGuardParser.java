/*
 * WireGuard message framing.
 *
 * Reference: J. A. Donenfeld, "WireGuard: Next Generation Kernel Network Tunnel", whitepaper section 5.4
 * (message formats), and the protocol page of wireguard.com. All multi-byte fields are little-endian.
 */
package org.flowmark.detector.wireguard.internal;

import org.flowmark.api.packet.PacketView;

/**
 * Pure functions over one UDP payload that recognise the four WireGuard messages by their exact shapes:
 * <ul>
 * <li>1 handshake initiation: 148 bytes: type, 3 reserved zero bytes, sender index, ephemeral (32), encrypted
 *     static (48), encrypted timestamp (28), mac1 (16), mac2 (16);</li>
 * <li>2 handshake response: 92 bytes: type, reserved, sender index, receiver index, ephemeral (32), encrypted
 *     nothing (16), mac1, mac2;</li>
 * <li>3 cookie reply: 64 bytes: type, reserved, receiver index, nonce (24), encrypted cookie (32);</li>
 * <li>4 transport data: 16-byte header (type, reserved, receiver index, 64-bit counter) then the encrypted,
 *     16-byte padded packet with its 16-byte tag: at least 32 bytes, length a multiple of 16.</li>
 * </ul>
 * Nothing here allocates; a payload that is not one of these shapes yields {@link #NONE}.
 */
final class WireGuardParser {

    static final int NONE = 0;
    static final int INITIATION = 1;
    static final int RESPONSE = 2;
    static final int COOKIE_REPLY = 3;
    static final int TRANSPORT = 4;

    static final int INITIATION_LENGTH = 148;
    static final int RESPONSE_LENGTH = 92;
    static final int COOKIE_REPLY_LENGTH = 64;
    static final int TRANSPORT_HEADER = 16;
    static final int MIN_TRANSPORT_LENGTH = 32;

    private WireGuardParser() {
    }

    /** The message type (1..4) when the payload has that message's exact shape, else {@link #NONE}. */
    static int messageType(PacketView p) {
        int len = p.length();
        if (len < MIN_TRANSPORT_LENGTH) {
            return NONE;
        }
        int type = p.u8(0);
        if (type < INITIATION || type > TRANSPORT || p.u8(1) != 0 || p.u16(2) != 0) {
            return NONE;
        }
        switch (type) {
            case INITIATION:
                return len == INITIATION_LENGTH ? type : NONE;
            case RESPONSE:
                return len == RESPONSE_LENGTH ? type : NONE;
            case COOKIE_REPLY:
                return len == COOKIE_REPLY_LENGTH ? type : NONE;
            default:
                return (len - TRANSPORT_HEADER) % 16 == 0 ? type : NONE;
        }
    }

    /** Sender index of an initiation or response, as an unsigned 32-bit value. */
    static long senderIndex(PacketView p) {
        return p.u32le(4);
    }

    /** Receiver index of a response (offset 8), cookie reply or transport message (offset 4). */
    static long receiverIndex(PacketView p, int type) {
        return p.u32le(type == RESPONSE ? 8 : 4);
    }

    /** The 64-bit little-endian counter of a transport message (unsigned; fits a signed long in practice). */
    static long counter(PacketView p) {
        return p.u32le(8) | (p.u32le(12) << 32);
    }
}
