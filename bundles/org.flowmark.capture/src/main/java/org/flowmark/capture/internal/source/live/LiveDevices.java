package org.flowmark.capture.internal.source.live;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import org.flowmark.capture.internal.source.CaptureException;
import org.pcap4j.core.PcapAddress;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.Pcaps;

/** The interfaces libpcap can capture on ({@code pcap_findalldevs} through pcap4j), for status output and errors. */
public final class LiveDevices {

    /**
     * One capture device.
     *
     * @param name        interface name to pass to {@link LiveOptions#of(String)}
     * @param description libpcap's description, or "" when it has none
     * @param addresses   addresses as {@code address/prefix} (prefix omitted when libpcap gives no netmask)
     * @param loopback    a loopback interface
     * @param up          the interface is up
     */
    public record Device(String name, String description, List<String> addresses, boolean loopback, boolean up) {
        public Device {
            addresses = List.copyOf(addresses);
        }
    }

    private LiveDevices() {
    }

    /** All capture devices, in libpcap's order (which puts up, running, addressed interfaces first). */
    public static List<Device> list() throws CaptureException {
        LibPcap.load();
        List<PcapNetworkInterface> nifs;
        try {
            nifs = Pcaps.findAllDevs();
        } catch (PcapNativeException e) {
            throw new CaptureException("cannot list capture interfaces: " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw new CaptureException(LibPcap.INSTALL_HINT + " (" + e + ")", e);
        }
        List<Device> out = new ArrayList<>(nifs.size());
        for (PcapNetworkInterface nif : nifs) {
            List<String> addrs = new ArrayList<>();
            for (PcapAddress a : nif.getAddresses()) {
                if (a.getAddress() != null) {
                    addrs.add(format(a.getAddress(), a.getNetmask()));
                }
            }
            String desc = nif.getDescription();
            out.add(new Device(nif.getName(), desc == null ? "" : desc, addrs, nif.isLoopBack(), nif.isUp()));
        }
        return out;
    }

    /** The device names, comma separated, for error messages ("lo, eth0, veth-a"). */
    public static String names() {
        try {
            List<Device> devs = list();
            if (devs.isEmpty()) {
                return "none";
            }
            StringBuilder sb = new StringBuilder();
            for (Device d : devs) {
                if (sb.length() > 0) {
                    sb.append(", ");
                }
                sb.append(d.name());
            }
            return sb.toString();
        } catch (CaptureException e) {
            return "unknown: " + e.getMessage();
        }
    }

    static String format(InetAddress addr, InetAddress mask) {
        String host = addr.getHostAddress();
        int pct = host.indexOf('%'); // drop the IPv6 scope suffix pcap4j's InetAddress may carry
        if (pct >= 0) {
            host = host.substring(0, pct);
        }
        if (mask == null) {
            return host;
        }
        byte[] m = mask.getAddress();
        if (m.length != addr.getAddress().length) {
            return host;
        }
        int prefix = 0;
        for (byte b : m) {
            prefix += Integer.bitCount(b & 0xff);
        }
        return host + "/" + prefix;
    }
}
