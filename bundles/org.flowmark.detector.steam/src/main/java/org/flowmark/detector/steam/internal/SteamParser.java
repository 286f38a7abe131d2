/*
 * Steam local (remote-client / In-Home Streaming) discovery datagram validation.
 *
 * References: Valve's protobuf definitions "steammessages_remoteclient_discovery.proto" (ERemoteClientBroadcastMsg,
 * CMsgRemoteClientBroadcastHeader), public descriptions of Steam In-Home Streaming discovery (UDP port 27036,
 * LAN broadcast), and the protobuf encoding specification (protobuf.dev, "Encoding": varints, tags, wire types).
 */
package org.flowmark.detector.steam.internal;

import org.flowmark.api.packet.PacketView;

/**
 * Pure, allocation-free checks of one UDP payload as a Steam discovery datagram. Layout:
 * <pre>
 *   0  8  magic FF FF FF FF 21 4C 5F A0
 *   8  4  header length H, little-endian
 *  12  H  CMsgRemoteClientBroadcastHeader (protobuf)
 * 12+H 4  body length B, little-endian
 * 16+H B  body (protobuf, its type named by the header's msg_type)
 * </pre>
 * and {@code 16 + H + B} must equal the payload length exactly.
 *
 * <p><b>Header</b>: {@code client_id} (field 1, uint64), {@code msg_type} (field 2, enum), {@code instance_id}
 * (field 3, uint64). Valve's definition declares the two ids {@code uint64} (varint, wire type 0, which is what
 * Steam clients send); a fixed64 encoding (wire type 1) is accepted as well. {@code msg_type} must be a varint below
 * {@link #MAX_MSG_TYPE} (the enum has a dozen values); absent, it is 0 (Discovery), the proto2 default. Other
 * fields are skipped if well-formed.
 *
 * <p><b>Protobuf framing</b> (header and body): every tag is a varint of at most 5 bytes with a field number from 1
 * to 2^29-1 and wire type 0 (varint: at most 10 bytes, the 10th at most 1), 1 (fixed64), 2 (length-delimited: a
 * varint length that stays inside the message) or 5 (fixed32); group wire types 3 and 4 (deprecated, never used
 * by these messages) and 6, 7 are rejected; nothing may run past the message's end.
 */
final class SteamParser {

    static final int INVALID = -1;
    /** The smallest datagram: magic, two empty messages and their lengths. */
    static final int MIN_LENGTH = 16;
    /** msg_type values at or above this are rejected. */
    static final int MAX_MSG_TYPE = 256;

    static final long MAGIC_HI = 0xFFFFFFFFL;
    static final long MAGIC_LO = 0x214C5FA0L;

    static final int WIRE_VARINT = 0;
    static final int WIRE_FIXED64 = 1;
    static final int WIRE_LEN = 2;
    static final int WIRE_FIXED32 = 5;

    private static final int HEADER_AT = 12;
    private static final int FIELD_CLIENT_ID = 1;
    private static final int FIELD_MSG_TYPE = 2;
    private static final int FIELD_INSTANCE_ID = 3;

    private SteamParser() {
    }

    /**
     * The header's {@code msg_type} (0 when absent) of a valid discovery datagram (magic, exact lengths, well-formed
     * header and body), or {@link #INVALID}.
     */
    static int msgType(PacketView p) {
        int len = p.length();
        if (len < MIN_LENGTH || p.u32(0) != MAGIC_HI || p.u32(4) != MAGIC_LO) {
            return INVALID;
        }
        long hlen = p.u32le(8);
        if (hlen > len - MIN_LENGTH) {
            return INVALID;
        }
        int bodyLenAt = HEADER_AT + (int) hlen;
        long blen = p.u32le(bodyLenAt);
        if (blen != len - bodyLenAt - 4L) {
            return INVALID; // the lengths must add up to the datagram exactly
        }
        if (!message(p, bodyLenAt + 4, len)) {
            return INVALID;
        }
        return header(p, HEADER_AT, bodyLenAt);
    }

    /** The header's {@code client_id} (0 when absent); only for a datagram {@link #msgType} accepted. */
    static long clientId(PacketView p) {
        return headerField(p, FIELD_CLIENT_ID);
    }

    /** The header's {@code instance_id} (0 when absent); only for a datagram {@link #msgType} accepted. */
    static long instanceId(PacketView p) {
        return headerField(p, FIELD_INSTANCE_ID);
    }

