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
. "$(dirname "$0")/lab-lib.sh"
lab_require record-dtls "apt-get install iproute2 tcpdump openssl wireshark-common" ip tcpdump openssl editcap

lab_work dtls
lab_up -e fmd 10.79
C=$LAB_C R=$LAB_R S=$LAB_S WORK=$LAB_TMP
lab_lan_ipv6 disable_ipv6=1

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/O=Flowmark Lab/CN=dtls.example" \
    -addext "subjectAltName=DNS:dtls.example,DNS:*.dtls.example" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

server() { # port, extra s_server options...
    port=$1; shift
    (sleep 8) | lab_in $S openssl s_server -quiet -listen -accept "$port" -cert "$WORK/cert.pem" \
        -key "$WORK/key.pem" -naccept 1 "$@" >"$WORK/server-$port.log" 2>&1 &
    lab_register $!
    lab_wait_port $S "$port" udp || { cat "$WORK/server-$port.log" >&2; exit 1; }
}

capture() { # name, port, s_client options...
    name=$1; port=$2; shift 2
    lab_capture_start "$WORK/$name.pcap" "udp port $port"
    (echo "hello over dtls"; sleep 1) | lab_in $C timeout 10 openssl s_client -connect 10.79.2.2:"$port" "$@" \
        >"$WORK/client-$name.log" 2>&1 || true
    sleep 0.5
    lab_capture_stop
    grep -q "Cipher is" "$WORK/client-$name.log" || {
        echo "record-dtls: handshake for $name failed:" >&2; cat "$WORK/client-$name.log" >&2; exit 1; }
    lab_save "$WORK/$name.pcap" "$OUT/$name.pcap" 30 -F pcap
}

server 4433 -dtls1_2 -mtu 400 -alpn coap
capture dtls-1.2 4433 -dtls1_2 -servername dtls.example -alpn coap

server 20443 -dtls1 -cipher 'NULL-SHA:@SECLEVEL=0'
capture dtls-1.0-weak 20443 -dtls1 -servername old.dtls.example -cipher 'NULL-SHA:@SECLEVEL=0'
