#!/bin/sh
# Records DHCP and DHCPv6 golden captures over a veth between two network namespaces (DHCP does not cross a
# router: the "router" namespace runs the server and the capture). Real software: dnsmasq serving DHCPv4 and
# stateful DHCPv6; busybox udhcpc and ISC dhclient (-4 and -6) as clients, their scripts replaced by /bin/true so
# nothing outside the namespaces is touched.
#   Packages: apt-get install -y dnsmasq-base busybox isc-dhcp-client tcpdump wireshark-common iproute2
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-dhcp.sh distribution/src/test/resources/golden
# Writes dhcp-dora.pcap (udhcpc then dhclient: DISCOVER/OFFER/REQUEST/ACK each, with their parameter request
# lists, vendor class and host name) and dhcpv6-solicit.pcap (dhclient -6: SOLICIT/ADVERTISE/REQUEST/REPLY).
set -eu
OUT=$(cd "${1:?output directory}" && pwd -P)
. "$(dirname "$0")/lab-lib.sh"
lab_up -2 fm -
C=$LAB_C R=$LAB_R TMP=$LAB_TMP
ip -n $R addr add 10.216.1.1/24 dev $LAB_RCIF
ip -n $R addr add fd00:216::1/64 dev $LAB_RCIF nodad
sleep 2 # link-local addresses (DHCPv6 runs on them)

ip netns exec $R dnsmasq --keep-in-foreground --port=0 --no-resolv --no-hosts --conf-file=/dev/null \
    --interface=$LAB_RCIF --bind-interfaces --user=root --pid-file="$TMP/dnsmasq.pid" \
    --dhcp-range=10.216.1.100,10.216.1.150,255.255.255.0,1h --dhcp-range=fd00:216::100,fd00:216::1ff,64,1h \
    --no-ping --dhcp-leasefile="$TMP/leases" --log-facility="$TMP/dnsmasq.log" &
lab_register $!
sleep 1

lab_capture_start "$TMP/v4.pcap" udp port 67 or udp port 68
cat > "$TMP/dhclient.conf" <<CONF
send host-name "fmlab-dhclient";
request subnet-mask, broadcast-address, time-offset, routers, domain-name, domain-name-servers, domain-search,
    host-name, interface-mtu, ntp-servers;
CONF
ip netns exec $C busybox udhcpc -i $LAB_CIF -n -q -t 4 -T 2 -s /bin/true -x hostname:fmlab-udhcpc \
    -V flowmark-lab >/dev/null 2>&1 || true
ip netns exec $C dhclient -4 -1 -v -sf /bin/true -lf "$TMP/dhclient4.leases" -pf "$TMP/dhclient4.pid" \
    -cf "$TMP/dhclient.conf" $LAB_CIF >/dev/null 2>&1 || true
sleep 1
lab_capture_stop
[ -f "$TMP/dhclient4.pid" ] && kill "$(cat "$TMP/dhclient4.pid")" 2>/dev/null || true

lab_capture_start "$TMP/v6.pcap" udp port 546 or udp port 547
ip netns exec $C timeout 15 dhclient -6 -1 -v -sf /bin/true -lf "$TMP/dhclient6.leases" -pf "$TMP/dhclient6.pid" \
    $LAB_CIF >/dev/null 2>&1 || true
sleep 1
lab_capture_stop
[ -f "$TMP/dhclient6.pid" ] && kill "$(cat "$TMP/dhclient6.pid")" 2>/dev/null || true

lab_save "$TMP/v4.pcap" "$OUT/dhcp-dora.pcap" 40
lab_save "$TMP/v6.pcap" "$OUT/dhcpv6-solicit.pcap" 20