    /** Validates the header message in {@code [pos, end)} and returns its msg_type, or {@link #INVALID}. */
    private static int header(PacketView p, int pos, int end) {
        int msgType = 0;
        while (pos < end) {
            int next = skipVarint(p, pos, end, 5);
            if (next < 0) {
                return INVALID;
            }
            long tag = varint(p, pos);
            int field = fieldNumber(tag);
            int wire = (int) (tag & 7);
            if (field <= 0) {
                return INVALID;
            }
            if (field == FIELD_MSG_TYPE) {
                if (wire != WIRE_VARINT) {
                    return INVALID;
                }
                int after = skipVarint(p, next, end, 10);
                if (after < 0) {
                    return INVALID;
                }
                long v = varint(p, next);
                if (v < 0 || v >= MAX_MSG_TYPE) {
                    return INVALID;
                }
                msgType = (int) v;
                pos = after;
                continue;
            }
            if ((field == FIELD_CLIENT_ID || field == FIELD_INSTANCE_ID) && wire != WIRE_VARINT && wire != WIRE_FIXED64) {
                return INVALID;
            }
            pos = skipValue(p, next, end, wire);
            if (pos < 0) {
                return INVALID;
            }
        }
        return msgType;
    }

    /** Last value of a 64-bit header field (varint or fixed64) of an already validated datagram; 0 when absent. */
    private static long headerField(PacketView p, int wanted) {
        int end = HEADER_AT + (int) p.u32le(8);
        int pos = HEADER_AT;
        long value = 0;
        while (pos < end) {
            int next = skipVarint(p, pos, end, 5);
            if (next < 0) {
                return 0;
            }
            long tag = varint(p, pos);
            int wire = (int) (tag & 7);
            if (fieldNumber(tag) == wanted) {
                if (wire == WIRE_VARINT) {
                    value = varint(p, next);
                } else if (wire == WIRE_FIXED64 && next + 8 <= end) {
                    value = (p.u32le(next) & 0xFFFFFFFFL) | (p.u32le(next + 4) << 32);
                }
            }
            pos = skipValue(p, next, end, wire);
            if (pos < 0) {
                return 0;
            }
        }
        return value;
    }

    /** Whether {@code [pos, end)} is a well-formed sequence of protobuf fields (top level only). */
    static boolean message(PacketView p, int pos, int end) {
        while (pos < end) {
            int next = skipVarint(p, pos, end, 5);
            if (next < 0) {
                return false;
            }
            long tag = varint(p, pos);
            if (fieldNumber(tag) <= 0) {
                return false;
            }
            pos = skipValue(p, next, end, (int) (tag & 7));
            if (pos < 0) {
                return false;
            }
        }
        return true;
    }

    /** Field number of a tag, or 0 when it is out of range (0, or above 2^29-1). */
    private static int fieldNumber(long tag) {
        long f = tag >>> 3;
        return f > 0x1FFFFFFFL ? 0 : (int) f;
    }

    /** The position after a value of {@code wire} type starting at {@code pos}, or -1 (bad type, overrun). */
    private static int skipValue(PacketView p, int pos, int end, int wire) {
        switch (wire) {
            case WIRE_VARINT:
                return skipVarint(p, pos, end, 10);
            case WIRE_FIXED64:
                return end - pos >= 8 ? pos + 8 : -1;
            case WIRE_FIXED32:
                return end - pos >= 4 ? pos + 4 : -1;
            case WIRE_LEN: {
                int next = skipVarint(p, pos, end, 5);
                if (next < 0) {
                    return -1;
                }
                long n = varint(p, pos);
                return n <= end - next ? next + (int) n : -1;
            }
            default:
                return -1; // groups (3, 4) and the undefined types 6, 7
        }
    }

    /**
     * The position after a varint starting at {@code pos} of at most {@code maxBytes} bytes that ends before
     * {@code end}, or -1. A 10-byte varint's last byte may only be 0 or 1 (64 bits); a 5-byte one (a tag or a
     * length) must fit in 32 bits.
     */
    static int skipVarint(PacketView p, int pos, int end, int maxBytes) {
        for (int i = 0; i < maxBytes; i++) {
            if (pos + i >= end) {
                return -1;
            }
            int b = p.u8(pos + i);
            if ((b & 0x80) == 0) {
                if (i == 9 && b > 1) {
                    return -1;
                }
                if (i == 4 && maxBytes == 5 && b > 0x0F) {
                    return -1;
                }
                return pos + i + 1;
            }
        }
        return -1;
    }

    /** The value of a varint already checked by {@link #skipVarint}. */
    static long varint(PacketView p, int pos) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = p.u8(pos++);
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        return v;
    }
}
