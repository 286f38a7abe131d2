#!/bin/sh
# Records an NTP golden capture between network namespaces (client -- router -- server), capturing on the router.
# Real software: chronyd as the server (local stratum 8, clock never touched: -x) in the server namespace;
# ntpdate -q (ntpsec) and chronyd -Q (query only, the clock is never set) as clients in the client namespace.
#   Packages: apt-get install -y chrony ntpsec-ntpdate tcpdump wireshark-common iproute2
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-ntp.sh distribution/src/test/resources/golden
# Writes ntp-client-server.pcap: ntpdate's NTPv4 client requests and chronyd's answers, then chronyd -Q's
# iburst requests (mode 3) and server replies (mode 4, stratum 8).
set -eu
OUT=$(cd "${1:?output directory}" && pwd -P)
. "$(dirname "$0")/lab-lib.sh"
lab_up fm 10.217
C=$LAB_C R=$LAB_R S=$LAB_S TMP=$LAB_TMP

cat > "$TMP/server.conf" <<CONF
local stratum 8
allow all
port 123
cmdport 0
pidfile $TMP/server.pid
CONF
cat > "$TMP/client.conf" <<CONF
server 10.217.2.2 iburst maxsamples 4
cmdport 0
pidfile $TMP/client.pid
CONF
lab_bg ip netns exec $S chronyd -d -x -u root -f "$TMP/server.conf" >"$TMP/server.log" 2>&1
lab_wait_port $S 123 udp

lab_capture_start "$TMP/ntp.pcap" udp port 123
ip netns exec $C timeout 20 ntpdate -q 10.217.2.2 || true
ip netns exec $C timeout 30 chronyd -Q -u root -t 20 -f "$TMP/client.conf" || true
sleep 1
lab_capture_stop
lab_save "$TMP/ntp.pcap" "$OUT/ntp-client-server.pcap" 40
