#!/bin/sh
# Records OpenVPN golden captures between network namespaces (client -- router -- server), capturing on the
# router. Real software: openvpn 2.6 in point-to-point mode with TLS (certificates made with openssl), over UDP
# and TCP, plain, with tls-auth (HMAC SHA-256) and with tls-crypt, plus static-key mode (no TLS).
#   Packages: apt-get install -y openvpn openssl tcpdump wireshark-common iproute2 iputils-ping
#   Needs /dev/net/tun (created when missing: mknod /dev/net/tun c 10 200).
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-openvpn.sh distribution/src/test/resources/golden
# Writes openvpn-udp-tls.pcap, openvpn-udp-tls-auth.pcap, openvpn-tcp-tls-crypt.pcap and
# openvpn-udp-static-key.pcap (the last one is expected Unknown: static-key mode has no cleartext structure),
# each trimmed to 40 packets.
set -eu
OUT=$(cd "${1:?output directory}" && pwd -P)
. "$(dirname "$0")/lab-lib.sh"
lab_up fm 10.212
C=$LAB_C R=$LAB_R S=$LAB_S TMP=$LAB_TMP
[ -c /dev/net/tun ] || { mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }

# a throw-away CA, server and client certificates (EC P-256), and the shared keys
cd "$TMP"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=fm-ca \
    -keyout ca.key -out ca.crt 2>/dev/null
for who in server client; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=fm-$who \
        -keyout $who.key -out $who.csr 2>/dev/null
    openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out $who.crt 2>/dev/null
done
openvpn --genkey secret ta.key >/dev/null
openvpn --genkey secret static.key >/dev/null

COMMON="--dev-type tun --verb 1 --disable-dco --ping 1 --connect-retry 1"
TLS_S="--tls-server --dh none --ca ca.crt --cert server.crt --key server.key"
TLS_C="--tls-client --ca ca.crt --cert client.crt --key client.key"

run() { # name, protocol (udp|tcp), extra server options, extra client options
    name=$1; proto=$2
    if [ "$proto" = tcp ]; then sp=tcp-server; cp=tcp-client; else sp=udp; cp=udp; fi
    lab_capture_start "$TMP/$name.pcap" host 10.212.2.2
    ip netns exec $S openvpn $COMMON --dev ${LAB_ID}s --ifconfig 10.98.3.1 10.98.3.2 --proto $sp --lport 1194 $3 \
        >"$TMP/$name-s.log" 2>&1 &
    sv=$!
    sleep 1
    ip netns exec $C openvpn $COMMON --dev ${LAB_ID}c --ifconfig 10.98.3.2 10.98.3.1 --proto $cp --nobind \
        --remote 10.212.2.2 1194 $4 >"$TMP/$name-c.log" 2>&1 &
    cl=$!
    lab_register $sv $cl
    for i in $(seq 1 30); do
        ip netns exec $C ping -q -c 1 -W 1 10.98.3.1 >/dev/null 2>&1 && break
        sleep 0.5
    done
    ip netns exec $C ping -q -c 3 -i 0.2 10.98.3.1 >/dev/null 2>&1 || echo "warning: $name tunnel did not pass traffic"
    kill $cl $sv 2>/dev/null || true
    wait $cl $sv 2>/dev/null || true
    sleep 0.5
    lab_capture_stop
    lab_save "$TMP/$name.pcap" "$OUT/$name.pcap" 40
}

run openvpn-udp-tls udp "$TLS_S" "$TLS_C"
run openvpn-udp-tls-auth udp "$TLS_S --tls-auth ta.key 0 --auth SHA256" "$TLS_C --tls-auth ta.key 1 --auth SHA256"
run openvpn-tcp-tls-crypt tcp "$TLS_S --tls-crypt ta.key" "$TLS_C --tls-crypt ta.key"
run openvpn-udp-static-key udp "--secret static.key 0 --cipher AES-256-CBC" "--secret static.key 1 --cipher AES-256-CBC"
