#!/bin/bash
# Full-agent router lab: every actuator at once (ipset, nftables, ctmark + tc helper, log) on real traffic.
#
#   sudo distribution/src/test/lab/router-lab.sh [FLOWMARK_LAYOUT]
#
# FLOWMARK_LAYOUT: an assembled distribution (default distribution/target/flowmark); a private copy is run, the
# shared layout is never modified. Exit status: 0 pass, 1 fail, 77 skipped (not root, a tool or kernel feature
# missing). Environment: LAB_SHORT_BATCHES (3) x 10 short TLS flows, KEEP=1 keeps the work directory.
#
# Lab (created here, removed on exit):
#   client ns  eth0 10.81.1.2/24 --- r-c 10.81.1.1  router ns  r-s 10.81.2.1 --- eth0 10.81.2.2/24  server ns
# The router runs `bin/flowmark run` capturing on r-c (its LAN veth) with one rule per protocol, each with the
# same four actions:
#   ipset:set=FMLAB;set_type=hash:ip,port,ip;layout=other_ip,other_port,local_ip;timeout=600
#   nftables:set=fmlab;layout=other_ip,other_port,local_ip;timeout=600
#   ctmark:mark=0x85;mask=0xff
#   log:level=info
# and the tc helper (org.flowmark.actuator.ctmark.tc-lab.cfg) puts an HTB qdisc on r-c (class 1:85 for mark 0x85,
# method auto: fw when the kernel has cls_fw, else nft meta priority; never u32).
# Traffic (server side in the server namespace, client side in the client namespace, all through the router):
#   tls-long   openssl s_client -> s_server :4443, SNI long.lab.flowmark.test, 6 s of records
#   tls-short  LAB_SHORT_BATCHES x 10 parallel s_client -> 10 s_servers :4433-4442, SNI short.lab.flowmark.test,
#              held open 2 s each (the latency sample)
#   ssh        ssh with a key -> sshd :22, a remote command printing a line every 0.25 s for 5 s
#   wireguard  wireguard-go + wg on both sides (udp :51820), ping through the tunnel for 5 s
#   bittorrent aria2c seeder (:6881) and downloader, opentracker (-w whitelist) on the server, 1.5 MB at 300 KB/s
#   quic       the client half of golden/quic-ngtcp2-v1.pcap, MACs rewritten by tcprewrite, replayed 10 packets/s
#              for 5 s by tcpreplay from the client (10.201.1.2 -> 10.201.2.2:4433, routed to the server side)
# Router-side counters (table inet fmlab, forward hook): per flow, packets without ct mark 0x85/0xff; packets
# marked 0x85 leaving on r-c (what HTB class 1:85 must have counted). iptables mangle FORWARD: per flow
# --match-set FMLAB counters. The nftables actuator's script adds per flow @fmlab counters in its own table.
# Checks and figures: router-lab.py (run at the end with the collected state).
set -u

skip() { echo "router-lab: SKIPPED: $*" >&2; exit 77; }
fail() { echo "router-lab: FAILED: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../../.." && pwd)
LAYOUT=${1:-$REPO/distribution/target/flowmark}
BATCHES=${LAB_SHORT_BATCHES:-3}
QUIC_PCAP=$REPO/distribution/src/test/resources/golden/quic-ngtcp2-v1.pcap

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, ipset, nftables, conntrack, tc)"
for t in ip ipset iptables nft conntrack tc openssl ssh ssh-keygen wireguard-go wg aria2c opentracker mktorrent \
         tcpreplay tcprewrite tcpdump python3 java; do
    command -v $t >/dev/null 2>&1 || skip "$t is missing (.ci/run lists the Debian packages)"
done
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || skip "sshd is missing (openssh-server)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing (wireguard-go needs it)"
[ -x "$LAYOUT/bin/flowmark" ] || skip "no assembled distribution at $LAYOUT"
[ -f "$QUIC_PCAP" ] || skip "$QUIC_PCAP is missing"
for b in org.flowmark.policy org.flowmark.actuator.ipset org.flowmark.actuator.nftables org.flowmark.actuator.ctmark \
         org.flowmark.actuator.log org.flowmark.detector.tls org.flowmark.detector.ssh org.flowmark.detector.wireguard \
         org.flowmark.detector.bittorrent org.flowmark.detector.quic; do
    ls "$LAYOUT/bundles/"*/"$b"-*.jar >/dev/null 2>&1 || skip "bundle $b is not in $LAYOUT"
done

