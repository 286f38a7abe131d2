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
. "$(dirname "$0")/lab-lib.sh"
lab_up fm 10.213
C=$LAB_C R=$LAB_R S=$LAB_S TMP=$LAB_TMP

lab_bg ip netns exec $S turnserver -n --listening-ip=10.213.2.2 --relay-ip=10.213.2.2 --listening-port=3478 \
    --lt-cred-mech --user=fm:secret --realm=flowmark.test --fingerprint --no-tls --no-dtls --no-cli \
    --min-port=49160 --max-port=49200 --pidfile="$TMP/turn.pid" --log-file=stdout >"$TMP/turn.log" 2>&1
lab_wait_port $S 3478 udp
sleep 0.5

lab_record "$OUT/stun-binding.pcap" 40 udp ip netns exec $C turnutils_stunclient -p 3478 10.213.2.2
lab_record "$OUT/turn-allocate.pcap" 40 udp ip netns exec $C timeout 10 turnutils_uclient -u fm -w secret \
    -r flowmark.test -n 5 -m 1 -l 120 -e 10.213.2.2 -g 10.213.2.2
