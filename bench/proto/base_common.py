"""Shared helpers for the base-model numpy prototypes (issue 16; not run by tests). Usage:
  python3 bench/proto/base_sweep.py item '{"beta":0.25}'   (base_*.py read /tmp/h8/ml-<split>.tsv)

Reads the exact TypeScript split written by
  npx tsx bench/quality-auto.ts --write-split /tmp/h8/ml-item.tsv --split item
and carves validation splits from train (numpy stream, same law as stratifiedSplit).
"""
import numpy as np
import scipy.sparse as sp

ML = '/work/shared/data/ml-100k/u.data'


def load_split(path):
    a = np.loadtxt(path, dtype=np.float64)
    u, i, r, s = a[:, 0].astype(int), a[:, 1].astype(int), a[:, 2], a[:, 3].astype(int)
    nu, ni = u.max() + 1, i.max() + 1
    tr, te = s == 0, s == 1
    return (u[tr], i[tr], r[tr]), (u[te], i[te], r[te]), nu, ni


def timestamps():
    """(user, item) -> unix time, in the dense indices loadMl100k assigns (first appearance)."""
    raw = np.loadtxt(ML, dtype=np.int64)
    umap, imap = {}, {}
    out = {}
    for uu, ii, _, t in raw:
        a = umap.setdefault(uu, len(umap))
        b = imap.setdefault(ii, len(imap))
        out[(a, b)] = t
    return out


def csr(rows, nu, ni, value=None):
    u, i, r = rows
    v = np.ones(len(u)) if value is None else value(r)
    return sp.csr_matrix((v, (u, i)), shape=(nu, ni))


def strat(rows, by, ratio, seed):
    """Per-group 75/25 split of row triples (group = user if by == 'user' else item)."""
    u, i, r = rows
    key = u if by == 'user' else i
    rng = np.random.default_rng(seed)
    order = np.argsort(key, kind='stable')
    ks = key[order]
    starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1], True])
    fit = np.zeros(len(u), bool)
    for a, b in zip(starts[:-1], starts[1:]):
        idx = order[a:b].copy()
        rng.shuffle(idx)
        fit[idx[: int(round(ratio * (b - a)))]] = True
    return (u[fit], i[fit], r[fit]), (u[~fit], i[~fit], r[~fit])


def ndcg10(train, test, scores):
    """Mean nDCG@10 over users with test items; train items removed; binary gains."""
    S = np.array(scores, dtype=np.float64, copy=True)
    S[train.nonzero()] = -np.inf
    users = np.flatnonzero(np.diff(test.indptr) > 0)
    S = S[users]
    top = np.argpartition(-S, 10, axis=1)[:, :10]
    top = np.take_along_axis(top, np.argsort(-np.take_along_axis(S, top, 1), 1), 1)
    disc = 1 / np.log2(np.arange(2, 12))
    T = test[users].toarray() > 0
    hits = np.take_along_axis(T, top, 1)
    dcg = (hits * disc).sum(1)
    nrel = np.minimum(T.sum(1), 10)
    idcg = np.cumsum(disc)[nrel - 1]
    return float((dcg / idcg).mean())


def val_splits(train_rows, by, nu, ni, seeds=(7, 8, 9)):
    out = []
    for s in seeds:
        f, v = strat(train_rows, by, 0.75, s)
        out.append((f, csr(f, nu, ni), csr(v, nu, ni)))
    return out
