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
. "$(dirname "$0")/lab-lib.sh"
lab_up fm 10.215
C=$LAB_C R=$LAB_R S=$LAB_S TMP=$LAB_TMP

# HTTPS RR (RFC 9460): priority 1, target ".", ipv4hint (key 4) 10.215.2.80
lab_bg ip netns exec $S dnsmasq --keep-in-foreground --no-resolv --no-hosts --conf-file=/dev/null \
    --listen-address=10.215.2.2 --bind-interfaces --user=root --pid-file="$TMP/dnsmasq.pid" \
    --local=/flowmark.test/ --local-ttl=300 \
    --host-record=web.flowmark.test,10.215.2.80,fd00:215::80 \
    --cname=mid.flowmark.test,web.flowmark.test --cname=www.flowmark.test,mid.flowmark.test \
    --dns-rr=svc.flowmark.test,65,000100000400040ad70250 \
    --log-facility="$TMP/dnsmasq.log"
lab_wait_port $S 53 udp

DIG="ip netns exec $C dig @10.215.2.2 +tries=1 +time=2"
lab_capture_start "$TMP/dns.pcap" port 53
$DIG A www.flowmark.test || true
$DIG AAAA web.flowmark.test || true
$DIG A nope.flowmark.test || true
$DIG -t TYPE65 svc.flowmark.test || true
$DIG +tcp A www.flowmark.test || true
sleep 1
lab_capture_stop
lab_save "$TMP/dns.pcap" "$OUT/dns-queries.pcap" 60
