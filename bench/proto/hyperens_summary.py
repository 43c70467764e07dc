"""Summarises bench/quality-hyperens.ts outputs over split seeds (issue 16, session 20; not run by tests).
  python3 bench/proto/hyperens_summary.py /tmp/h3/item4[3-6].txt
Per subset: mean validation / confirm / test change against the served point; per rule: what it picked on each
seed and the test change (test is read only where the output has it)."""
import re
import sys
from collections import defaultdict

rows = defaultdict(list)
rules = defaultdict(list)
for path in sys.argv[1:]:
    served = None
    lines = open(path).read().splitlines()
    parsed = []
    for ln in lines:
        m = re.match(r'(\{[^}]*\})\s+val ([\d.]+) confirm ([\d.]+)(?: TEST ([\d.]+))?(?:\s+<- (.*))?', ln)
        if not m:
            continue
        name, v, c, te, tags = m.group(1), float(m.group(2)), float(m.group(3)), m.group(4), m.group(5) or ''
        parsed.append((name, v, c, float(te) if te else None, tags.split()))
        if 'served' in tags.split():
            served = (v, c, float(te) if te else None)
    for name, v, c, te, tags in parsed:
        d = te - served[2] if te is not None and served[2] is not None else None
        rows[name].append((v - served[0], c - served[1], d))
        for tag in tags:
            rules[tag].append((path.split('/')[-1], name, d))

print('subset                  dval     dconfirm  dtest (mean, per seed)')
for name, xs in rows.items():
    mv = sum(x[0] for x in xs) / len(xs)
    mc = sum(x[1] for x in xs) / len(xs)
    ts = [x[2] for x in xs if x[2] is not None]
    mt = f'{sum(ts) / len(ts):+.4f} ' + ' '.join(f'{t:+.4f}' for t in ts) if ts else '-'
    print(f'{name:22s} {mv:+.4f}  {mc:+.4f}   {mt}')
print()
for tag, xs in rules.items():
    ds = [x[2] for x in xs if x[2] is not None]
    mean = f'{sum(ds) / len(ds):+.4f}' if ds else '-'
    print(f'{tag:16s} mean dtest {mean}: ' + '; '.join(f'{f} {n} {d:+.4f}' if d is not None else f'{f} {n}' for f, n, d in xs))
