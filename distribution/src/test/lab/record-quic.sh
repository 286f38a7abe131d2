#!/bin/bash
# Records a real QUIC v1 handshake (ngtcp2 client and server, GnuTLS backend) across network namespaces:
# client <-> router (ip_forward, capture point) <-> server. The client resolves "quic.flowmark.test" through an
# /etc/netns/<ns>/hosts file, so the ClientHello carries that SNI (and ALPN h3).
#
# Packages (Debian 12): ngtcp2-client ngtcp2-server tcpdump wireshark-common (editcap) openssl iproute2
#   apt-get install -y ngtcp2-client ngtcp2-server tcpdump wireshark-common openssl iproute2
# Run as root from the repository root:
#   bash distribution/src/test/lab/record-quic.sh distribution/src/test/resources/golden/quic-ngtcp2-v1.pcap
# Only namespaces this script creates are touched; everything is removed on exit.
set -euo pipefail
OUT=${1:-distribution/src/test/resources/golden/quic-ngtcp2-v1.pcap}
OUT=$(realpath -m "$OUT")
ID=fm$$
C=${ID}c; R=${ID}r; S=${ID}s
TMP=$(mktemp -d)
HOST=quic.flowmark.test
PIDS=()

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.3
    for n in "$C" "$R" "$S"; do ip netns del "$n" 2>/dev/null || true; done
    rm -rf "/etc/netns/$C" "$TMP"
}
trap cleanup EXIT

for n in "$C" "$R" "$S"; do ip netns add "$n"; done
ip link add "${ID}a" type veth peer name "${ID}b"
ip link add "${ID}x" type veth peer name "${ID}y"
ip link set "${ID}a" netns "$C"; ip link set "${ID}b" netns "$R"
ip link set "${ID}x" netns "$R"; ip link set "${ID}y" netns "$S"
ip -n "$C" addr add 10.201.1.2/24 dev "${ID}a"
ip -n "$R" addr add 10.201.1.1/24 dev "${ID}b"
ip -n "$R" addr add 10.201.2.1/24 dev "${ID}x"
ip -n "$S" addr add 10.201.2.2/24 dev "${ID}y"
for n in "$C" "$R" "$S"; do ip -n "$n" link set lo up; done
ip -n "$C" link set "${ID}a" up; ip -n "$R" link set "${ID}b" up
ip -n "$R" link set "${ID}x" up; ip -n "$S" link set "${ID}y" up
ip -n "$C" route add default via 10.201.1.1
ip -n "$S" route add default via 10.201.2.1
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1

mkdir -p "/etc/netns/$C"
printf '127.0.0.1 localhost\n10.201.2.2 %s\n' "$HOST" > "/etc/netns/$C/hosts"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$HOST" \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
mkdir -p "$TMP/htdocs"; echo "hello from flowmark's QUIC lab" > "$TMP/htdocs/index.html"

ip netns exec "$R" tcpdump -q -i "${ID}b" -w "$TMP/raw.pcap" -U udp port 4433 2>/dev/null &
PIDS+=($!)
ip netns exec "$S" gtlsserver -q -d "$TMP/htdocs" 10.201.2.2 4433 "$TMP/key.pem" "$TMP/cert.pem" &
PIDS+=($!)
sleep 1.5
ip netns exec "$C" timeout 10 gtlsclient -q --exit-on-all-streams-close "$HOST" 4433 \
    "https://$HOST:4433/index.html" > /dev/null || true
sleep 1
kill "${PIDS[0]}" 2>/dev/null || true
sleep 0.5
mkdir -p "$(dirname "$OUT")"
editcap -F pcap -r "$TMP/raw.pcap" "$OUT" 1-40
ls -l "$OUT"
