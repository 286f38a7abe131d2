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
. "$(dirname "$0")/lab-lib.sh"
lab_up fm 10.201
C=$LAB_C R=$LAB_R S=$LAB_S TMP=$LAB_TMP
HOST=quic.flowmark.test

mkdir -p "/etc/netns/$C"
lab_cleanup_add "/etc/netns/$C"
printf '127.0.0.1 localhost\n10.201.2.2 %s\n' "$HOST" > "/etc/netns/$C/hosts"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$HOST" \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
mkdir -p "$TMP/htdocs"; echo "hello from flowmark's QUIC lab" > "$TMP/htdocs/index.html"

lab_capture_start "$TMP/raw.pcap" udp port 4433
lab_bg ip netns exec "$S" gtlsserver -q -d "$TMP/htdocs" 10.201.2.2 4433 "$TMP/key.pem" "$TMP/cert.pem"
lab_wait_port "$S" 4433 udp
sleep 0.5
ip netns exec "$C" timeout 10 gtlsclient -q --exit-on-all-streams-close "$HOST" 4433 \
    "https://$HOST:4433/index.html" > /dev/null || true
sleep 1
lab_capture_stop
lab_save "$TMP/raw.pcap" "$OUT" 40 -F pcap
