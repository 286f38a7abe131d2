#!/bin/sh
# End-to-end lab of the policy engine and the ipset actuator, with the real distribution and real traffic.
#
#   sudo distribution/src/test/lab/policy-ipset-lab.sh [FLOWMARK_LAYOUT] [FLOWS]
#
# FLOWMARK_LAYOUT: an assembled distribution (default distribution/target/flowmark). It is copied to a private
# directory; bundles it lacks (org.flowmark.policy, .actuator.ipset, .actuator.log, .detector.tls) are added from
# ~/.m2 (or $FLOWMARK_EXTRA_BUNDLES, a directory of jars), so the shared layout is never modified.
# Needs: root, iproute2, ipset, iptables, openssl, java 17. Exit status: 0 pass, 1 fail, 77 skipped (not root or a
# tool missing).
#
# Lab (created here, removed on exit; nothing outside these namespaces is touched but the agent's private copy):
#   client ns eth0 10.79.1.2/24 --- r-c 10.79.1.1  router ns  r-s 10.79.2.1 --- eth0 10.79.2.2/24 server ns
# The agent runs in the router namespace (`bin/flowmark run`), capturing on r-c, with the rule
#   application == "labapp" || protocol == "TLS" && hostname ~ "*.flowmark.test"
#     -> ipset:set=FMLAB;set_type=hash:ip,port,ip;layout=other_ip,other_port,local_ip;timeout=600 | log
# and the router has
#   iptables -t mangle -A FORWARD -m set --match-set FMLAB dst,dst,src -j MARK --set-mark 0x85
# The client opens FLOWS (default 50) TLS connections with SNI app.flowmark.test (openssl s_client) to an openssl
# s_server in the server namespace and keeps sending after the handshake. Checks: the element
# 10.79.2.2,tcp:4433,10.79.1.2 is in FMLAB with a timeout near 600; the mangle rule's packet counter rose; and
# the latency from each flow's classifying packet (capture timestamp) to its element being in the kernel
# (the ipset actuator's latency log, taken after ipset confirmed the batch) has its p50/p99 printed.
set -u

skip() { echo "policy-ipset-lab: SKIPPED: $*" >&2; exit 77; }
fail() { echo "policy-ipset-lab: FAILED: $*" >&2; exit 1; }

REPO=$(cd "$(dirname "$0")/../../../.." && pwd)
LAYOUT=${1:-$REPO/distribution/target/flowmark}
FLOWS=${2:-50}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, ipset, iptables)"
for t in ip ipset iptables openssl java; do
    command -v $t >/dev/null 2>&1 || skip "$t is missing (apt-get install iproute2 ipset iptables openssl openjdk-17-jre-headless)"
done
[ -x "$LAYOUT/bin/flowmark" ] || skip "no assembled distribution at $LAYOUT (mvn install first)"
ipset list -n >/dev/null 2>&1 || skip "ipset does not work here (no ip_set kernel module?)"

. "$(dirname "$0")/lab-lib.sh"
lab_work policy-lab
SET=FMLAB
WORK=$LAB_TMP
AGENT=""

