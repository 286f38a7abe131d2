#!/usr/bin/env python3
# Compare per-capture flow counts of `flowmark read --format ndjson` (flow_purge records) with truth rows.
import json, os, subprocess, sys, collections
corpus = sys.argv[1]; cmd = sys.argv[2]
names = sorted(n[:-4] for n in os.listdir(os.path.join(corpus, 'truth')) if n.endswith('.tsv'))
paths = [os.path.join(corpus, 'pcap', n) for n in names]
out = subprocess.run(cmd.split() + paths, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
counts = collections.Counter()
for line in out.stdout.splitlines():
    if line.startswith('{'):
        r = json.loads(line)
        if r.get('type') == 'flow_purge':
            counts[os.path.basename(r['source'])] += 1
same = 0
for n in names:
    ref = sum(1 for _ in open(os.path.join(corpus, 'truth', n + '.tsv'))) - 1
    if counts[n] == ref: same += 1
    else: print('  %s: %d flows, reference %d' % (n, counts[n], ref))
print('same flow count as the reference: %d/%d captures (%.1f%%); exit status %d' % (same, len(names), 100.0 * same / len(names), out.returncode))
