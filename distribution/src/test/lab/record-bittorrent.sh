#!/bin/sh
# Records BitTorrent golden captures between network namespaces (client -- router -- server), capturing on the
# router. Real software only: aria2 (peer wire, HTTP tracker, MSE, DHT), opentracker (HTTP + UDP tracker, whitelist),
# mktorrent, python3-libtorrent (uTP with TCP disabled, UDP tracker).
#   Packages: apt-get install -y aria2 mktorrent opentracker python3-libtorrent tcpdump wireshark-common iproute2
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-bittorrent.sh distribution/src/test/resources/golden
# Writes bittorrent-peerwire-http-tracker.pcap, bittorrent-mse-plaintext.pcap, bittorrent-mse-rc4.pcap,
# bittorrent-dht.pcap and bittorrent-utp-udp-tracker.pcap, each trimmed below 200 KB.
set -eu
OUT=$(cd "${1:?output directory}" && pwd -P)
PY=/usr/bin/python3
. "$(dirname "$0")/lab-lib.sh"
lab_up fm 10.201
C=$LAB_C R=$LAB_R S=$LAB_S TMP=$LAB_TMP

# content and torrents (HTTP tracker, UDP tracker)
mkdir -p "$TMP/seed" "$TMP/dl" "$TMP/ot"
head -c 65536 /dev/urandom > "$TMP/seed/payload.bin"
mktorrent -l 15 -a http://10.201.2.2:6969/announce -o "$TMP/http.torrent" "$TMP/seed/payload.bin" >/dev/null
mktorrent -l 15 -a udp://10.201.2.2:6969/announce -o "$TMP/udp.torrent" "$TMP/seed/payload.bin" >/dev/null
hash() { $PY -c 'import libtorrent as lt,sys; print(str(lt.torrent_info(sys.argv[1]).info_hashes().v1))' "$1"; }
{ hash "$TMP/http.torrent"; hash "$TMP/udp.torrent"; } > "$TMP/ot/whitelist"
chmod 755 "$TMP" "$TMP/ot"
lab_bg ip netns exec $S opentracker -i 10.201.2.2 -p 6969 -P 6969 -w "$TMP/ot/whitelist" >"$TMP/ot.log" 2>&1
lab_wait_port $S 6969

capture() { # name, then the command run in the client namespace
    name=$1; shift
    lab_capture_start "$TMP/$name.pcap" not arp and not icmp6
    "$@" || true
    sleep 1
    lab_capture_stop
    editcap -c 150 "$TMP/$name.pcap" "$TMP/$name-part.pcap" >/dev/null 2>&1 || true
    first=$(ls "$TMP/$name"-part*.pcap | head -n 1)
    cp "$first" "$OUT/$name.pcap"
    rm -f "$TMP/$name"-part*.pcap
    echo "recorded $OUT/$name.pcap ($(wc -c < "$OUT/$name.pcap") bytes)"
}

seeder() { # extra aria2 options for the seeder
    lab_bg ip netns exec $S aria2c -q --dir="$TMP/seed" --check-integrity=true --seed-ratio=0.0 --seed-time=2 \
        --listen-port=6881 --dht-listen-port=6881 --enable-dht=false --bt-enable-lpd=false \
        --bt-external-ip=10.201.2.2 "$@" "$TMP/http.torrent" >/dev/null 2>&1
    SEEDER=$LAB_LAST
    sleep 2
}
leech() { # extra aria2 options for the client
    rm -rf "$TMP/dl"; mkdir -p "$TMP/dl"
    ip netns exec $C timeout 30 aria2c -q --dir="$TMP/dl" --seed-time=0 --listen-port=6991 \
        --enable-dht=false --bt-enable-lpd=false "$@" "$TMP/http.torrent" >/dev/null 2>&1
}
stop_seeder() { kill $SEEDER 2>/dev/null || true; wait $SEEDER 2>/dev/null || true; }

# 1. HTTP tracker announce + plaintext peer wire
seeder
capture bittorrent-peerwire-http-tracker leech
stop_seeder
# 2. MSE required, plaintext allowed after the key exchange
seeder --bt-require-crypto=true --bt-min-crypto-level=plain
capture bittorrent-mse-plaintext leech --bt-require-crypto=true --bt-min-crypto-level=plain
stop_seeder
# 3. MSE with RC4 throughout (expected to stay undetected: no payload evidence)
seeder --bt-require-crypto=true --bt-min-crypto-level=arc4
capture bittorrent-mse-rc4 leech --bt-require-crypto=true --bt-min-crypto-level=arc4
stop_seeder
# 4. DHT: the client bootstraps from the seeder's DHT node
seeder --enable-dht=true --dht-file-path="$TMP/dht-s.dat"
capture bittorrent-dht leech --enable-dht=true --dht-listen-port=6992 --dht-entry-point=10.201.2.2:6881 \
    --dht-file-path="$TMP/dht-c.dat" --bt-tracker-timeout=5 --bt-stop-timeout=15
stop_seeder

# 5. uTP only (TCP disabled) with libtorrent on both sides, UDP tracker announce
cat > "$TMP/lt.py" <<'PYEOF'
import libtorrent as lt, sys, time
role, torrent, save, iface = sys.argv[1:5]
s = lt.session({'listen_interfaces': iface, 'enable_outgoing_tcp': False, 'enable_incoming_tcp': False,
                'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
                'alert_mask': 0})
ti = lt.torrent_info(torrent)
h = s.add_torrent({'ti': ti, 'save_path': save})
end = time.time() + float(sys.argv[5])
while time.time() < end:
    if role == 'leech' and h.status().is_seeding:
        time.sleep(1)
        break
    time.sleep(0.2)
PYEOF
lab_bg ip netns exec $S $PY "$TMP/lt.py" seed "$TMP/udp.torrent" "$TMP/seed" 10.201.2.2:6881 40 >/dev/null 2>&1
LT=$LAB_LAST
sleep 3
rm -rf "$TMP/dl"; mkdir -p "$TMP/dl"
capture bittorrent-utp-udp-tracker ip netns exec $C $PY "$TMP/lt.py" leech "$TMP/udp.torrent" "$TMP/dl" \
    10.201.1.2:6991 30
kill $LT 2>/dev/null || true