# --- the agent's private layout
cp -a "$LAYOUT" "$WORK/flowmark"
rm -rf "$WORK/flowmark/data"/* "$WORK/flowmark/deploy"/*
M2=${HOME:-/root}/.m2/repository/org/flowmark
for b in org.flowmark.policy org.flowmark.actuator.ipset org.flowmark.actuator.log org.flowmark.detector.tls; do
    if ls "$WORK/flowmark/bundles/"*/"$b"-*.jar >/dev/null 2>&1; then continue; fi
    jar=""
    [ -n "${FLOWMARK_EXTRA_BUNDLES:-}" ] && jar=$(ls "$FLOWMARK_EXTRA_BUNDLES/$b"-*.jar 2>/dev/null | head -n 1)
    [ -z "$jar" ] && jar=$(ls "$M2/$b"/*/"$b"-*.jar 2>/dev/null | grep -v -- '-sources\|-tests' | head -n 1)
    [ -n "$jar" ] || skip "bundle $b not found in the layout, \$FLOWMARK_EXTRA_BUNDLES or ~/.m2 (mvn install it)"
    cp "$jar" "$WORK/flowmark/bundles/4-flowmark/"
done

# --- network
lab_up -e fmp 10.79 || fail "cannot create namespaces"
C=$LAB_C R=$LAB_R S=$LAB_S
lab_offload_off

# the mangle rule refers to the set: create it empty first (the agent's create -exist then keeps it)
lab_in $R ipset create $SET hash:ip,port,ip family inet timeout 600 || fail "ipset create in the router namespace"
lab_in $R iptables -t mangle -A FORWARD -m set --match-set $SET dst,dst,src -j MARK --set-mark 0x85 \
    || fail "iptables -m set (xt_set missing?)"

# --- agent configuration
CFG=$WORK/config
mkdir -p "$CFG"
cat >"$CFG/org.flowmark.capture.cfg" <<CFGEOF
interfaces=r-c
localNetworks=10.79.1.0/24
CFGEOF
cat >"$CFG/org.flowmark.policy.rule-lab.cfg" <<'CFGEOF'
match=application == "labapp" || protocol == "TLS" && hostname ~ "*.flowmark.test"
actions=ipset:set=FMLAB;set_type=hash:ip,port,ip;layout=other_ip,other_port,local_ip;timeout=600 | log:level=info
remove_on_purge=false
CFGEOF
cat >"$CFG/org.flowmark.policy.rule-broken.cfg" <<'CFGEOF'
match=protocol == "TLS" &&
actions=log
CFGEOF
cat >"$CFG/org.flowmark.actuator.ipset.cfg" <<'CFGEOF'
latency_log=true
CFGEOF
# info-level lines of the components' OSGi Loggers (the root logger context defaults to WARN)
cat >"$CFG/org.osgi.service.log.admin.cfg" <<'CFGEOF'
ROOT=INFO
CFGEOF

FLOWMARK_JAVA_OPTS="-Dflowmark.log.level=info -Dorg.osgi.service.log.admin.loglevel=INFO" lab_in $R "$WORK/flowmark/bin/flowmark" run --config "$CFG" \
    >"$WORK/agent.out" 2>"$WORK/agent.log" </dev/null &
AGENT=$!
lab_register $AGENT
i=0
until grep -q "capturing on r-c" "$WORK/agent.log" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && { cat "$WORK/agent.log" >&2; fail "the agent did not start capturing"; }
    kill -0 $AGENT 2>/dev/null || { cat "$WORK/agent.log" >&2; fail "the agent exited"; }
    sleep 0.1
done
sleep 3 # configurations applied, policy engine up
i=0
until grep -q "org.flowmark.policy.rule-broken.cfg: match: expected a field, '!' or '(', found end of expression at column 21" \
        "$WORK/agent.log"; do
    i=$((i + 1)); [ $i -gt 150 ] && { cat "$WORK/agent.log" >&2; fail "the broken rule was not reported with its file and position"; }
    sleep 0.1
done

# --- TLS server and clients
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=app.flowmark.test" \
    -addext "subjectAltName=DNS:*.flowmark.test" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
lab_in $S openssl s_server -quiet -accept 4433 -cert "$WORK/cert.pem" -key "$WORK/key.pem" \
    >"$WORK/server.log" 2>&1 </dev/null &
lab_register $!
lab_wait_port $S 4433 tcp 10 || fail "s_server"

n=0
while [ $n -lt "$FLOWS" ]; do
    n=$((n + 1))
    # handshake, then 8 records 100 ms apart: the later packets must be marked
    ( sleep 0.3; for k in 1 2 3 4 5 6 7 8; do echo "flow $n line $k"; sleep 0.1; done ) \
        | lab_in $C timeout 10 openssl s_client -connect 10.79.2.2:4433 -servername app.flowmark.test -quiet \
        >/dev/null 2>&1
done
sleep 1

# --- checks
LIST=$(lab_in $R ipset list $SET)
echo "$LIST" | grep -q "^10.79.2.2,tcp:4433,10.79.1.2 timeout" || { echo "$LIST" >&2; cat "$WORK/agent.log" >&2;
    fail "element 10.79.2.2,tcp:4433,10.79.1.2 not in $SET"; }
T=$(echo "$LIST" | sed -n 's/^10.79.2.2,tcp:4433,10.79.1.2 timeout \([0-9]*\).*/\1/p')
[ "$T" -ge 560 ] && [ "$T" -le 600 ] || fail "timeout $T is not near 600"
PKTS=$(lab_in $R iptables -t mangle -L FORWARD -v -n -x | awk '/match-set FMLAB/ {print $1; exit}')
[ "${PKTS:-0}" -gt "$FLOWS" ] || fail "the --match-set rule counted ${PKTS:-0} packets for $FLOWS flows"
LAT=$WORK/latency.txt
# the latency lines come through the agent's asynchronous log: give the last flows up to 15 s to be written
i=0
while :; do
    sed -n 's/.*ipset latency flow=[0-9]* rule=lab capture_to_kernel_us=\([0-9-]*\) engine_to_kernel_us=\([0-9-]*\).*/\1 \2/p' \
        "$WORK/agent.log" >"$LAT"
    COUNT=$(wc -l <"$LAT")
    [ "$COUNT" -ge "$FLOWS" ] || [ $i -ge 150 ] && break
    i=$((i + 1)); sleep 0.1
done
[ "$COUNT" -ge "$FLOWS" ] || { grep -c "policy ADD rule=lab" "$WORK/agent.log" >&2; grep -o "ipset latency flow=[0-9]*" \
    "$WORK/agent.log" | tr '\n' ' ' >&2; tail -30 "$WORK/agent.log" >&2; fail "latency lines: $COUNT for $FLOWS flows"; }
grep -q "policy ADD rule=lab flow=" "$WORK/agent.log" || fail "the log actuator wrote nothing"
pct() { sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int((NR*p+99)/100); if (i<1) i=1; print a[i]}'; }
P50=$(cut -d' ' -f1 "$LAT" | pct 50); P99=$(cut -d' ' -f1 "$LAT" | pct 99)
E50=$(cut -d' ' -f2 "$LAT" | pct 50); E99=$(cut -d' ' -f2 "$LAT" | pct 99)
echo "policy-ipset-lab: PASSED: $COUNT flows; element timeout $T s; --match-set packets $PKTS"
echo "policy-ipset-lab: capture-to-kernel latency p50 ${P50} us, p99 ${P99} us (engine-to-kernel p50 ${E50} us, p99 ${E99} us)"
exit 0