. "$HERE/lab-lib.sh"
lab_work router-lab
WORK=$LAB_TMP
AGENT=""
WGC=fl$$wc WGS=fl$$ws # wireguard-go's UAPI sockets live in /var/run/wireguard (shared): unique names
lab_cleanup_add "/var/run/wireguard/$WGC.sock" "/var/run/wireguard/$WGS.sock"

bg() { lab_bg "$@"; }
wait_for() { # wait_for SECONDS WHAT CMD...
    lab_wait_for "$@" || fail "timed out waiting for $2"
}

# --- network
lab_up -e fl 10.81 || fail "cannot create namespaces"
C=$LAB_C R=$LAB_R S=$LAB_S
# the replayed capture's addresses: its client behind the client, its server behind the server
ip -n $R route add 10.201.1.0/24 via 10.81.1.2
ip -n $R route add 10.201.2.0/24 via 10.81.2.2
lab_in $R sysctl -q -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.r-c.rp_filter=0
lab_offload_off
lab_in $R ipset list -n >/dev/null 2>&1 || skip "ipset does not work here (no ip_set kernel module?)"

# --- router: counters. Per flow (server port), packets that passed without the mark; marked packets to the LAN.
FLOWS="tls-long:tcp:4443 tls-short:tcp:4433-4442 ssh:tcp:22 wireguard:udp:51820 bittorrent:tcp:6881 quic:udp:4433"
{
    echo "add table inet fmlab"
    echo "add chain inet fmlab count { type filter hook forward priority 10; policy accept; }"
    for f in $FLOWS; do
        IFS=: read -r name proto port <<EOF
$f
EOF
        echo "add rule inet fmlab count meta l4proto $proto ct original proto-dst $port ct mark and 0xff != 0x85 counter comment \"unmarked $name\""
        echo "add rule inet fmlab count meta l4proto $proto ct original proto-dst $port counter comment \"all $name\""
    done
    echo "add rule inet fmlab count oifname \"r-c\" ct mark and 0xff == 0x85 counter comment \"marked-to-lan\""
    echo "add rule inet fmlab count oifname \"r-c\" ct mark and 0xff != 0x85 counter comment \"unmarked-to-lan\""
} >"$WORK/fmlab.nft"
lab_in $R nft -f "$WORK/fmlab.nft" || fail "nft counters (nf_tables, nft_ct missing?)"

# ipset: the set exists before the iptables rules that use it (the actuator's create -exist keeps it)
lab_in $R ipset create FMLAB hash:ip,port,ip family inet timeout 600 || fail "ipset create"
for f in $FLOWS; do
    IFS=: read -r name proto port <<EOF
$f
EOF
    port=${port/-/:}
    lab_in $R iptables -t mangle -A FORWARD -p $proto --dport $port -m set --match-set FMLAB dst,dst,src \
        -m comment --comment "set $name" || fail "iptables -m set (xt_set missing?)"
    lab_in $R iptables -t mangle -A FORWARD -p $proto --sport $port -m set --match-set FMLAB src,src,dst \
        -m comment --comment "set $name" || fail "iptables -m set"
done

# nftables actuator script: its set and per-flow @set counters, in its own table
{
    echo "add set inet flowmark fmlab { type ipv4_addr . inet_service . ipv4_addr; flags timeout; }"
    echo "add chain inet flowmark labcount { type filter hook forward priority 20; policy accept; }"
    echo "flush chain inet flowmark labcount"
    for f in $FLOWS; do
        IFS=: read -r name proto port <<EOF
$f
EOF
        echo "add rule inet flowmark labcount meta l4proto $proto th dport $port ip daddr . th dport . ip saddr @fmlab counter comment \"set $name\""
        echo "add rule inet flowmark labcount meta l4proto $proto th sport $port ip saddr . th sport . ip daddr @fmlab counter comment \"set $name\""
    done
} >"$WORK/labcount.nft"

