#!/bin/sh
# Records Flowmark's demo capture (distribution/src/main/samples/demo.pcap) in a private network-namespace lab.
#
#   sudo distribution/src/test/lab/record-demo.sh [OUTPUT.pcap]
#
# The committed capture was made with exactly:
#   sudo distribution/src/test/lab/record-demo.sh distribution/src/main/samples/demo.pcap
# then `./flowmark read --format ndjson distribution/src/main/samples/demo.pcap` was checked by hand and
# `mvn -pl distribution verify -Dgolden.update=true` regenerated distribution/src/test/resources/golden/demo.expected.
#
# Lab (all created here, all removed on exit, nothing outside these namespaces is touched):
#
#   client ns  eth0 10.77.1.2/24 fd77:1::2/64 --- r-c 10.77.1.1 fd77:1::1  router ns  r-s 10.77.2.1 fd77:2::1
#                                                     --- eth0 10.77.2.2/24 fd77:2::2/64  server ns
#
# The server runs `python3 -m http.server 80` and a tiny DNS responder on UDP 53; the client makes:
#   1. GET  http://www.flowmark.test/            with User-Agent "flowmark-demo/1.0"        -> 200
#   2. HEAD http://www.flowmark.test/hello.txt                                              -> 200
#   3. POST http://api.flowmark.test/submit      (http.server has no POST)                  -> 501
#   4. GET  http://www.flowmark.test/missing                                                -> 404
#   5. GET  http://v6.flowmark.test/hello.txt    over IPv6                                  -> 200
#   6. GET  /split with the request line split over three TCP segments ("GE", "T /split HTTP/1.1\r\n",
#      "Host: split.flowmark.test\r\n...") sent with TCP_NODELAY and pauses                 -> 404
#   7. two DNS queries (A www.flowmark.test, AAAA v6.flowmark.test) and their answers
# tcpdump captures on the router's client-side interface (default snap length), so both directions are seen;
# ICMPv6 (neighbour discovery, MLD reports of the fresh interfaces) is filtered out as noise.
# Needs: root, iproute2, tcpdump, curl, python3.
set -eu

OUT=${1:-distribution/src/main/samples/demo.pcap}
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac
[ "$(id -u)" -eq 0 ] || { echo "record-demo: run as root (network namespaces, tcpdump)" >&2; exit 2; }
for t in ip tcpdump curl python3; do
    command -v $t >/dev/null 2>&1 || { echo "record-demo: $t is missing (apt-get install iproute2 tcpdump curl python3)" >&2; exit 2; }
done

TAG=fmd$$
C=${TAG}c R=${TAG}r S=${TAG}s
WORK=$(mktemp -d /tmp/flowmark-demo.XXXXXX)
PIDS=""

cleanup() {
    set +e
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    for n in $C $R $S; do ip netns del "$n" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

in_ns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

ip netns add $C
ip netns add $R
ip netns add $S
for n in $C $R $S; do in_ns $n ip link set lo up; done

# veth pairs: client eth0 <-> router r-c, router r-s <-> server eth0
ip -n $C link add eth0 type veth peer name r-c netns $R
ip -n $S link add eth0 type veth peer name r-s netns $R
ip -n $C addr add 10.77.1.2/24 dev eth0
ip -n $C addr add fd77:1::2/64 dev eth0 nodad
ip -n $R addr add 10.77.1.1/24 dev r-c
ip -n $R addr add fd77:1::1/64 dev r-c nodad
ip -n $R addr add 10.77.2.1/24 dev r-s
ip -n $R addr add fd77:2::1/64 dev r-s nodad
ip -n $S addr add 10.77.2.2/24 dev eth0
ip -n $S addr add fd77:2::2/64 dev eth0 nodad
for spec in "$C eth0" "$R r-c" "$R r-s" "$S eth0"; do set -- $spec; ip -n "$1" link set "$2" up; done
ip -n $C route add default via 10.77.1.1
ip -n $C -6 route add default via fd77:1::1
ip -n $S route add default via 10.77.2.1
ip -n $S -6 route add default via fd77:2::1
in_ns $R sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
# no router solicitations or other IPv6 housekeeping noise in the capture
for spec in "$C eth0" "$R r-c"; do set -- $spec
    in_ns "$1" sysctl -q -w "net.ipv6.conf.$2.router_solicitations=0" "net.ipv6.conf.$2.accept_ra=0" || true
done

# server: static files over HTTP, and a DNS responder that answers A/AAAA for *.flowmark.test
mkdir -p "$WORK/www"
printf '<!doctype html><title>Flowmark demo</title><p>Hello from the Flowmark lab.</p>\n' > "$WORK/www/index.html"
printf 'hello, flowmark\n' > "$WORK/www/hello.txt"
cat > "$WORK/dns.py" <<'PY'
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.2.2", 53))
ADDR = {1: socket.inet_pton(socket.AF_INET, "10.77.2.2"), 28: socket.inet_pton(socket.AF_INET6, "fd77:2::2")}
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 17:
        continue
    end = q.index(b"\0", 12) + 5          # end of the single question
    qtype = struct.unpack("!H", q[end - 4:end - 2])[0]
    rdata = ADDR.get(qtype)
    flags = 0x8180                          # response, recursion desired + available, no error
    hdr = q[:2] + struct.pack("!HHHHH", flags, 1, 1 if rdata else 0, 0, 0)
    ans = struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(rdata)) + rdata if rdata else b""
    s.sendto(hdr + q[12:end] + ans, peer)
