#!/bin/sh
# Records WireGuard golden captures between network namespaces (client -- router -- server), capturing on the
# router. Real software: wireguard-go (userspace; the kernel module is not needed) configured with wg.
#   Packages: apt-get install -y wireguard-go wireguard-tools tcpdump wireshark-common iproute2 iputils-ping
#   Needs /dev/net/tun (created when missing: mknod /dev/net/tun c 10 200).
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-wireguard.sh distribution/src/test/resources/golden
# Writes wireguard-handshake.pcap (initiation, response, transport data of a ping) and wireguard-transport.pcap
# (the same tunnel captured after its handshake: transport data only), each trimmed to 40 packets.
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
[ -c /dev/net/tun ] || { mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }

ip netns add $C; ip netns add $R; ip netns add $S
ip link add ${N}a type veth peer name ${N}b
ip link add ${N}x type veth peer name ${N}y
ip link set ${N}a netns $C; ip link set ${N}b netns $R
ip link set ${N}x netns $R; ip link set ${N}y netns $S
ip -n $C addr add 10.211.1.2/24 dev ${N}a; ip -n $R addr add 10.211.1.1/24 dev ${N}b
ip -n $R addr add 10.211.2.1/24 dev ${N}x; ip -n $S addr add 10.211.2.2/24 dev ${N}y
for ns in $C $R $S; do ip -n $ns link set lo up; done
ip -n $C link set ${N}a up; ip -n $R link set ${N}b up; ip -n $R link set ${N}x up; ip -n $S link set ${N}y up
ip -n $C route add default via 10.211.1.1; ip -n $S route add default via 10.211.2.1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1

wg genkey > "$TMP/c.key"; wg pubkey < "$TMP/c.key" > "$TMP/c.pub"
wg genkey > "$TMP/s.key"; wg pubkey < "$TMP/s.key" > "$TMP/s.pub"
tunnel() { # namespace, interface, tunnel address, private key, listen port, peer key, peer address, [endpoint]
    WG_PROCESS_FOREGROUND=1 ip netns exec "$1" wireguard-go "$2" >"$TMP/$2.log" 2>&1 &
    PIDS="$PIDS $!"
    for i in 1 2 3 4 5 6 7 8 9 10; do ip -n "$1" link show "$2" >/dev/null 2>&1 && break; sleep 0.3; done
    if [ -n "${8:-}" ]; then
        ip netns exec "$1" wg set "$2" private-key "$4" listen-port "$5" peer "$(cat "$6")" allowed-ips "$7/32" endpoint "$8"
    else
        ip netns exec "$1" wg set "$2" private-key "$4" listen-port "$5" peer "$(cat "$6")" allowed-ips "$7/32"
    fi
    ip -n "$1" addr add "$3/24" dev "$2"
    ip -n "$1" link set "$2" up
}
tunnel $S ${N}ws 10.99.7.2 "$TMP/s.key" 51820 "$TMP/c.pub" 10.99.7.1
tunnel $C ${N}wc 10.99.7.1 "$TMP/c.key" 40123 "$TMP/s.pub" 10.99.7.2 10.211.2.2:51820

capture() { # name, packets to keep, then the command run in the client namespace
    name=$1; keep=$2; shift 2
    ip netns exec $R tcpdump -q -U -i ${N}b -w "$TMP/$name.pcap" udp >/dev/null 2>&1 &
    tp=$!
    sleep 1
    "$@" || true
    sleep 1
    kill $tp; wait $tp 2>/dev/null || true
    editcap -r "$TMP/$name.pcap" "$OUT/$name.pcap" "1-$keep" >/dev/null
    echo "recorded $OUT/$name.pcap ($(wc -c < "$OUT/$name.pcap") bytes)"
}
capture wireguard-handshake 40 ip netns exec $C ping -q -c 6 -i 0.2 10.99.7.2 >/dev/null
capture wireguard-transport 40 ip netns exec $C ping -q -c 10 -i 0.2 -s 300 10.99.7.2 >/dev/null
