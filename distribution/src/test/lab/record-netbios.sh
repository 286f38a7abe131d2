#!/bin/sh
# Records a NetBIOS golden capture over a veth between two network namespaces (NetBIOS name service broadcasts stay
# on their link: the "router" namespace runs the name server and the capture). Real software: Samba's nmbd with a
# private configuration (netbios name FMLABSRV, workgroup FMLAB) registers its names; nmblookup from the client
# namespace sends a broadcast name query, a unicast name query and a node status (NBSTAT) query.
#   Packages: apt-get install -y --no-install-recommends samba samba-common-bin tcpdump wireshark-common iproute2
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-netbios.sh distribution/src/test/resources/golden
# Writes netbios-nmblookup.pcap (UDP 137 name service, and whatever UDP 138 datagrams nmbd sends meanwhile).
set -eu
OUT=$(cd "${1:?output directory}" && pwd -P)
. "$(dirname "$0")/lab-lib.sh"
lab_up -2 fm -
C=$LAB_C R=$LAB_R TMP=$LAB_TMP
ip -n $C addr add 10.219.1.2/24 broadcast 10.219.1.255 dev $LAB_CIF
ip -n $R addr add 10.219.1.1/24 broadcast 10.219.1.255 dev $LAB_RCIF

conf() { # $1 = file, $2 = netbios name, $3 = interface, $4 = state directory
    mkdir -p "$4"
    cat > "$1" <<CONF
[global]
netbios name = $2
workgroup = FMLAB
interfaces = $3
bind interfaces only = yes
disable netbios = no
lock directory = $4
state directory = $4
cache directory = $4
private dir = $4
pid directory = $4
ncalrpc dir = $4/ncalrpc
log file = $4/log.%m
CONF
}
conf "$TMP/server.conf" FMLABSRV $LAB_RCIF "$TMP/server"
conf "$TMP/client.conf" FMLABCLI $LAB_CIF "$TMP/client"

lab_capture_start "$TMP/nb.pcap" udp port 137 or udp port 138
ip netns exec $R nmbd -F --no-process-group -s "$TMP/server.conf" >/dev/null 2>&1 &
lab_register $!
sleep 6 # nmbd registers its names (broadcast registrations, about 3 s)
ip netns exec $C timeout 10 nmblookup -s "$TMP/client.conf" -B 10.219.1.255 FMLABSRV || true
ip netns exec $C timeout 10 nmblookup -s "$TMP/client.conf" -U 10.219.1.1 --recursion FMLABSRV || true
ip netns exec $C timeout 10 nmblookup -s "$TMP/client.conf" -A 10.219.1.1 || true
sleep 1
lab_capture_stop
lab_save "$TMP/nb.pcap" "$OUT/netbios-nmblookup.pcap" 40
