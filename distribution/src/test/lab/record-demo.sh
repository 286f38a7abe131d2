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
. "$(dirname "$0")/lab-lib.sh"
lab_require record-demo "apt-get install iproute2 tcpdump curl python3" ip tcpdump curl python3

lab_work demo
lab_up -e -6 fd77 fmd 10.77
C=$LAB_C R=$LAB_R S=$LAB_S WORK=$LAB_TMP
# no router solicitations or other IPv6 housekeeping noise in the capture
lab_lan_ipv6 router_solicitations=0 accept_ra=0

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
lab_bg ip netns exec $S python3 -m http.server 80 --bind :: --directory "$WORK/www" >"$WORK/http.log" 2>&1
lab_bg ip netns exec $S python3 "$WORK/dns.py" >"$WORK/dns.log" 2>&1

# background jobs are started with `ip netns exec` directly (it execs), so $! is the server's own pid.
# wait for the HTTP server, and fill the neighbour caches, before the capture starts
i=0
until lab_in $C curl -s -o /dev/null http://10.77.2.2/ 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 50 ] || { echo "record-demo: HTTP server did not come up" >&2; cat "$WORK/http.log" >&2; exit 1; }
    sleep 0.1
done
lab_in $C curl -s -o /dev/null -6 'http://[fd77:2::2]/' || true
sleep 1

lab_capture_start "$WORK/demo.pcap" not icmp6

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
lab_in $C python3 "$WORK/client.py" dns
lab_in $C $CURL -A "flowmark-demo/1.0" --resolve www.flowmark.test:80:10.77.2.2 http://www.flowmark.test/
lab_in $C $CURL -I --resolve www.flowmark.test:80:10.77.2.2 http://www.flowmark.test/hello.txt
lab_in $C $CURL -X POST --data 'name=flowmark&demo=1' --resolve api.flowmark.test:80:10.77.2.2 http://api.flowmark.test/submit
lab_in $C $CURL --resolve www.flowmark.test:80:10.77.2.2 http://www.flowmark.test/missing
lab_in $C $CURL -6 --resolve 'v6.flowmark.test:80:[fd77:2::2]' http://v6.flowmark.test/hello.txt
lab_in $C python3 "$WORK/client.py" split
sleep 0.5

lab_capture_stop
lab_save "$WORK/demo.pcap" "$OUT"
