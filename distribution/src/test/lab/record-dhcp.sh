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
N=fm$$
C=${N}c; R=${N}r
TMP=$(mktemp -d)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    for ns in $C $R; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ip netns add $C; ip netns add $R
ip link add ${N}a type veth peer name ${N}b
ip link set ${N}a netns $C; ip link set ${N}b netns $R
ip -n $R addr add 10.216.1.1/24 dev ${N}b
ip -n $R addr add fd00:216::1/64 dev ${N}b nodad
for ns in $C $R; do ip -n $ns link set lo up; done
ip -n $C link set ${N}a up; ip -n $R link set ${N}b up
sleep 2 # link-local addresses (DHCPv6 runs on them)

ip netns exec $R dnsmasq --keep-in-foreground --port=0 --no-resolv --no-hosts --conf-file=/dev/null \
    --interface=${N}b --bind-interfaces --user=root --pid-file="$TMP/dnsmasq.pid" \
    --dhcp-range=10.216.1.100,10.216.1.150,255.255.255.0,1h --dhcp-range=fd00:216::100,fd00:216::1ff,64,1h \
    --no-ping --dhcp-leasefile="$TMP/leases" --log-facility="$TMP/dnsmasq.log" &
PIDS="$PIDS $!"
sleep 1

ip netns exec $R tcpdump -q -U -i ${N}b -w "$TMP/v4.pcap" udp port 67 or udp port 68 >/dev/null 2>&1 &
TP=$!
sleep 1
cat > "$TMP/dhclient.conf" <<CONF
send host-name "fmlab-dhclient";
request subnet-mask, broadcast-address, time-offset, routers, domain-name, domain-name-servers, domain-search,
    host-name, interface-mtu, ntp-servers;
CONF
ip netns exec $C busybox udhcpc -i ${N}a -n -q -t 4 -T 2 -s /bin/true -x hostname:fmlab-udhcpc \
    -V flowmark-lab >/dev/null 2>&1 || true
ip netns exec $C dhclient -4 -1 -v -sf /bin/true -lf "$TMP/dhclient4.leases" -pf "$TMP/dhclient4.pid" \
    -cf "$TMP/dhclient.conf" ${N}a >/dev/null 2>&1 || true
sleep 1
kill $TP; wait $TP 2>/dev/null || true
[ -f "$TMP/dhclient4.pid" ] && kill "$(cat "$TMP/dhclient4.pid")" 2>/dev/null || true

ip netns exec $R tcpdump -q -U -i ${N}b -w "$TMP/v6.pcap" udp port 546 or udp port 547 >/dev/null 2>&1 &
TP=$!
sleep 1
ip netns exec $C timeout 15 dhclient -6 -1 -v -sf /bin/true -lf "$TMP/dhclient6.leases" -pf "$TMP/dhclient6.pid" \
    ${N}a >/dev/null 2>&1 || true
sleep 1
kill $TP; wait $TP 2>/dev/null || true
[ -f "$TMP/dhclient6.pid" ] && kill "$(cat "$TMP/dhclient6.pid")" 2>/dev/null || true

editcap -r "$TMP/v4.pcap" "$OUT/dhcp-dora.pcap" 1-40 >/dev/null
editcap -r "$TMP/v6.pcap" "$OUT/dhcpv6-solicit.pcap" 1-20 >/dev/null
echo "recorded $OUT/dhcp-dora.pcap ($(wc -c < "$OUT/dhcp-dora.pcap") bytes)," \
    "$OUT/dhcpv6-solicit.pcap ($(wc -c < "$OUT/dhcpv6-solicit.pcap") bytes)"
