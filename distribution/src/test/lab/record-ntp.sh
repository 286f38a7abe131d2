#!/bin/sh
# Records an NTP golden capture between network namespaces (client -- router -- server), capturing on the router.
# Real software: chronyd as the server (local stratum 8, clock never touched: -x) in the server namespace;
# ntpdate -q (ntpsec) and chronyd -Q (query only, the clock is never set) as clients in the client namespace.
#   Packages: apt-get install -y chrony ntpsec-ntpdate tcpdump wireshark-common iproute2
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-ntp.sh distribution/src/test/resources/golden
# Writes ntp-client-server.pcap: ntpdate's NTPv4 client requests and chronyd's answers, then chronyd -Q's
# iburst requests (mode 3) and server replies (mode 4, stratum 8).
set -eu
OUT=$(cd "${1:?output directory}" && pwd -P)
N=fm$$
C=${N}c; R=${N}r; S=${N}s
TMP=$(mktemp -d)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    for ns in $C $R $S; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ip netns add $C; ip netns add $R; ip netns add $S
ip link add ${N}a type veth peer name ${N}b
ip link add ${N}x type veth peer name ${N}y
ip link set ${N}a netns $C; ip link set ${N}b netns $R
ip link set ${N}x netns $R; ip link set ${N}y netns $S
ip -n $C addr add 10.217.1.2/24 dev ${N}a; ip -n $R addr add 10.217.1.1/24 dev ${N}b
ip -n $R addr add 10.217.2.1/24 dev ${N}x; ip -n $S addr add 10.217.2.2/24 dev ${N}y
for ns in $C $R $S; do ip -n $ns link set lo up; done
ip -n $C link set ${N}a up; ip -n $R link set ${N}b up; ip -n $R link set ${N}x up; ip -n $S link set ${N}y up
ip -n $C route add default via 10.217.1.1; ip -n $S route add default via 10.217.2.1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1

cat > "$TMP/server.conf" <<CONF
local stratum 8
allow all
port 123
cmdport 0
pidfile $TMP/server.pid
CONF
cat > "$TMP/client.conf" <<CONF
server 10.217.2.2 iburst maxsamples 4
cmdport 0
pidfile $TMP/client.pid
CONF
ip netns exec $S chronyd -d -x -u root -f "$TMP/server.conf" >"$TMP/server.log" 2>&1 &
PIDS="$PIDS $!"
sleep 1

ip netns exec $R tcpdump -q -U -i ${N}b -w "$TMP/ntp.pcap" udp port 123 >/dev/null 2>&1 &
TP=$!
sleep 1
ip netns exec $C timeout 20 ntpdate -q 10.217.2.2 || true
ip netns exec $C timeout 30 chronyd -Q -u root -t 20 -f "$TMP/client.conf" || true
sleep 1
kill $TP; wait $TP 2>/dev/null || true
editcap -r "$TMP/ntp.pcap" "$OUT/ntp-client-server.pcap" 1-40 >/dev/null
echo "recorded $OUT/ntp-client-server.pcap ($(wc -c < "$OUT/ntp-client-server.pcap") bytes)"
