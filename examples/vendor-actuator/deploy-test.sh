#!/bin/sh
# Shows the vendor actuator working in a running agent: starts `bin/flowmark run` (a private copy of the
# distribution) in a fresh network namespace capturing on its loopback, with the rule
#   match=protocol == "HTTP"   actions=vendor-webhook:tag=gold
# then drops target/com.example.flowmark.webhook-1.0.0.jar into the agent's deploy/, makes HTTP requests, and
# checks that the actuator appended a JSON line for them; then removes the jar from deploy/ and checks that the
# engine lets the actuator go and that new HTTP flows no longer reach it.
# Run by mvn verify as distribution/src/test/java/org/flowmark/distribution/VendorActuatorIT.java.
#
#   sudo ./deploy-test.sh [FLOWMARK_LAYOUT]      (default ../../distribution/target/flowmark)
# Needs root (network namespace, capture), java 17, curl, python3; the layout must hold org.flowmark.policy (else
# it is taken from ~/.m2). Exit 0 pass, 1 fail, 77 skipped.
set -u
skip() { echo "deploy-test: SKIPPED: $*" >&2; exit 77; }
fail() { echo "deploy-test: FAILED: $*" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
LAYOUT=${1:-$HERE/../../distribution/target/flowmark}
[ "$(id -u)" -eq 0 ] || skip "needs root"
for t in ip java curl python3; do command -v $t >/dev/null 2>&1 || skip "$t is missing"; done
[ -x "$LAYOUT/bin/flowmark" ] || skip "no distribution at $LAYOUT"
JAR=$HERE/target/com.example.flowmark.webhook-1.0.0.jar
[ -f "$JAR" ] || (cd "$HERE" && mvn -q package) || fail "build"

NS=fmv$$
WORK=$(mktemp -d /tmp/flowmark-vendor.XXXXXX)
AGENT="" SERVER=""
cleanup() {
    set +e
    [ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    ip netns del $NS 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

cp -a "$LAYOUT" "$WORK/flowmark"
rm -rf "$WORK/flowmark/deploy"/* "$WORK/flowmark/data"/*
if ! ls "$WORK/flowmark/bundles/"*/org.flowmark.policy-*.jar >/dev/null 2>&1; then
    p=$(ls "${HOME:-/root}"/.m2/repository/org/flowmark/org.flowmark.policy/*/org.flowmark.policy-*.jar 2>/dev/null | head -n 1)
    [ -n "$p" ] || skip "org.flowmark.policy is neither in the layout nor in ~/.m2"
    cp "$p" "$WORK/flowmark/bundles/4-flowmark/"
fi
CFG=$WORK/config
mkdir -p "$CFG"
OUT=$WORK/webhook.ndjson
printf 'interfaces=lo\n' >"$CFG/org.flowmark.capture.cfg"
printf 'ROOT=INFO\n' >"$CFG/org.osgi.service.log.admin.cfg"
printf 'file=%s\n' "$OUT" >"$CFG/com.example.flowmark.webhook.cfg"
cat >"$CFG/org.flowmark.policy.rule-vendor.cfg" <<'CFGEOF'
match=protocol == "HTTP"
actions=vendor-webhook:tag=gold
CFGEOF

ip netns add $NS || fail "netns"
ip -n $NS link set lo up
FLOWMARK_JAVA_OPTS="-Dflowmark.log.level=info -Dorg.osgi.service.log.admin.loglevel=INFO" ip netns exec $NS "$WORK/flowmark/bin/flowmark" run --config "$CFG" >"$WORK/agent.out" 2>"$WORK/agent.log" </dev/null &
AGENT=$!
wait_log() { i=0; until grep -q "$1" "$WORK/agent.log" 2>/dev/null; do i=$((i + 1))
    [ $i -gt 300 ] && { tail -20 "$WORK/agent.log" >&2; fail "no '$1' in the agent's log"; }
    kill -0 $AGENT 2>/dev/null || { tail -20 "$WORK/agent.log" >&2; fail "the agent exited"; }
    sleep 0.1; done; }
wait_log "capturing on lo"
sleep 3 # configurations applied, policy engine up
mkdir -p "$WORK/www" && echo hello >"$WORK/www/index.html"
ip netns exec $NS python3 -m http.server 8080 --bind 127.0.0.1 --directory "$WORK/www" >/dev/null 2>&1 &
SERVER=$!
sleep 1
ip netns exec $NS curl -s -o /dev/null http://127.0.0.1:8080/ || fail "curl"
sleep 2
[ -s "$OUT" ] && fail "the actuator wrote before it was deployed"
cp "$JAR" "$WORK/flowmark/deploy/"
# FileInstall polls every 500 ms: request until the new actuator's lines appear (bounded)
i=0
until [ -s "$OUT" ] && [ "$(grep -c '"rule":"vendor","operation":"ADD"' "$OUT")" -ge 3 ]; do
    i=$((i + 1)); [ $i -gt 60 ] && { cat "$OUT" >&2; tail -20 "$WORK/agent.log" >&2; fail "no actions received"; }
    ip netns exec $NS curl -s -o /dev/null http://127.0.0.1:8080/ || fail "curl"
    sleep 0.5
done
grep -q "actuator 'vendor-webhook' available" "$WORK/agent.log" || fail "the engine did not log the new actuator"
grep -q '"protocol":"HTTP".*"params":{"tag":"gold"}' "$OUT" || fail "unexpected line: $(head -n 1 "$OUT")"
RECEIVED=$(wc -l <"$OUT")
echo "deploy-test: the vendor actuator dropped into deploy/ received $RECEIVED actions, e.g."
echo "deploy-test: $(head -n 1 "$OUT")"

# --- removal: FileInstall uninstalls the bundle, the engine drops the actuator, new flows no longer reach it
rm -f "$WORK/flowmark/deploy/$(basename "$JAR")"
wait_log "actuator 'vendor-webhook' gone"
sleep 1
BEFORE=$(wc -l <"$OUT")
for k in 1 2 3 4 5; do ip netns exec $NS curl -s -o /dev/null http://127.0.0.1:8080/ || fail "curl"; sleep 0.2; done
sleep 2
AFTER=$(wc -l <"$OUT")
[ "$AFTER" -eq "$BEFORE" ] || fail "the removed actuator still received $((AFTER - BEFORE)) actions"
echo "deploy-test: PASSED: received $RECEIVED actions while deployed; after removal from deploy/ the engine logged"\
" it gone and 5 new HTTP flows left the file at $AFTER lines"
