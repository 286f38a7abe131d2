#!/usr/bin/env python3
"""Checks and figures of router-lab.sh, from the state it collected in WORK (agent log, ipset/nft/iptables/
conntrack/tc listings). Prints 'router-lab: ...' lines; exit 0 when every check passed, 1 otherwise.

  router-lab.py WORK SHORT_BATCHES
"""
import json
import os
import re
import sys

WORK = sys.argv[1]
BATCHES = int(sys.argv[2]) if len(sys.argv) > 2 else 3
CLIENT, SERVER = "10.81.1.2", "10.81.2.2"
# category: (ip protocol, first port, last port, client address, server address, expected flows)
CATEGORIES = {
    "tls-long": ("tcp", 4443, 4443, CLIENT, SERVER, 1),
    "tls-short": ("tcp", 4433, 4442, CLIENT, SERVER, 10 * BATCHES),
    "ssh": ("tcp", 22, 22, CLIENT, SERVER, 1),
    "wireguard": ("udp", 51820, 51820, CLIENT, SERVER, 1),
    "bittorrent": ("tcp", 6881, 6881, CLIENT, SERVER, 1),
    "quic": ("udp", 4433, 4433, "10.201.1.2", "10.201.2.2", 1),
}
# Packets after the classifying one that still pass unmarked are those that arrive while the verdict travels
# from the capture to the kernel (the latency above). The goal is 0; a bulk flow (BitTorrent) sends many packets
# in that time. Checked for the long-lived flows (tls-short, 2 s each, is only reported): at most
# MAX_UNMARKED_AFTER packets, or this fraction of the flow's later packets.
MAX_UNMARKED_AFTER = 3
MAX_UNMARKED_FRACTION = 0.2

failures = []


def out(msg):
    print("router-lab: " + msg, flush=True)


def check(ok, msg):
    if not ok:
        failures.append(msg)
        out("FAIL " + msg)
    return ok


