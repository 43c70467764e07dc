"""Shared pieces of the stacking prototype: data from bench/proto/stack-dump.ts, base scorers, nDCG@10."""
import os
import numpy as np

NU, NI = 943, 1682


def load_mat(path):
    a = np.loadtxt(path, dtype=np.float64, ndmin=2)
    X = np.zeros((NU, NI), dtype=np.float32)
    X[a[:, 0].astype(int), a[:, 1].astype(int)] = 1
    return X


def als_scores(d, name, seed=42, tag='als'):
    U = np.fromfile(os.path.join(d, f'{tag}_{name}_s{seed}_U.f32'), dtype=np.float32).reshape(NU, -1)
    V = np.fromfile(os.path.join(d, f'{tag}_{name}_s{seed}_V.f32'), dtype=np.float32).reshape(NI, -1)
    return U @ V.T


def ease_scores(X, lam):
    G = X.T.astype(np.float64) @ X
    G[np.diag_indices(NI)] += lam
    P = np.linalg.inv(G)
    B = -P / np.diag(P)[None, :]
    B[np.diag_indices(NI)] = 0
    return (X @ B).astype(np.float32)


def uknn_scores(X, k=50):
    n = np.sqrt(X.sum(1, keepdims=True)) + 1e-9
    Xn = X / n
    S = Xn @ Xn.T
    np.fill_diagonal(S, 0)
    idx = np.argpartition(-S, k, axis=1)[:, k:]
    S[np.arange(NU)[:, None], idx] = 0
    return S @ X


def rp3_scores(X, a=0.8, b=0.4, k=200):
    du = X.sum(1)
    di = X.sum(0)
    Pui = X / np.maximum(du, 1)[:, None] ** a
    Piu = (X / np.maximum(di, 1)[None, :] ** a).T
    W = Piu @ Pui
    W = W / np.maximum(di, 1)[None, :] ** b
    np.fill_diagonal(W, 0)
    if k < NI:
        idx = np.argpartition(-W, k, axis=0)[k:, :]
        W[idx, np.arange(NI)[None, :]] = 0
    return X @ W


def ndcg10(S, fit, valid, per_user=False):
    """Mean nDCG@10, fit items removed, over users with fit and valid rows (as shared/math/metrics.ts)."""
    S = np.where(fit > 0, -np.inf, S)
    top = np.argpartition(-S, 10, axis=1)[:, :10]
    o = np.argsort(-np.take_along_axis(S, top, 1), axis=1)
    top = np.take_along_axis(top, o, 1)
    hits = np.take_along_axis(valid, top, 1)
    disc = 1 / np.log2(np.arange(2, 12))
    dcg = hits @ disc
    nrel = valid.sum(1)
    idcg = np.array([disc[: int(min(r, 10))].sum() for r in nrel])
    ok = (nrel > 0) & (fit.sum(1) > 0)
    v = dcg[ok] / idcg[ok]
    return v if per_user else v.mean()


def zrow(S):
    m = S.mean(1, keepdims=True)
    s = S.std(1, keepdims=True) + 1e-12
    return (S - m) / s