# --- agent: private layout and configuration
cp -a "$LAYOUT" "$WORK/flowmark"
rm -rf "$WORK/flowmark/data"/* "$WORK/flowmark/deploy"/*
CFG=$WORK/config
mkdir -p "$CFG"
cat >"$CFG/org.flowmark.capture.cfg" <<EOF
interfaces=r-c
localNetworks=10.81.1.0/24,10.201.1.0/24
statsInterval=2
EOF
ACTIONS="ipset:set=FMLAB;set_type=hash:ip,port,ip;layout=other_ip,other_port,local_ip;timeout=600 | nftables:set=fmlab;layout=other_ip,other_port,local_ip;timeout=600 | ctmark:mark=0x85;mask=0xff | log:level=info"
rule() { printf 'match=%s\nactions=%s\n' "$2" "$ACTIONS" >"$CFG/org.flowmark.policy.rule-$1.cfg"; }
rule tls 'protocol == "TLS" && hostname ~ "*.lab.flowmark.test"'
rule ssh 'protocol == "SSH"'
rule wireguard 'protocol == "WireGuard"'
rule bittorrent 'protocol == "BitTorrent"'
rule quic 'protocol == "QUIC" && hostname == "quic.flowmark.test"'
printf 'latency_log=true\n' >"$CFG/org.flowmark.actuator.ipset.cfg"
printf 'latency_log=true\nscript=%s\n' "$WORK/labcount.nft" >"$CFG/org.flowmark.actuator.nftables.cfg"
printf 'latency_log=true\n' >"$CFG/org.flowmark.actuator.ctmark.cfg"
cat >"$CFG/org.flowmark.actuator.ctmark.tc-lab.cfg" <<'EOF'
device=r-c
rate=1gbit
classes=mark=0x85 class=1:85 rate=100mbit ceil=1gbit prio=1
mask=0xff
method=auto
EOF
printf 'ROOT=INFO\n' >"$CFG/org.osgi.service.log.admin.cfg"

FLOWMARK_JAVA_OPTS="-Dflowmark.log.level=info -Dflowmark.output.format=ndjson" lab_in $R "$WORK/flowmark/bin/flowmark" run --config "$CFG" \
    >"$WORK/agent.out" 2>"$WORK/agent.log" </dev/null &
AGENT=$!
lab_register $AGENT
T_AGENT=$(date +%s.%N)

# --- servers and material, while the agent starts
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=lab.flowmark.test" \
    -addext "subjectAltName=DNS:*.lab.flowmark.test" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null \
    || fail "openssl req"
for port in 4433 4434 4435 4436 4437 4438 4439 4440 4441 4442 4443 4444; do
    # s_server -quiet closes the connection when its stdin ends: a stdin that stays open keeps flows alive
    bg lab_in $S sh -c "sleep 600 | exec openssl s_server -quiet -accept $port -cert '$WORK/cert.pem' \
        -key '$WORK/key.pem' >/dev/null 2>&1"
done

mkdir -p "$WORK/ssh" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh/host" && ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh/user" \
    || fail "ssh-keygen"
cp "$WORK/ssh/user.pub" "$WORK/ssh/authorized_keys"
cat >"$WORK/ssh/sshd_config" <<EOF
ListenAddress 10.81.2.2:22
HostKey $WORK/ssh/host
PidFile $WORK/ssh/sshd.pid
AuthorizedKeysFile $WORK/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
EOF
bg lab_in $S "$SSHD" -D -e -f "$WORK/ssh/sshd_config" 2>"$WORK/ssh/sshd.log"

mkdir -p "$WORK/wg"
for side in c s; do (umask 077; wg genkey >"$WORK/wg/$side.key") && wg pubkey <"$WORK/wg/$side.key" >"$WORK/wg/$side.pub"; done
export WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1
bg lab_in $C wireguard-go -f $WGC >"$WORK/wg/c.log" 2>&1
bg lab_in $S wireguard-go -f $WGS >"$WORK/wg/s.log" 2>&1
wait_for 10 "wireguard-go interfaces" sh -c "ip -n $C link show $WGC && ip -n $S link show $WGS"
lab_in $C wg set $WGC private-key "$WORK/wg/c.key" listen-port 51821 peer "$(cat "$WORK/wg/s.pub")" \
    endpoint 10.81.2.2:51820 allowed-ips 10.99.0.2/32 || fail "wg set (client)"
lab_in $S wg set $WGS private-key "$WORK/wg/s.key" listen-port 51820 peer "$(cat "$WORK/wg/c.pub")" \
    allowed-ips 10.99.0.1/32 || fail "wg set (server)"
ip -n $C addr add 10.99.0.1/24 dev $WGC && ip -n $C link set $WGC up
ip -n $S addr add 10.99.0.2/24 dev $WGS && ip -n $S link set $WGS up

mkdir -p "$WORK/bt/seed" "$WORK/bt/dl" "$WORK/bt/tracker"
head -c 1500000 /dev/urandom >"$WORK/bt/seed/lab.bin"
mktorrent -l 16 -a http://10.81.2.2:6969/announce -o "$WORK/bt/lab.torrent" "$WORK/bt/seed/lab.bin" >/dev/null \
    || fail "mktorrent"
HASH=$(aria2c -S "$WORK/bt/lab.torrent" | sed -n 's/^Info Hash: *//p')
[ -n "$HASH" ] || fail "no info hash"
echo "$HASH" >"$WORK/bt/tracker/whitelist"; chmod 755 "$WORK/bt/tracker"; chmod 644 "$WORK/bt/tracker/whitelist"
bg lab_in $S opentracker -i 10.81.2.2 -p 6969 -P 6969 -w whitelist -d "$WORK/bt/tracker" \
    -u nobody >"$WORK/bt/tracker.log" 2>&1
