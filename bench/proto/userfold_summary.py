"""Summarise bench/quality-userfold.ts logs (session 22, issue 16): per candidate the user-fold and test
deltas against the first candidate (the reference) on each split, their means, Spearman(user-fold, test)
per split, and what the rule "best on user-fold among CANDS" picks and scores.
  python3 bench/proto/userfold_summary.py /tmp/h1/coarse-item4[3-6].txt [--rule C,R,[C,R]]"""
import re
import sys

args = sys.argv[1:]
rule = None
if '--rule' in args:
    i = args.index('--rule')
    rule = args[i + 1].split(';')
    args = args[:i] + args[i + 2:]

LINE = re.compile(r'^(\S+) userfold (\d\.\d+)(?: TEST (\d\.\d+))?')


def read(path):
    rows = {}
    for line in open(path):
        m = LINE.match(line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)) if m.group(3) else None)
    return rows


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    n = len(a)
    ma, mb = sum(ra) / n, sum(rb) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    va = sum((x - ma) ** 2 for x in ra) ** 0.5
    vb = sum((y - mb) ** 2 for y in rb) ** 0.5
    return cov / (va * vb)


files = {p.split('/')[-1].rsplit('.', 1)[0]: read(p) for p in args}
names = list(next(iter(files.values())).keys())
ref = names[0]
files = {f: rows for f, rows in files.items() if ref in rows}  # a run still going may not have its reference yet
print(f"{'candidate':<18}" + ''.join(f'{f:>16}' for f in files) + f"{'mean':>16}")
for n in names:
    cells, du, dt = [], [], []
    for rows in files.values():
        if n not in rows:
            cells.append(f"{'-':>16}")
            continue
        u, t = rows[n]
        u0, t0 = rows[ref]
        du.append(u - u0)
        if t is not None:
            dt.append(t - t0)
        cells.append(f'{u - u0:+.4f}/{(t - t0) if t is not None else 0:+.4f}'.rjust(16))
    mean = f'{sum(du) / len(du):+.4f}/{(sum(dt) / len(dt)) if dt else 0:+.4f}'.rjust(16)
    print(f'{n:<18}' + ''.join(cells) + mean)
print(f"{'ref test':<18}" + ''.join(f'{rows[ref][1] or 0:>16.4f}' for rows in files.values()))
cands = rule or names
sp = []
for f, rows in files.items():
    have = [c for c in cands if c in rows and rows[c][1] is not None]
    if len(have) > 2:
        sp.append(f'{f} {spearman([rows[c][0] for c in have], [rows[c][1] for c in have]):.2f}')
print('Spearman(user-fold, test):', ', '.join(sp))
picks = []
for f, rows in files.items():
    have = [c for c in cands if c in rows]
    best = max(have, key=lambda c: rows[c][0])
    t, t0 = rows[best][1], rows[ref][1]
    top = max((c for c in have if rows[c][1] is not None), key=lambda c: rows[c][1], default=None)
    picks.append(f'{f}: pick {best} ' + (f'test {t:.4f} ({t - t0:+.4f}); best on test {top} {rows[top][1]:.4f}' if t is not None else ''))
print('\n'.join(picks))
