#!/bin/sh
# Records STUN/TURN golden captures between network namespaces (client -- router -- server), capturing on the
# router. Real software: coturn (turnserver in the server namespace; turnutils_stunclient and turnutils_uclient
# in the client namespace).
#   Packages: apt-get install -y coturn tcpdump wireshark-common iproute2
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-stun.sh distribution/src/test/resources/golden
# Writes stun-binding.pcap (RFC 5389 Binding requests and responses with SOFTWARE, XOR-MAPPED-ADDRESS and
# FINGERPRINT) and turn-allocate.pcap (TURN Allocate with long-term credentials, CreatePermission, ChannelBind
# and relayed data over UDP), each trimmed to 40 packets.
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
ip -n $C addr add 10.213.1.2/24 dev ${N}a; ip -n $R addr add 10.213.1.1/24 dev ${N}b
ip -n $R addr add 10.213.2.1/24 dev ${N}x; ip -n $S addr add 10.213.2.2/24 dev ${N}y
for ns in $C $R $S; do ip -n $ns link set lo up; done
ip -n $C link set ${N}a up; ip -n $R link set ${N}b up; ip -n $R link set ${N}x up; ip -n $S link set ${N}y up
ip -n $C route add default via 10.213.1.1; ip -n $S route add default via 10.213.2.1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1

ip netns exec $S turnserver -n --listening-ip=10.213.2.2 --relay-ip=10.213.2.2 --listening-port=3478 \
    --lt-cred-mech --user=fm:secret --realm=flowmark.test --fingerprint --no-tls --no-dtls --no-cli \
    --min-port=49160 --max-port=49200 --pidfile="$TMP/turn.pid" --log-file=stdout >"$TMP/turn.log" 2>&1 &
PIDS="$PIDS $!"
sleep 1.5

capture() { # name, packets to keep, then the command run in the client namespace
    name=$1; keep=$2; shift 2
    ip netns exec $R tcpdump -q -U -i ${N}b -w "$TMP/$name.pcap" udp >/dev/null 2>&1 &
    tp=$!
    sleep 1
    "$@" >/dev/null 2>&1 || true
    sleep 1
    kill $tp; wait $tp 2>/dev/null || true
    editcap -r "$TMP/$name.pcap" "$OUT/$name.pcap" "1-$keep" >/dev/null
    echo "recorded $OUT/$name.pcap ($(wc -c < "$OUT/$name.pcap") bytes)"
}
capture stun-binding 40 ip netns exec $C turnutils_stunclient -p 3478 10.213.2.2
capture turn-allocate 40 ip netns exec $C timeout 10 turnutils_uclient -u fm -w secret -r flowmark.test -n 5 -m 1 \
    -l 120 -e 10.213.2.2 -g 10.213.2.2