PY
ip netns exec $S python3 -m http.server 80 --bind :: --directory "$WORK/www" >"$WORK/http.log" 2>&1 &
PIDS="$PIDS $!"
ip netns exec $S python3 "$WORK/dns.py" >"$WORK/dns.log" 2>&1 &
PIDS="$PIDS $!"

# background jobs are started with `ip netns exec` directly (it execs), so $! is the server's own pid.
# wait for the HTTP server, and fill the neighbour caches, before the capture starts
i=0
until in_ns $C curl -s -o /dev/null http://10.77.2.2/ 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 50 ] || { echo "record-demo: HTTP server did not come up" >&2; cat "$WORK/http.log" >&2; exit 1; }
    sleep 0.1
done
in_ns $C curl -s -o /dev/null -6 'http://[fd77:2::2]/' || true
sleep 1

ip netns exec $R tcpdump -i r-c -n -U -Z root -w "$WORK/demo.pcap" not icmp6 >"$WORK/tcpdump.log" 2>&1 &
TCPDUMP=$!
PIDS="$TCPDUMP $PIDS"
i=0
until grep -q "listening on" "$WORK/tcpdump.log" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 50 ] || { echo "record-demo: tcpdump did not start" >&2; cat "$WORK/tcpdump.log" >&2; exit 1; }
    sleep 0.1
done
sleep 0.3

cat > "$WORK/client.py" <<'PY'
import socket, struct, sys, time
def dns(name, qtype):
    q = struct.pack("!HHHHHH", 0x4d46 + qtype, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack("!HH", qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(q, ("10.77.2.2", 53))
    s.recvfrom(512)
    s.close()
def split():
    s = socket.create_connection(("10.77.2.2", 80), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for part in (b"GE", b"T /split HTTP/1.1\r\n",
                 b"Host: split.flowmark.test\r\nUser-Agent: flowmark-split/1.0\r\nConnection: close\r\n\r\n"):
        s.sendall(part)
        time.sleep(0.2)
    while s.recv(4096):
        pass
    s.close()
{"dns": lambda: (dns("www.flowmark.test", 1), dns("v6.flowmark.test", 28)), "split": split}[sys.argv[1]]()
PY
CURL="curl -sS -o /dev/null --max-time 5"
in_ns $C python3 "$WORK/client.py" dns
in_ns $C $CURL -A "flowmark-demo/1.0" --resolve www.flowmark.test:80:10.77.2.2 http://www.flowmark.test/
in_ns $C $CURL -I --resolve www.flowmark.test:80:10.77.2.2 http://www.flowmark.test/hello.txt
in_ns $C $CURL -X POST --data 'name=flowmark&demo=1' --resolve api.flowmark.test:80:10.77.2.2 http://api.flowmark.test/submit
in_ns $C $CURL --resolve www.flowmark.test:80:10.77.2.2 http://www.flowmark.test/missing
in_ns $C $CURL -6 --resolve 'v6.flowmark.test:80:[fd77:2::2]' http://v6.flowmark.test/hello.txt
in_ns $C python3 "$WORK/client.py" split
sleep 0.5

kill -INT $TCPDUMP
wait $TCPDUMP 2>/dev/null || true
PIDS=$(echo "$PIDS" | sed "s/^$TCPDUMP //")
mkdir -p "$(dirname "$OUT")"
cp "$WORK/demo.pcap" "$OUT"
echo "record-demo: wrote $OUT ($(wc -c < "$OUT") bytes); $(grep -h 'packets captured' "$WORK/tcpdump.log")" >&2
