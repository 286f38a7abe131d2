/*
 * DHCPv6 message validation and option access.
 *
 * References: RFC 8415 "Dynamic Host Configuration Protocol for IPv6" (section 8 client/server message format,
 * 9 relay agent/server message format, 21 options: 21.2 Client Identifier, 21.3 Server Identifier, 21.7 Option
 * Request, 21.10 Relay Message, 21.16 Vendor Class, 11 DUIDs, 16 message validation), RFC 4704 (Client FQDN
 * option 39), IANA DHCPv6 parameters.
 */
package org.flowmark.detector.dhcp.internal;

import org.flowmark.api.packet.PacketView;

/**
 * Pure, allocation-free checks of one UDP payload as a DHCPv6 message.
 *
 * <p>{@link #messageType} accepts message types 1..13: types 1..11 have a 4-octet header (type, 24-bit
 * transaction id); RELAY-FORW (12) and RELAY-REPL (13) a 34-octet one (type, hop count at most 32, link and peer
 * addresses). The options that follow (16-bit code, 16-bit length, value) must have codes 1..255, stay inside the
 * payload and consume it exactly, and there must be at least one. The options RFC 8415 section 16 makes
 * mandatory must be present: a Client Identifier (1) in SOLICIT, REQUEST, CONFIRM, RENEW, REBIND, RELEASE and
 * DECLINE, a Server Identifier (2) in ADVERTISE, REPLY and RECONFIGURE, a Relay Message (9) in relay messages.
 */
final class Dhcpv6Parser {

    static final int INVALID = -1;
    static final int OPT_CLIENT_ID = 1;
    static final int OPT_SERVER_ID = 2;
    static final int OPT_ORO = 6;
    static final int OPT_RELAY_MSG = 9;
    static final int OPT_VENDOR_CLASS = 16;
    static final int OPT_CLIENT_FQDN = 39;

    static final int RELAY_FORW = 12;
    static final int RELAY_REPL = 13;
    private static final int HEADER = 4;
    private static final int RELAY_HEADER = 34;
    private static final int MAX_HOPS = 32;

    private static final String[] TYPE_NAMES = {null, "SOLICIT", "ADVERTISE", "REQUEST", "CONFIRM", "RENEW",
        "REBIND", "REPLY", "RELEASE", "DECLINE", "RECONFIGURE", "INFORMATION-REQUEST", "RELAY-FORW", "RELAY-REPL"};

    private Dhcpv6Parser() {
    }

    /** RFC 8415 name of a message type (1..13), or null. */
    static String typeName(int type) {
        return type > 0 && type < TYPE_NAMES.length ? TYPE_NAMES[type] : null;
    }

    /** Offset of the first option of a message of {@code type}. */
    static int optionsStart(int type) {
        return type >= RELAY_FORW ? RELAY_HEADER : HEADER;
    }

    /** The message type (1..13) of a valid message, or {@link #INVALID}. */
    static int messageType(PacketView p) {
        int len = p.length();
        if (len < HEADER + 4) {
            return INVALID;
        }
        int type = p.u8(0);
        if (type < 1 || type > RELAY_REPL) {
            return INVALID;
        }
        int pos = optionsStart(type);
        if (type >= RELAY_FORW && (len < RELAY_HEADER + 4 || p.u8(1) > MAX_HOPS)) {
            return INVALID;
        }
        boolean clientId = false;
        boolean serverId = false;
        boolean relayMsg = false;
        while (pos < len) {
            if (len - pos < 4) {
                return INVALID;
            }
            int code = p.u16(pos);
            int olen = p.u16(pos + 2);
            if (code == 0 || code > 255 || olen > len - pos - 4) {
                return INVALID;
            }
            clientId |= code == OPT_CLIENT_ID;
            serverId |= code == OPT_SERVER_ID;
            relayMsg |= code == OPT_RELAY_MSG;
            pos += 4 + olen;
        }
        switch (type) {
            case 2: case 7: case 10:
                return serverId ? type : INVALID;
            case 11:
                return type;
            case RELAY_FORW: case RELAY_REPL:
                return relayMsg ? type : INVALID;
            default:
                return clientId ? type : INVALID;
        }
    }

    /**
     * Offset of the first option {@code code} of a message {@link #messageType} accepted, or -1; its 16-bit length
     * is the two octets before it.
     */
    static int find(PacketView p, int type, int code) {
        int len = p.length();
        int pos = optionsStart(type);
        while (len - pos >= 4) {
            int olen = p.u16(pos + 2);
            if (olen > len - pos - 4) {
                return -1;
            }
            if (p.u16(pos) == code) {
                return pos + 4;
            }
            pos += 4 + olen;
        }
        return -1;
    }
}
