/*
 * DHCPv4 / BOOTP message validation and option access.
 *
 * References: RFC 2131 "Dynamic Host Configuration Protocol" (section 2 message format, 3 client-server
 * protocol), RFC 2132 "DHCP Options and BOOTP Vendor Extensions" (options 12, 52, 53, 55, 60, 61), RFC 951 and
 * RFC 1542 (BOOTP), RFC 3203 (FORCERENEW), RFC 4388 and RFC 6926 (leasequery message types), IANA ARP hardware
 * types.
 */
package org.flowmark.detector.dhcp.internal;

import org.flowmark.api.packet.PacketView;

/**
 * Pure, allocation-free checks of one UDP payload as a DHCP (or plain BOOTP) message.
 *
 * <p>{@link #messageType} accepts: at least 241 octets; op 1 (BOOTREQUEST) or 2 (BOOTREPLY); a hardware type of the
 * IANA registry (1..40) with a consistent address length (Ethernet and IEEE 802: 6; InfiniBand: 0; any: at most
 * 16); hops at most 16; no flag but BROADCAST; the magic cookie 99.130.83.99 at offset 236; an option walk (pad,
 * code-length-value) that stays inside the payload and reaches END; at most one message type option (53), of
 * length 1 and a defined value (1..18) that agrees with op (a client's types ride in BOOTREQUEST, a server's in
 * BOOTREPLY). Octets after END are padding and are not examined.
 */
final class DhcpParser {

    static final int INVALID = -1;
    /** A valid BOOTP message without a DHCP message type option. */
    static final int BOOTP = 0;

    static final int OPTIONS = 240;
    static final long MAGIC_COOKIE = 0x63825363L;
    static final int OPT_PAD = 0;
    static final int OPT_HOSTNAME = 12;
    static final int OPT_MESSAGE_TYPE = 53;
    static final int OPT_PARAMETER_LIST = 55;
    static final int OPT_CLASS_ID = 60;
    static final int OPT_CLIENT_ID = 61;
    static final int OPT_END = 255;

    private static final String[] TYPE_NAMES = {null, "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPDECLINE",
        "DHCPACK", "DHCPNAK", "DHCPRELEASE", "DHCPINFORM", "DHCPFORCERENEW", "DHCPLEASEQUERY",
        "DHCPLEASEUNASSIGNED", "DHCPLEASEUNKNOWN", "DHCPLEASEACTIVE", "DHCPBULKLEASEQUERY", "DHCPLEASEQUERYDONE",
        "DHCPACTIVELEASEQUERY", "DHCPLEASEQUERYSTATUS", "DHCPTLS"};
    /** Bit t set: message type t is sent by clients or relays (op BOOTREQUEST). */
    private static final int REQUEST_TYPES = (1 << 1) | (1 << 3) | (1 << 4) | (1 << 7) | (1 << 8) | (1 << 10)
        | (1 << 14) | (1 << 16);

    private DhcpParser() {
    }

    /** RFC name of a message type (1..18), or null. */
    static String typeName(int type) {
        return type > 0 && type < TYPE_NAMES.length ? TYPE_NAMES[type] : null;
    }

    /** The DHCP message type of a valid message, {@link #BOOTP} when it has none, or {@link #INVALID}. */
    static int messageType(PacketView p) {
        int len = p.length();
        if (len <= OPTIONS) {
            return INVALID;
        }
        int op = p.u8(0);
        if (op != 1 && op != 2) {
            return INVALID;
        }
        if (p.u32(236) != MAGIC_COOKIE) {
            return INVALID;
        }
        int htype = p.u8(1);
        int hlen = p.u8(2);
        if (htype < 1 || htype > 40 || hlen > 16) {
            return INVALID;
        }
        if ((htype == 1 || htype == 6) && hlen != 6 || htype == 32 && hlen != 0) {
            return INVALID;
        }
        if (p.u8(3) > 16 || (p.u16(10) & 0x7fff) != 0) {
            return INVALID;
        }
        int type = BOOTP;
        int pos = OPTIONS;
        while (true) {
            if (pos >= len) {
                return INVALID; // no END
            }
            int code = p.u8(pos);
            if (code == OPT_END) {
                break;
            }
            if (code == OPT_PAD) {
                pos++;
                continue;
            }
            if (pos + 1 >= len) {
                return INVALID;
            }
            int olen = p.u8(pos + 1);
            int next = pos + 2 + olen;
            if (next > len) {
                return INVALID;
            }
            if (code == OPT_MESSAGE_TYPE) {
                if (olen != 1 || type != BOOTP) {
                    return INVALID;
                }
                type = p.u8(pos + 2);
                if (type < 1 || type >= TYPE_NAMES.length) {
                    return INVALID;
                }
            }
            pos = next;
        }
        if (type != BOOTP && ((REQUEST_TYPES >> type) & 1) != (op == 1 ? 1 : 0)) {
            return INVALID;
        }
        return type;
    }

    /**
     * Offset of the value of the first option {@code code} in a message {@link #messageType} accepted, or -1; its
     * length is the octet before it.
     */
    static int find(PacketView p, int code) {
        int len = p.length();
        int pos = OPTIONS;
        while (pos < len) {
            int c = p.u8(pos);
            if (c == OPT_END) {
                return -1;
            }
            if (c == OPT_PAD) {
                pos++;
                continue;
            }
            if (pos + 1 >= len) {
                return -1;
            }
            int next = pos + 2 + p.u8(pos + 1);
            if (next > len) {
                return -1;
            }
            if (c == code) {
                return pos + 2;
            }
            pos = next;
        }
        return -1;
    }
}
