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
. "$(dirname "$0")/lab-lib.sh"
lab_up fm 10.213
C=$LAB_C R=$LAB_R S=$LAB_S TMP=$LAB_TMP
CHARON=/usr/lib/ipsec/charon

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
    lab_capture_start "$TMP/$name.pcap" udp or esp
    printf 'include /etc/strongswan.conf\ncharon { filelog { fm { path = %s\n default = 1 } } }\n' \
        "$TMP/$name-charon-s.log" > "$TMP/s-strongswan.conf"
    STRONGSWAN_CONF="$TMP/s-strongswan.conf" ip netns exec $S unshare -m sh -c "mount -t tmpfs fm-run /run && { $CHARON & cp=\$!; \
        trap 'kill \$cp' TERM INT; sleep 2; swanctl --load-all --file $TMP/s.conf; wait \$cp; }" \
        >"$TMP/$name-s.log" 2>&1 &
    sv=$!
    lab_register $sv
    sleep 3 # the responder's configuration is loaded before the initiator starts
    ip netns exec $C unshare -m sh -c "mount -t tmpfs fm-run /run && { $CHARON & cp=\$!; sleep 2; \
        swanctl --load-all --file $TMP/c.conf && swanctl --initiate --child net --timeout 10 && \
        ping -q -c 4 -i 0.2 10.213.2.2; swanctl --terminate --ike fm --timeout 5; kill \$cp; wait \$cp; }" \
        >"$TMP/$name-c.log" 2>&1 || echo "warning: $name client failed (see log)"; 
    [ -z "${FM_DEBUG:-}" ] || cat "$TMP/$name-c.log" "$TMP/$name-charon-s.log" || true
    kill $sv 2>/dev/null || true
    wait $sv 2>/dev/null || true
    sleep 0.5
    lab_capture_stop
    lab_save "$TMP/$name.pcap" "$OUT/$name.pcap" 40
}

run ipsec-ikev2-psk no
