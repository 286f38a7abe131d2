#!/bin/sh
# Records Tor link-handshake golden captures between network namespaces (client -- router -- server), capturing on
# the router. Real software: Debian's tor (a bridge relay in the server namespace, a client using it as its bridge
# in the client namespace). Nothing reaches the internet: the namespaces have no route out, and the client's only
# configured peer is the bridge, so it opens the TLS link connection to it at once.
#   Packages: apt-get install -y tor tcpdump wireshark-common iproute2
#             (if the package starts its own service: systemctl stop tor; systemctl disable tor)
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-tor.sh distribution/src/test/resources/golden
# Writes tor-link-tls13.pcap (default link: TLS 1.3, the certificate is encrypted; only the ClientHello's random SNI
# is visible) and tor-link-tls12.pcap (the bridge's OpenSSL capped at TLS 1.2 through an OPENSSL_CONF file with
# MaxProtocol = TLSv1.2, so its link certificate travels in clear), each trimmed to the first seconds of the link
# connection.
set -eu
OUT=$(cd "${1:?output directory}" && pwd -P)
. "$(dirname "$0")/lab-lib.sh"
lab_up fm 10.213
C=$LAB_C R=$LAB_R S=$LAB_S TMP=$LAB_TMP

umask 077
cat > "$TMP/tls12.cnf" <<CNF
openssl_conf = fm_conf
[fm_conf]
ssl_conf = fm_ssl
[fm_ssl]
system_default = fm_tls12
[fm_tls12]
MaxProtocol = TLSv1.2
CNF

# One run: a fresh bridge (new keys and certificates) and a fresh client; $2 is the OPENSSL_CONF of the bridge
# (empty: OpenSSL's defaults).
record() { # name, openssl conf for the bridge or ""
    name=$1; conf=$2
    d=$TMP/$name; mkdir -p "$d/bridge" "$d/client"
    cat > "$d/bridge.torrc" <<RC
DataDirectory $d/bridge
ORPort 10.213.2.2:9001
Address 10.213.2.2
Nickname fmlabbridge
BridgeRelay 1
AssumeReachable 1
PublishServerDescriptor 0
ExitRelay 0
SocksPort 0
ClientUseIPv6 0
Log notice file $d/bridge.log
RC
    cat > "$d/client.torrc" <<RC
DataDirectory $d/client
UseBridges 1
Bridge 10.213.2.2:9001
SocksPort 0
Log notice file $d/client.log
RC
    if [ -n "$conf" ]; then
        ip netns exec $S env OPENSSL_CONF="$conf" tor -f "$d/bridge.torrc" --RunAsDaemon 0 >/dev/null 2>&1 &
    else
        ip netns exec $S tor -f "$d/bridge.torrc" --RunAsDaemon 0 >/dev/null 2>&1 &
    fi
    bp=$!; lab_register $bp
    # The bridge generates its keys and opens its ORPort within a few seconds.
    i=0
    until grep -q "Opened OR listener" "$d/bridge.log" 2>/dev/null || [ $i -ge 30 ]; do sleep 1; i=$((i+1)); done
    sleep 2
    lab_capture_start "$TMP/$name.raw.pcap" tcp port 9001
    ip netns exec $C tor -f "$d/client.torrc" --RunAsDaemon 0 >/dev/null 2>&1 &
    cp=$!; lab_register $cp
    sleep 20
    kill $cp $bp 2>/dev/null || true
    sleep 1
    lab_capture_stop
    # Keep the first 4 seconds of the capture (the TCP and TLS handshakes and the first link cells), at most 60
    # packets, as plain pcap.
    tshark -r "$TMP/$name.raw.pcap" -Y 'frame.time_relative <= 4' -F pcap -w "$TMP/$name.cut.pcap" 2>/dev/null
    lab_save "$TMP/$name.cut.pcap" "$OUT/$name.pcap" 60 -F pcap
    sed -n '1,200p' "$d/client.log" | grep -iE 'bootstrap|bridge|warn|err' | head -5 || true
}
record tor-link-tls13 ""
record tor-link-tls12 "$TMP/tls12.cnf"