def read(name):
    try:
        with open(os.path.join(WORK, name), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def category(proto, port):
    if (proto, port) in (("tcp", 4444), ("udp", 4445)):
        return "warm-up"
    for name, (p, lo, hi, _c, _s, _n) in CATEGORIES.items():
        if p == proto and lo <= port <= hi:
            return name
    return None


def pct(values, p):
    v = sorted(values)
    if not v:
        return None
    i = max(0, min(len(v) - 1, -(-len(v) * p // 100) - 1))  # nearest rank
    return v[i]


log = read("agent-at-end.log")
run = read("run.txt")
out("run: " + " | ".join(run.strip().splitlines()))

# --- flows as the log actuator reported them: flow id -> (rule, category, client port)
PROTO = {"tcp": "tcp", "udp": "udp"}
flows = {}
for m in re.finditer(r"policy ADD rule=(\S+) flow=(\d+) (\w+) ([\d.]+):(\d+) (->|<-) ([\d.]+):(\d+) (\S+)", log):
    rule, fid, proto, lip, lport, _dir, oip, oport, detected = m.groups()
    flows[fid] = (rule, category(proto, int(oport)), int(lport), detected)
by_cat = {}
for fid, (rule, cat, lport, det) in flows.items():
    by_cat.setdefault(cat, []).append(fid)
for cat, (_p, _lo, _hi, _c, _s, n) in CATEGORIES.items():
    got = len(by_cat.get(cat, []))
    check(got >= n, "%s: the log actuator reported %d flows, expected %d" % (cat, got, n))
check(len(by_cat.get("warm-up", [])) == 2, "the warm-up flows were not reported once each by the log actuator")
others = by_cat.get(None, [])
if others:
    out("also acted on %d other flows: %s" % (len(others), ", ".join(sorted(set(
        "%s/%s" % (flows[f][0], flows[f][3]) for f in others)))))

# --- traffic really happened
check("rc tls-long=0 ssh=0 wireguard=0 bittorrent=0 quic=0" in run, "a client failed: " + run.splitlines()[0]
      if run else "no run.txt")
check("ssh_lines 20" in run, "ssh: the remote command's 20 lines did not all arrive")
check("bt_file complete" in run, "bittorrent: the downloaded file differs from the seeded one")
m = re.search(r"ping (\d+) received", run)
check(m is not None and int(m.group(1)) >= 20, "wireguard: fewer than 20 of 25 pings answered through the tunnel")

# --- latency per actuator: classifying packet's capture timestamp -> entry confirmed by the kernel
lat = {}
eng_lat = {}
ctm = {}  # flow id -> packets at classification
for m in re.finditer(r"(ipset|nftables|ctmark) latency flow=(\d+) rule=(\S+) capture_to_kernel_us=(-?\d+)"
                     r" engine_to_kernel_us=(-?\d+)(.*)", log):
    act, fid, rule, cap, eng, rest = m.groups()
    if fid in flows and flows[fid][1] == "warm-up":
        continue
    lat.setdefault(act, []).append(int(cap))
    eng_lat.setdefault(act, []).append(int(eng))
    p = re.search(r"packets_at_classification=(\d+)", rest)
    if act == "ctmark" and p:
        ctm[fid] = int(p.group(1))
expected_flows = sum(c[5] for c in CATEGORIES.values())
warm = {}
for m in re.finditer(r"(ipset|nftables|ctmark) latency flow=(\d+) rule=\S+ capture_to_kernel_us=(-?\d+)", log):
    if m.group(2) in flows and flows[m.group(2)][1] == "warm-up":
        warm[m.group(1)] = max(warm.get(m.group(1), 0), int(m.group(3)))
out("warm-up flows (first TLS and QUIC flows, first use of each actuator; not in the figures below): "
    "capture->kernel " + ", ".join("%s %.2f ms" % (a, warm[a] / 1000) for a in sorted(warm)))
status = [json.loads(l) for l in read("agent.out").splitlines() if l.startswith('{"type":"agent_status"')]
if status:
    st = status[-1]["stats"]
    out("capture: %d packets, kernel drops %d, agent drops %d, events dropped %d" % (
        st.get("packets", 0), st.get("kernel_drops", 0), st.get("agent_drops", 0), st.get("events_dropped", 0)))
for act in ("ipset", "nftables", "ctmark"):
    v = lat.get(act, [])
    check(len(v) >= expected_flows, "%s: %d latency lines, expected >= %d" % (act, len(v), expected_flows))
    if v:
        e = eng_lat[act]
        out("latency %-8s n=%3d  capture->kernel p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms   (engine->kernel "
            "p50 %6.2f ms  p99 %6.2f ms)" % (act, len(v), pct(v, 50) / 1000, pct(v, 99) / 1000, max(v) / 1000,
                                            pct(e, 50) / 1000, pct(e, 99) / 1000))
logged = len(re.findall(r"policy ADD rule=", log))
out("log actuator: %d ADD lines" % logged)
for bad in ("actuator queue full", "dropped", "failed"):
    n = len([l for l in log.splitlines() if bad in l and ("policy" in l or "actuator" in l)
             and "failed 0" not in l and "dropped 0" not in l])
    check(n == 0, "the agent logged %d lines with '%s'" % (n, bad))

# --- ipset elements
ipset = read("ipset.txt")
ip_el = {}
for m in re.finditer(r"^([\d.]+),(tcp|udp):(\d+),([\d.]+) timeout (\d+)", ipset, re.M):
    ip_el[(m.group(1), m.group(2), int(m.group(3)), m.group(4))] = int(m.group(5))

# --- nft set elements
nft_el = {}
try:
    data = json.loads(read("nftset.json"))
    for item in data.get("nftables", []):
        s = item.get("set")
        if not s:
            continue
        for e in s.get("elem", []):
            if isinstance(e, dict) and "elem" in e:
                e = e["elem"]
                conc = e.get("val", {}).get("concat")
                if conc and len(conc) == 3:
                    nft_el[(conc[0], int(conc[1]), conc[2])] = (e.get("timeout"), e.get("expires"))
except ValueError as e:
    check(False, "nft -j list set: " + str(e))


def counters(text, pattern):
    """{comment: packets} summed over the rules whose comment matches."""
    res = {}
    for line in text.splitlines():
        m = re.search(pattern, line)
        if m:
            res[m.group(2)] = res.get(m.group(2), 0) + int(m.group(1))
    return res


fmlab = read("fmlab.txt")
unmarked = counters(fmlab, r'counter packets (\d+) bytes \d+ comment "unmarked (\S+)"')
allpk = counters(fmlab, r'counter packets (\d+) bytes \d+ comment "all (\S+)"')
nftset_pk = counters(read("labcount.txt"), r'counter packets (\d+) bytes \d+ comment "set (\S+)"')
ipt_pk = {}
for line in read("iptables.txt").splitlines():
    m = re.match(r"\s*(\d+)\s+\d+\s.*/\* set (\S+) \*/", line)
    if m:
        ipt_pk[m.group(2)] = ipt_pk.get(m.group(2), 0) + int(m.group(1))
conntrack = read("conntrack.txt").splitlines()

out("%-10s %5s %7s %7s %8s %8s %7s %9s %9s" % ("flow", "flows", "ipset", "nftset", "pkts", "set-ipt",
                                              "set-nft", "ct-mark", "unmarked+"))
for cat, (proto, lo, hi, cip, sip, n) in CATEGORIES.items():
    fids = by_cat.get(cat, [])
    ports = range(lo, hi + 1)
    # elements: one per server port (the client side of each is the same address)
    ip_ok = [p for p in ports if (sip, proto, p, cip) in ip_el]
    bad_to = [(p, ip_el[(sip, proto, p, cip)]) for p in ip_ok if not 540 <= ip_el[(sip, proto, p, cip)] <= 600]
    check(len(ip_ok) == len(ports), "%s: ipset FMLAB lacks %s" % (cat, ["%s,%s:%d,%s" % (sip, proto, p, cip)
                                                                         for p in ports if p not in ip_ok]))
    check(not bad_to, "%s: ipset timeouts not near 600 s: %s" % (cat, bad_to))
    nf_ok = [p for p in ports if (sip, p, cip) in nft_el]
    check(len(nf_ok) == len(ports), "%s: nft set fmlab lacks %s" % (cat, ["%s . %d . %s" % (sip, p, cip)
                                                                          for p in ports if p not in nf_ok]))
    bad_nt = [(p, nft_el[(sip, p, cip)]) for p in nf_ok
              if nft_el[(sip, p, cip)][0] != 600 or not 540 <= (nft_el[(sip, p, cip)][1] or 0) <= 600]
    check(not bad_nt, "%s: nft element timeout/expires not 600/near 600 s: %s" % (cat, bad_nt))
    # set-match counters: the flow's later packets matched the set
    check(ipt_pk.get(cat, 0) > 0, "%s: iptables --match-set FMLAB counted no packet" % cat)
    check(nftset_pk.get(cat, 0) > 0, "%s: nft @fmlab rule counted no packet" % cat)
    # conntrack entries of the category carrying the mark
    pat = re.compile(r"\b%s\b.*src=%s dst=%s sport=\d+ dport=(\d+)" % (proto, re.escape(cip), re.escape(sip)))
    marked = 0
    entries = 0
    for line in conntrack:
        m = pat.search(line)
        if m and lo <= int(m.group(1)) <= hi:
            entries += 1
            mm = re.search(r"\bmark=(\d+)", line)
            if mm and int(mm.group(1)) & 0xff == 0x85:
                marked += 1
    check(marked >= min(n, entries) and marked > 0,
          "%s: %d of %d conntrack entries carry mark 0x85/0xff" % (cat, marked, entries))
    # packets after the classifying one that passed without the mark
    at_class = [ctm[f] for f in fids if f in ctm]
    after = unmarked.get(cat, 0) - sum(at_class)
    check(len(at_class) >= n, "%s: %d ctmark latency lines with packets_at_classification, expected %d" % (
        cat, len(at_class), n))
    later = allpk.get(cat, 0) - sum(at_class)
    check(cat == "tls-short" or after <= max(MAX_UNMARKED_AFTER, MAX_UNMARKED_FRACTION * later),
          "%s: %d of %d packets after the classifying one passed without the mark" % (cat, after, later))
    out("%-10s %5d %7s %7s %8d %8d %7d %9s %9d   (unmarked %d = %d at classification + %d after)" % (
        cat, len(fids), "%d/%d" % (len(ip_ok), len(ports)), "%d/%d" % (len(nf_ok), len(ports)), allpk.get(cat, 0),
        ipt_pk.get(cat, 0), nftset_pk.get(cat, 0), "%d/%d" % (marked, entries), after, unmarked.get(cat, 0),
        sum(at_class), after))

# --- tc: the helper's method, no u32, class 1:85 counted the marked packets sent to the LAN


def tc_class(text, cid):
    m = re.search(r"class htb %s .*?\n\s*Sent (\d+) bytes (\d+) pkt" % re.escape(cid), text, re.S)
    return (int(m.group(1)), int(m.group(2))) if m else None


m = re.search(r"tc helper on r-c: HTB .* mapped by (\S+)", log)
method = m.group(1) if m else None
check(method is not None, "the tc helper did not report its installation")
check("u32" not in read("tc-filters.txt"), "a u32 filter is installed on r-c: " + read("tc-filters.txt"))
before, after_ = tc_class(read("tc-before.txt"), "1:85"), tc_class(read("tc-after.txt"), "1:85")
dflt = tc_class(read("tc-after.txt"), "1:ffff")
to_lan = counters(fmlab, r'counter packets (\d+) bytes \d+ comment "(marked-to-lan|unmarked-to-lan)"')
check(before is not None and after_ is not None, "class 1:85 missing on r-c")
if before and after_:
    grew = after_[1] - before[1]
    marked_lan = to_lan.get("marked-to-lan", 0)
    check(grew > 0, "tc class 1:85 counted no packet")
    check(marked_lan > 0 and abs(grew - marked_lan) <= max(5, marked_lan // 20),
          "tc class 1:85 counted %d packets, the router forwarded %d marked packets to the LAN" % (grew, marked_lan))
    out("tc (method %s): class 1:85 +%d pkts +%d bytes; marked packets forwarded to the LAN %d; "
        "class 1:ffff %s pkts; unmarked forwarded to the LAN %d" % (
            method, grew, after_[0] - before[0], marked_lan, dflt[1] if dflt else "?",
            to_lan.get("unmarked-to-lan", 0)))

if failures:
    out("FAILED: %d checks: %s" % (len(failures), "; ".join(failures[:5])))
    sys.exit(1)
out("PASSED")
sys.exit(0)
