#!/bin/sh
# Records the TLS golden captures (distribution/src/test/resources/golden/tls-*.pcap) in a private
# network-namespace lab, with real OpenSSL peers.
#
#   sudo distribution/src/test/lab/record-tls.sh [OUTPUT_DIR]
#
# The committed captures were made with exactly:
#   sudo distribution/src/test/lab/record-tls.sh distribution/src/test/resources/golden
# Needs: root, iproute2, tcpdump, openssl, ethtool (Debian packages iproute2 tcpdump openssl ethtool).
#
# Lab (created here, removed on exit; nothing outside these namespaces is touched):
#   client ns eth0 10.78.1.2/24 --- r-c 10.78.1.1  router ns  r-s 10.78.2.1 --- eth0 10.78.2.2/24 server ns
# tcpdump captures on the router's client-side interface, so both directions are seen.
#
# Server: `openssl s_server` with a self-signed certificate made by `openssl req -x509` (CN tls.flowmark.test,
# SAN DNS:tls.flowmark.test, DNS:*.flowmark.test), one server per capture. Captures:
#   tls-1.3.pcap        TLS 1.3, SNI tls.flowmark.test, ALPN h2,http/1.1
#   tls-1.2.pcap        TLS 1.2 (-tls1_2), SNI www.flowmark.test (covered by the wildcard), certificate in clear
#   tls-weak.pcap       TLS 1.0 (-tls1) with NULL-SHA at @SECLEVEL=0 (this OpenSSL build has no 3DES), SNI other.example (not in the SAN)
#   tls-split-ch.pcap   TLS 1.2 with a 1.3 KB ClientHello (40 ALPN names) over routes with advmss 536,
#                       so the ClientHello and the certificate span several TCP segments
set -eu

OUT=${1:-distribution/src/test/resources/golden}
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac
[ "$(id -u)" -eq 0 ] || { echo "record-tls: run as root (network namespaces, tcpdump)" >&2; exit 2; }
for t in ip tcpdump openssl; do
    command -v $t >/dev/null 2>&1 || { echo "record-tls: $t is missing (apt-get install iproute2 tcpdump openssl)" >&2; exit 2; }
done

TAG=fmt$$
C=${TAG}c R=${TAG}r S=${TAG}s
WORK=$(mktemp -d /tmp/flowmark-tls.XXXXXX)
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
ip -n $C addr add 10.78.1.2/24 dev eth0
ip -n $R addr add 10.78.1.1/24 dev r-c
ip -n $R addr add 10.78.2.1/24 dev r-s
ip -n $S addr add 10.78.2.2/24 dev eth0
for spec in "$C eth0" "$R r-c" "$R r-s" "$S eth0"; do set -- $spec; ip -n "$1" link set "$2" up; done
ip -n $C route add default via 10.78.1.1
ip -n $S route add default via 10.78.2.1
in_ns $R sysctl -q -w net.ipv4.ip_forward=1
for spec in "$C eth0" "$R r-c"; do set -- $spec
    in_ns "$1" sysctl -q -w "net.ipv6.conf.$2.disable_ipv6=1" || true
done
# no TCP offloads: segments on the wire are what the capture shows
for spec in "$C eth0" "$R r-c" "$R r-s" "$S eth0"; do set -- $spec
    in_ns "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 || true
done

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/O=Flowmark Lab/CN=tls.flowmark.test" \
    -addext "subjectAltName=DNS:tls.flowmark.test,DNS:*.flowmark.test" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

server() { # port, extra s_server options...
    port=$1; shift
    in_ns $S openssl s_server -quiet -accept "$port" -cert "$WORK/cert.pem" -key "$WORK/key.pem" -naccept 1 "$@" \
        >"$WORK/server-$port.log" 2>&1 </dev/null &
    PIDS="$PIDS $!"
    i=0
    until in_ns $S sh -c "ss -ltn | grep -q ':$port '"; do
        i=$((i + 1)); [ $i -lt 50 ] || { echo "record-tls: s_server on $port did not start" >&2; cat "$WORK/server-$port.log" >&2; exit 1; }
        sleep 0.1
    done
}

capture() { # name, port, s_client options...
    name=$1; port=$2; shift 2
    in_ns $R tcpdump -i r-c -n -U -Z root -w "$WORK/$name.pcap" "tcp port $port" >"$WORK/tcpdump-$name.log" 2>&1 &
    td=$!
    i=0
    until grep -q "listening on" "$WORK/tcpdump-$name.log" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 50 ] || { echo "record-tls: tcpdump did not start" >&2; exit 1; }
        sleep 0.1
    done
    sleep 0.3
    (echo "GET / HTTP/1.0"; echo; sleep 1) | in_ns $C openssl s_client -connect 10.78.2.2:"$port" "$@" \
        >"$WORK/client-$name.log" 2>&1 || true
    sleep 0.5
    kill -TERM $td  # background jobs of a non-interactive sh ignore SIGINT
    wait $td 2>/dev/null || true
    mkdir -p "$OUT"
    cp "$WORK/$name.pcap" "$OUT/$name.pcap"
    echo "record-tls: wrote $OUT/$name.pcap ($(wc -c < "$OUT/$name.pcap") bytes); $(grep -h 'packets captured' "$WORK/tcpdump-$name.log")" >&2
}

server 4431 -www
capture tls-1.3 4431 -servername tls.flowmark.test -alpn h2,http/1.1

server 4432 -www -tls1_2
capture tls-1.2 4432 -servername www.flowmark.test -tls1_2

server 4433 -www -tls1 -cipher 'NULL-SHA:@SECLEVEL=0'
capture tls-weak 4433 -servername other.example -tls1 -cipher 'NULL-SHA:@SECLEVEL=0'

ALPN=$(i=0; while [ $i -lt 40 ]; do printf 'flowmark-lab-protocol-%02d,' $i; i=$((i + 1)); done; printf 'http/1.1')
# the server advertises MSS 536 on this route, so the client cuts its ClientHello into 536-byte segments
in_ns $S ip route change default via 10.78.2.1 advmss 536
in_ns $C ip route change default via 10.78.1.1 advmss 536
server 4434 -www -tls1_2
capture tls-split-ch 4434 -servername split.flowmark.test -tls1_2 -alpn "$ALPN"