BTOPTS="--enable-dht=false --enable-dht6=false --bt-enable-lpd=false --enable-peer-exchange=false \
    --summary-interval=0 --console-log-level=warn --file-allocation=none --check-integrity=false"
wait_for 10 "opentracker" lab_in $S sh -c "ss -ltn | grep -q '10.81.2.2:6969 '"
bg lab_in $S aria2c $BTOPTS --dir="$WORK/bt/seed" --listen-port=6881 --bt-external-ip=10.81.2.2 \
    --seed-ratio=0.0 --bt-seed-unverified=true "$WORK/bt/lab.torrent" >"$WORK/bt/seed.log" 2>&1

tcpdump -r "$QUIC_PCAP" -w "$WORK/quic-c2s.pcap" 'src host 10.201.1.2' 2>/dev/null || fail "tcpdump -r $QUIC_PCAP"
CMAC=$(ip -n $C -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
RMAC=$(ip -n $R -o link show r-c | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
tcprewrite --infile="$WORK/quic-c2s.pcap" --outfile="$WORK/quic-replay.pcap" --enet-smac="$CMAC" \
    --enet-dmac="$RMAC" || fail "tcprewrite"
tcprewrite --infile="$WORK/quic-replay.pcap" --outfile="$WORK/quic-warmup.pcap" --portmap=4433:4445 \
    || fail "tcprewrite --portmap"

for port in 4433 4443 22; do
    wait_for 10 "a server on :$port" lab_in $S sh -c "ss -ltn | grep -q ':$port '"
done
wait_for 10 "the seeder on :6881" lab_in $S sh -c "ss -ltn | grep -q ':6881 '"

# --- wait for the agent: capture, the five rules, the four actuators, the tc helper
wait_agent() { grep -q "$1" "$WORK/agent.log" 2>/dev/null; }
i=0
until wait_agent "capturing on r-c" && wait_agent "actuator 'ipset' available" && \
      wait_agent "actuator 'nftables' available" && wait_agent "actuator 'ctmark' available" && \
      wait_agent "actuator 'log' available" && wait_agent "tc helper on r-c: HTB"; do
    i=$((i + 1))
    [ $i -gt 600 ] && { tail -40 "$WORK/agent.log" >&2; fail "the agent did not come up"; }
    kill -0 $AGENT 2>/dev/null || { tail -40 "$WORK/agent.log" >&2; fail "the agent exited"; }
    sleep 0.1
done
sleep 1 # rule configurations applied
T_READY=$(date +%s.%N)
lab_in $R tc -s class show dev r-c >"$WORK/tc-before.txt"
lab_in $R tc filter show dev r-c >"$WORK/tc-filters.txt"

# --- warm-up: one TLS flow (:4444) so the actuators' first-use costs (ipset restore process, libnftables, netlink
# socket) are paid and reported apart from the measured flows
( sleep 0.3; echo warm-up; sleep 0.3 ) | lab_in $C timeout 10 openssl s_client -connect 10.81.2.2:4444 \
    -servername warmup.lab.flowmark.test -quiet -no_ign_eof >/dev/null 2>&1
# and one QUIC flow (to udp :4445): the QUIC detector's first Initial decryption initialises the JCE
lab_in $C tcpreplay -q -i eth0 --pps=20 "$WORK/quic-warmup.pcap" >/dev/null 2>&1 || fail "tcpreplay (warm-up)"
i=0
until [ "$(grep -c 'latency flow=[0-9]* rule=\(tls\|quic\) ' "$WORK/agent.log")" -ge 6 ]; do
    i=$((i + 1)); [ $i -gt 100 ] && { tail -40 "$WORK/agent.log" >&2; fail "the warm-up flow was not acted on"; }
    sleep 0.1
done
T_TRAFFIC=$(date +%s.%N)

# --- traffic, all at once
(
    sleep 0.3; for k in $(seq 1 12); do echo "long line $k"; sleep 0.5; done
) | lab_in $C timeout 20 openssl s_client -connect 10.81.2.2:4443 -servername long.lab.flowmark.test -quiet \
    -no_ign_eof >/dev/null 2>"$WORK/tls-long.err" &
P_TLS=$!
lab_in $C timeout 20 ssh -i "$WORK/ssh/user" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o BatchMode=yes -o LogLevel=ERROR root@10.81.2.2 \
    'i=0; while [ $i -lt 20 ]; do echo "ssh line $i"; i=$((i + 1)); sleep 0.25; done' \
    >"$WORK/ssh.out" 2>"$WORK/ssh.err" &
P_SSH=$!
lab_in $C ping -q -c 25 -i 0.2 -W 2 10.99.0.2 >"$WORK/wg/ping.out" 2>&1 &
P_WG=$!
(cd "$WORK/bt/dl" && lab_in $C timeout 30 aria2c $BTOPTS --dir="$WORK/bt/dl" --listen-port=6882 --seed-time=0 \
    --max-download-limit=300K "$WORK/bt/lab.torrent" >"$WORK/bt/dl.log" 2>&1) &
P_BT=$!
lab_in $C tcpreplay -q -i eth0 --pps=10 --loop=9 "$WORK/quic-replay.pcap" >"$WORK/tcpreplay.out" 2>&1 &
P_QUIC=$!
sleep 1 # the short flows start once the long-lived ones run
b=0
while [ $b -lt "$BATCHES" ]; do
    b=$((b + 1)); batch=""
    for port in 4433 4434 4435 4436 4437 4438 4439 4440 4441 4442; do
        ( sleep 0.3; for k in 1 2 3 4; do echo "short $b $port $k"; sleep 0.4; done ) \
            | lab_in $C timeout 10 openssl s_client -connect 10.81.2.2:$port -servername short.lab.flowmark.test \
                -quiet -no_ign_eof >/dev/null 2>&1 &
        batch="$batch $!"
    done
    for p in $batch; do wait $p; done
done
T_SHORT=$(date +%s.%N)
rc_tls=0; wait $P_TLS || rc_tls=$?
rc_ssh=0; wait $P_SSH || rc_ssh=$?
rc_wg=0; wait $P_WG || rc_wg=$?
rc_bt=0; wait $P_BT || rc_bt=$?
rc_quic=0; wait $P_QUIC || rc_quic=$?
T_DONE=$(date +%s.%N)
sleep 1

# --- collect
lab_in $R ipset list FMLAB >"$WORK/ipset.txt" 2>&1
lab_in $R iptables -t mangle -L FORWARD -v -n -x >"$WORK/iptables.txt" 2>&1
lab_in $R nft -j list set inet flowmark fmlab >"$WORK/nftset.json" 2>&1
lab_in $R nft list chain inet flowmark labcount >"$WORK/labcount.txt" 2>&1
lab_in $R nft list table inet fmlab >"$WORK/fmlab.txt" 2>&1
lab_in $R conntrack -L -o extended >"$WORK/conntrack.txt" 2>/dev/null
lab_in $R tc -s class show dev r-c >"$WORK/tc-after.txt"
lab_in $R nft list tables >"$WORK/nft-tables.txt"
cp "$WORK/agent.log" "$WORK/agent-at-end.log"
{
    echo "rc tls-long=$rc_tls ssh=$rc_ssh wireguard=$rc_wg bittorrent=$rc_bt quic=$rc_quic"
    echo "timing agent_start_s=$(awk "BEGIN {printf \"%.1f\", $T_READY - $T_AGENT}") warmup_s=$(awk "BEGIN {printf \"%.1f\", $T_TRAFFIC - $T_READY}") traffic_s=$(awk "BEGIN {printf \"%.1f\", $T_DONE - $T_TRAFFIC}") short_tls_s=$(awk "BEGIN {printf \"%.1f\", $T_SHORT - $T_TRAFFIC}")"
    echo "ssh_lines $(grep -c '^ssh line' "$WORK/ssh.out")"
    echo "bt_file $(cmp -s "$WORK/bt/seed/lab.bin" "$WORK/bt/dl/lab.bin" && echo complete || echo incomplete)"
    echo "ping $(grep -o '[0-9]* received' "$WORK/wg/ping.out")"
} >"$WORK/run.txt"

python3 "$HERE/router-lab.py" "$WORK" "$BATCHES"
RC=$?
if [ $RC -ne 0 ]; then
    echo "--- agent log (last 60 lines)" >&2; tail -60 "$WORK/agent.log" >&2
    for f in run.txt ssh.err tls-long.err bt/dl.log bt/seed.log bt/tracker.log wg/ping.out tcpreplay.out; do
        echo "--- $f" >&2; tail -15 "$WORK/$f" >&2 2>/dev/null
    done
fi
exit $RC
