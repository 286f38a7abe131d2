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
. "$(dirname "$0")/lab-lib.sh"
lab_require record-tls "apt-get install iproute2 tcpdump openssl" ip tcpdump openssl

lab_work tls
lab_up -e fmt 10.78
C=$LAB_C R=$LAB_R S=$LAB_S WORK=$LAB_TMP
lab_lan_ipv6 disable_ipv6=1
lab_offload_off

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/O=Flowmark Lab/CN=tls.flowmark.test" \
    -addext "subjectAltName=DNS:tls.flowmark.test,DNS:*.flowmark.test" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

server() { # port, extra s_server options...
    port=$1; shift
    lab_bg lab_in $S openssl s_server -quiet -accept "$port" -cert "$WORK/cert.pem" -key "$WORK/key.pem" \
        -naccept 1 "$@" >"$WORK/server-$port.log" 2>&1 </dev/null
    lab_wait_port $S "$port" tcp || { cat "$WORK/server-$port.log" >&2; exit 1; }
}

capture() { # name, port, s_client options...
    name=$1; port=$2; shift 2
    lab_capture_start "$WORK/$name.pcap" "tcp port $port"
    (echo "GET / HTTP/1.0"; echo; sleep 1) | lab_in $C openssl s_client -connect 10.78.2.2:"$port" "$@" \
        >"$WORK/client-$name.log" 2>&1 || true
    sleep 0.5
    lab_capture_stop
    lab_save "$WORK/$name.pcap" "$OUT/$name.pcap"
}

server 4431 -www
capture tls-1.3 4431 -servername tls.flowmark.test -alpn h2,http/1.1

server 4432 -www -tls1_2
capture tls-1.2 4432 -servername www.flowmark.test -tls1_2

server 4433 -www -tls1 -cipher 'NULL-SHA:@SECLEVEL=0'
capture tls-weak 4433 -servername other.example -tls1 -cipher 'NULL-SHA:@SECLEVEL=0'

ALPN=$(i=0; while [ $i -lt 40 ]; do printf 'flowmark-lab-protocol-%02d,' $i; i=$((i + 1)); done; printf 'http/1.1')
# the server advertises MSS 536 on this route, so the client cuts its ClientHello into 536-byte segments
lab_in $S ip route change default via 10.78.2.1 advmss 536
lab_in $C ip route change default via 10.78.1.1 advmss 536
server 4434 -www -tls1_2
capture tls-split-ch 4434 -servername split.flowmark.test -tls1_2 -alpn "$ALPN"
