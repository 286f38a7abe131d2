#!/bin/sh
# Records the DTLS golden captures (distribution/src/test/resources/golden/dtls-*.pcap) in a private
# network-namespace lab, with real OpenSSL peers over UDP.
#
#   sudo distribution/src/test/lab/record-dtls.sh [OUTPUT_DIR]
#
# The committed captures were made with exactly:
#   sudo distribution/src/test/lab/record-dtls.sh distribution/src/test/resources/golden
# Needs: root, iproute2, tcpdump, openssl, wireshark-common (editcap) (Debian packages iproute2 tcpdump openssl
# wireshark-common).
#
# Lab (created here, removed on exit; nothing outside these namespaces is touched):
#   client ns eth0 10.79.1.2/24 --- r-c 10.79.1.1  router ns  r-s 10.79.2.1 --- eth0 10.79.2.2/24 server ns
# tcpdump captures on the router's client-side interface, so both directions are seen.
#
# Server: `openssl s_server -listen` (stateless cookie exchange: HelloVerifyRequest, then a second ClientHello with
# the cookie) with a self-signed certificate made by `openssl req -x509` (CN dtls.example, SAN DNS:dtls.example,
# DNS:*.dtls.example); one server per capture. Captures (each trimmed to its first 30 packets):
#   dtls-1.2.pcap      DTLS 1.2 on UDP 4433, SNI dtls.example, ALPN coap; the server's MTU is 400 bytes
#                      (-mtu 400), so its Certificate message is fragmented over several records and datagrams
#   dtls-1.0-weak.pcap DTLS 1.0 (-dtls1) with NULL-SHA at @SECLEVEL=0 on UDP 20443 (no hint port),
#                      SNI old.dtls.example (covered by the wildcard)
set -eu

OUT=${1:-distribution/src/test/resources/golden}
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac
[ "$(id -u)" -eq 0 ] || { echo "record-dtls: run as root (network namespaces, tcpdump)" >&2; exit 2; }
for t in ip tcpdump openssl editcap; do
    command -v $t >/dev/null 2>&1 || {
        echo "record-dtls: $t is missing (apt-get install iproute2 tcpdump openssl wireshark-common)" >&2; exit 2; }
done

TAG=fmd$$
C=${TAG}c R=${TAG}r S=${TAG}s
WORK=$(mktemp -d /tmp/flowmark-dtls.XXXXXX)
PIDS=""

cleanup() {
    set +e
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    for n in $C $R $S; do ip netns del "$n" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

in_ns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

ip netns add $C
ip netns add $R
ip netns add $S
for n in $C $R $S; do in_ns $n ip link set lo up; done
ip -n $C link add eth0 type veth peer name r-c netns $R
ip -n $S link add eth0 type veth peer name r-s netns $R
ip -n $C addr add 10.79.1.2/24 dev eth0
ip -n $R addr add 10.79.1.1/24 dev r-c
ip -n $R addr add 10.79.2.1/24 dev r-s
ip -n $S addr add 10.79.2.2/24 dev eth0
for spec in "$C eth0" "$R r-c" "$R r-s" "$S eth0"; do set -- $spec; ip -n "$1" link set "$2" up; done
ip -n $C route add default via 10.79.1.1
ip -n $S route add default via 10.79.2.1
in_ns $R sysctl -q -w net.ipv4.ip_forward=1
for spec in "$C eth0" "$R r-c"; do set -- $spec
    in_ns "$1" sysctl -q -w "net.ipv6.conf.$2.disable_ipv6=1" || true
done

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/O=Flowmark Lab/CN=dtls.example" \
    -addext "subjectAltName=DNS:dtls.example,DNS:*.dtls.example" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

server() { # port, extra s_server options...
    port=$1; shift
    (sleep 8) | in_ns $S openssl s_server -quiet -listen -accept "$port" -cert "$WORK/cert.pem" \
        -key "$WORK/key.pem" -naccept 1 "$@" >"$WORK/server-$port.log" 2>&1 &
    PIDS="$PIDS $!"
    i=0
    until in_ns $S sh -c "ss -lun | grep -q ':$port '"; do
        i=$((i + 1)); [ $i -lt 50 ] || { echo "record-dtls: s_server on $port did not start" >&2; cat "$WORK/server-$port.log" >&2; exit 1; }
        sleep 0.1
    done
}

capture() { # name, port, s_client options...
    name=$1; port=$2; shift 2
    in_ns $R tcpdump -i r-c -n -U -Z root -w "$WORK/$name.pcap" "udp port $port" >"$WORK/tcpdump-$name.log" 2>&1 &
    td=$!
    i=0
    until grep -q "listening on" "$WORK/tcpdump-$name.log" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 50 ] || { echo "record-dtls: tcpdump did not start" >&2; exit 1; }
        sleep 0.1
    done
    sleep 0.3
    (echo "hello over dtls"; sleep 1) | in_ns $C timeout 10 openssl s_client -connect 10.79.2.2:"$port" "$@" \
        >"$WORK/client-$name.log" 2>&1 || true
    sleep 0.5
    kill -TERM $td  # background jobs of a non-interactive sh ignore SIGINT
    wait $td 2>/dev/null || true
    grep -q "Cipher is" "$WORK/client-$name.log" || {
        echo "record-dtls: handshake for $name failed:" >&2; cat "$WORK/client-$name.log" >&2; exit 1; }
    mkdir -p "$OUT"
    editcap -F pcap -r "$WORK/$name.pcap" "$OUT/$name.pcap" 1-30
    echo "record-dtls: wrote $OUT/$name.pcap ($(wc -c < "$OUT/$name.pcap") bytes); $(grep -h 'packets captured' "$WORK/tcpdump-$name.log")" >&2
}

server 4433 -dtls1_2 -mtu 400 -alpn coap
capture dtls-1.2 4433 -dtls1_2 -servername dtls.example -alpn coap

server 20443 -dtls1 -cipher 'NULL-SHA:@SECLEVEL=0'
capture dtls-1.0-weak 20443 -dtls1 -servername old.dtls.example -cipher 'NULL-SHA:@SECLEVEL=0'
