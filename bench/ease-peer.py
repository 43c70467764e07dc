#!/usr/bin/env python3
"""Peer EASE in numpy on exactly the split Attune evaluates on.

  npx tsx bench/quality-auto.ts --write-split /tmp/ml100k-item.tsv --split item
  python3 bench/ease-peer.py /tmp/ml100k-item.tsv [--lambda 250]
  OPENBLAS_NUM_THREADS=1 python3 bench/ease-peer.py --speed 1000,2000,3000   inverse speed, as bench/ease-speed.ts

The split file (user, item, rating, 0=train/1=test per line, dense indices)
comes from the TypeScript bench, so both sides see identical rows. Metrics
follow shared/math/metrics.ts: binary relevance, train items removed, nDCG@10
with the ideal DCG over min(|test items|, 10), users with train and test rows.
"""
import sys
import time

import numpy as np


def gram_like(n: int) -> np.ndarray:
    """A Gram-like SPD matrix of bench/ease-speed.ts's shape (n/4 binary rows at 5% density, + n on the diagonal).
    Its random stream is numpy's, not Attune's: same size and structure, not the same entries."""
    rng = np.random.default_rng(n)
    x = (rng.random((max(4, n >> 2), n)) < 0.05).astype(np.float64)
    g = x.T @ x
    g[np.diag_indices(n)] += n
    return g


def speed(sizes: list[int]) -> None:
    import scipy.linalg as sl

    for n in sizes:
        g = gram_like(n)
        out = []
        for name, inv in (
            ("np.linalg.inv (LU)", np.linalg.inv),
            ("Cholesky (LAPACK dpotrf + dpotri)", lambda a: sl.lapack.dpotri(sl.lapack.dpotrf(a, lower=True)[0], lower=True)[0]),
        ):
            c0 = time.process_time()
            w0 = time.perf_counter()
            inv(g)
            out.append(f"{name} {time.process_time() - c0:.2f} s CPU ({time.perf_counter() - w0:.2f} s wall)")
        print(f"n={n}: " + " | ".join(out))


def main() -> None:
    args = sys.argv[1:]
    if "--speed" in args:
        return speed([int(v) for v in args[args.index("--speed") + 1].split(",")])
    lam = 250.0
    if "--lambda" in args:
        lam = float(args[args.index("--lambda") + 1])
    path = [a for i, a in enumerate(args) if not a.startswith("--") and (i == 0 or args[i - 1] != "--lambda")][0]
    rows = np.loadtxt(path, dtype=np.int64, usecols=(0, 1, 3))
    users = rows[:, 0].max() + 1
    items = rows[:, 1].max() + 1
    tr = rows[rows[:, 2] == 0]
    te = rows[rows[:, 2] == 1]
    x = np.zeros((users, items), dtype=np.float64)
    x[tr[:, 0], tr[:, 1]] = 1.0
    t0 = time.perf_counter()
    g = x.T @ x
    g[np.diag_indices(items)] += lam
    p = np.linalg.inv(g)
    b = -p / np.diag(p)
    b[np.diag_indices(items)] = 0.0
    fit = time.perf_counter() - t0
    scores = x @ b
    scores[x > 0] = -np.inf
    test = [set() for _ in range(users)]
    for u, i in te[:, :2]:
        test[u].add(int(i))
    k = 10
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    ndcg = prec = 0.0
    n = 0
    for u in range(users):
        if not test[u] or x[u].sum() == 0:
            continue
        s = scores[u]
        top = np.argpartition(-s, k)[:k]
        top = top[np.argsort(-s[top], kind="stable")]
        hit = np.array([int(i) in test[u] for i in top], dtype=np.float64)
        ndcg += (hit * disc).sum() / disc[: min(len(test[u]), k)].sum()
        prec += hit.sum() / k
        n += 1
    print(f"numpy EASE lambda={lam:g}: nDCG@10 {ndcg / n:.4f}  P@10 {prec / n:.4f}  users {n}  fit {fit:.2f} s")


if __name__ == "__main__":
    main()
