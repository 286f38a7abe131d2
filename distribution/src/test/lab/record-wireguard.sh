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
. "$(dirname "$0")/lab-lib.sh"
lab_up fm 10.211
C=$LAB_C R=$LAB_R S=$LAB_S TMP=$LAB_TMP
[ -c /dev/net/tun ] || { mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }

wg genkey > "$TMP/c.key"; wg pubkey < "$TMP/c.key" > "$TMP/c.pub"
wg genkey > "$TMP/s.key"; wg pubkey < "$TMP/s.key" > "$TMP/s.pub"
tunnel() { # namespace, interface, tunnel address, private key, listen port, peer key, peer address, [endpoint]
    lab_bg env WG_PROCESS_FOREGROUND=1 ip netns exec "$1" wireguard-go "$2" >"$TMP/$2.log" 2>&1
    for i in 1 2 3 4 5 6 7 8 9 10; do ip -n "$1" link show "$2" >/dev/null 2>&1 && break; sleep 0.3; done
    if [ -n "${8:-}" ]; then
        ip netns exec "$1" wg set "$2" private-key "$4" listen-port "$5" peer "$(cat "$6")" allowed-ips "$7/32" endpoint "$8"
    else
        ip netns exec "$1" wg set "$2" private-key "$4" listen-port "$5" peer "$(cat "$6")" allowed-ips "$7/32"
    fi
    ip -n "$1" addr add "$3/24" dev "$2"
    ip -n "$1" link set "$2" up
}
tunnel $S ${LAB_ID}ws 10.99.7.2 "$TMP/s.key" 51820 "$TMP/c.pub" 10.99.7.1
tunnel $C ${LAB_ID}wc 10.99.7.1 "$TMP/c.key" 40123 "$TMP/s.pub" 10.99.7.2 10.211.2.2:51820

lab_record "$OUT/wireguard-handshake.pcap" 40 udp ip netns exec $C ping -q -c 6 -i 0.2 10.99.7.2
lab_record "$OUT/wireguard-transport.pcap" 40 udp ip netns exec $C ping -q -c 10 -i 0.2 -s 300 10.99.7.2
