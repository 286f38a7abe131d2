#!/bin/sh
# Records a DNS golden capture between network namespaces (client -- router -- server), capturing on the router.
# Real software: dnsmasq serving local names in the server namespace, dig (BIND) in the client namespace.
#   Packages: apt-get install -y dnsmasq-base bind9-dnsutils tcpdump wireshark-common iproute2
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-dns.sh distribution/src/test/resources/golden
# Writes dns-queries.pcap: over UDP an A query answered through a CNAME chain (www -> mid -> web), an AAAA query,
# an NXDOMAIN, an HTTPS (type 65) record with an ipv4hint, and the A query again over TCP (dig +tcp).
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
ip -n $C addr add 10.215.1.2/24 dev ${N}a; ip -n $R addr add 10.215.1.1/24 dev ${N}b
ip -n $R addr add 10.215.2.1/24 dev ${N}x; ip -n $S addr add 10.215.2.2/24 dev ${N}y
for ns in $C $R $S; do ip -n $ns link set lo up; done
ip -n $C link set ${N}a up; ip -n $R link set ${N}b up; ip -n $R link set ${N}x up; ip -n $S link set ${N}y up
ip -n $C route add default via 10.215.1.1; ip -n $S route add default via 10.215.2.1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1

# HTTPS RR (RFC 9460): priority 1, target ".", ipv4hint (key 4) 10.215.2.80
ip netns exec $S dnsmasq --keep-in-foreground --no-resolv --no-hosts --conf-file=/dev/null \
    --listen-address=10.215.2.2 --bind-interfaces --user=root --pid-file="$TMP/dnsmasq.pid" \
    --local=/flowmark.test/ --local-ttl=300 \
    --host-record=web.flowmark.test,10.215.2.80,fd00:215::80 \
    --cname=mid.flowmark.test,web.flowmark.test --cname=www.flowmark.test,mid.flowmark.test \
    --dns-rr=svc.flowmark.test,65,000100000400040ad70250 \
    --log-facility="$TMP/dnsmasq.log" &
PIDS="$PIDS $!"
sleep 1

DIG="ip netns exec $C dig @10.215.2.2 +tries=1 +time=2"
ip netns exec $R tcpdump -q -U -i ${N}b -w "$TMP/dns.pcap" port 53 >/dev/null 2>&1 &
TP=$!
sleep 1
$DIG A www.flowmark.test || true
$DIG AAAA web.flowmark.test || true
$DIG A nope.flowmark.test || true
$DIG -t TYPE65 svc.flowmark.test || true
$DIG +tcp A www.flowmark.test || true
sleep 1
kill $TP; wait $TP 2>/dev/null || true
editcap -r "$TMP/dns.pcap" "$OUT/dns-queries.pcap" 1-60 >/dev/null
echo "recorded $OUT/dns-queries.pcap ($(wc -c < "$OUT/dns-queries.pcap") bytes)"
