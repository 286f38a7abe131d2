#!/bin/sh
# Records IPsec golden captures between network namespaces (client -- router -- server), capturing on the
# router. Real software: strongSwan's charon daemon configured with swanctl, IKEv2 with a pre-shared key,
# host-to-host transport-mode ESP. Each charon runs in its own mount namespace with a private /run so the two
# daemons do not share a pid file or vici socket.
#   Packages: apt-get install -y strongswan-charon strongswan-swanctl tcpdump wireshark-common iproute2 iputils-ping
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-ipsec.sh distribution/src/test/resources/golden
# Writes ipsec-ikev2-psk.pcap: IKE_SA_INIT on UDP 500, then (charon moves to port 4500 for MOBIKE) IKE_AUTH
# and INFORMATIONAL behind the non-ESP marker on UDP 4500. Known gap: in the recording sandbox the responder
# answers the CHILD_SA proposal with NO_PROPOSAL_CHOSEN, so no ESP is recorded yet (ESP, AH and ESP-in-UDP are
# covered by the bundle's unit tests). FM_DEBUG=1 prints the daemons' logs.
set -eu
OUT=$(cd "${1:?output directory}" && pwd -P)
N=fm$$
C=${N}c; R=${N}r; S=${N}s
TMP=$(mktemp -d)
PIDS=""
CHARON=/usr/lib/ipsec/charon
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    sleep 1
    for ns in $C $R $S; do ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true; done
    for ns in $C $R $S; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ip netns add $C; ip netns add $R; ip netns add $S
ip link add ${N}a type veth peer name ${N}b
ip link add ${N}x type veth peer name ${N}y
ip link set ${N}a netns $C; ip link set ${N}b netns $R
ip link set ${N}x netns $R; ip link set ${N}y netns $S
ip -n $C addr add 10.213.1.2/24 dev ${N}a; ip -n $R addr add 10.213.1.1/24 dev ${N}b
ip -n $R addr add 10.213.2.1/24 dev ${N}x; ip -n $S addr add 10.213.2.2/24 dev ${N}y
for ns in $C $R $S; do ip -n $ns link set lo up; done
ip -n $C link set ${N}a up; ip -n $R link set ${N}b up; ip -n $R link set ${N}x up; ip -n $S link set ${N}y up
ip -n $C route add default via 10.213.1.1; ip -n $S route add default via 10.213.2.1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1

conf() { # file, local, remote, local id, remote id, encap
    cat > "$1" <<CONF
connections {
  fm {
    version = 2
    local_addrs = $2
    remote_addrs = $3
    encap = $6
    proposals = aes128-sha256-modp2048
    local { auth = psk
            id = $4 }
    remote { auth = psk
             id = $5 }
    children { net { esp_proposals = aes128-sha256
                     local_ts = $2/32
                     remote_ts = $3/32 } }
  }
}
secrets { ike-fm { id-1 = $4
                   id-2 = $5
                   secret = "flowmark-lab-only-psk" } }
CONF
}

run() { # name, encap (yes|no)
    name=$1
    conf "$TMP/s.conf" 10.213.2.2 10.213.1.2 server.fm client.fm "$2"
    conf "$TMP/c.conf" 10.213.1.2 10.213.2.2 client.fm server.fm "$2"
    ip netns exec $R tcpdump -Z root --immediate-mode -q -U -i ${N}b -w "$TMP/$name.pcap" udp or esp >"$TMP/$name-tcpdump.log" 2>&1 &
    tp=$!
    sleep 1
    printf 'include /etc/strongswan.conf\ncharon { filelog { fm { path = %s\n default = 1 } } }\n' \
        "$TMP/$name-charon-s.log" > "$TMP/s-strongswan.conf"
    STRONGSWAN_CONF="$TMP/s-strongswan.conf" ip netns exec $S unshare -m sh -c "mount -t tmpfs fm-run /run && { $CHARON & cp=\$!; \
        trap 'kill \$cp' TERM INT; sleep 2; swanctl --load-all --file $TMP/s.conf; wait \$cp; }" \
        >"$TMP/$name-s.log" 2>&1 &
    sv=$!
    PIDS="$PIDS $sv"
    sleep 3 # the responder's configuration is loaded before the initiator starts
    ip netns exec $C unshare -m sh -c "mount -t tmpfs fm-run /run && { $CHARON & cp=\$!; sleep 2; \
        swanctl --load-all --file $TMP/c.conf && swanctl --initiate --child net --timeout 10 && \
        ping -q -c 4 -i 0.2 10.213.2.2; swanctl --terminate --ike fm --timeout 5; kill \$cp; wait \$cp; }" \
        >"$TMP/$name-c.log" 2>&1 || echo "warning: $name client failed (see log)"; 
    [ -z "${FM_DEBUG:-}" ] || cat "$TMP/$name-c.log" "$TMP/$name-charon-s.log" || true
    kill $sv 2>/dev/null || true
    wait $sv 2>/dev/null || true
    sleep 0.5
    kill $tp; wait $tp 2>/dev/null || true
    editcap -r "$TMP/$name.pcap" "$OUT/$name.pcap" 1-40 >/dev/null
    echo "recorded $OUT/$name.pcap ($(wc -c < "$OUT/$name.pcap") bytes)"
}

run ipsec-ikev2-psk no
