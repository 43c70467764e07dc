"""A small histogram gradient-boosted tree learner, numpy only, deterministic (logistic loss by default)."""
import numpy as np


def logistic_grad(raw, y):
    p = 1 / (1 + np.exp(-raw))
    return p - y, np.maximum(p * (1 - p), 1e-6)


class Gbdt:
    def __init__(self, rounds=200, depth=3, lr=0.1, l2=1.0, bins=64, min_hess=1.0):
        self.rounds, self.depth, self.lr, self.l2, self.nb, self.min_hess = rounds, depth, lr, l2, bins, min_hess

    def _bin(self, F):
        cols = [np.searchsorted(e, F[:, j], side='right') for j, e in enumerate(self.edges)]
        return np.stack(cols, 1).astype(np.int32)

    def _descend(self, Bn, tree):
        n = Bn.shape[0]
        node = np.zeros(n, dtype=np.int64)
        for feat, thr in tree:
            fj = feat[node]
            go = np.where(fj >= 0, Bn[np.arange(n), np.maximum(fj, 0)] > thr[node], False)
            node = node * 2 + go
        return node

    def fit(self, F, y, grad=logistic_grad, base=None):
        """grad(raw, y) -> (gradient, hessian) of the loss at the raw scores."""
        n, m = F.shape
        nb = self.nb
        qs = np.linspace(0, 1, nb + 1)[1:-1]
        self.edges = [np.unique(np.quantile(F[:, j], qs)) for j in range(m)]
        Bn = self._bin(F)
        if base is None:
            p0 = np.clip(y.mean(), 1e-6, 1 - 1e-6)
            base = np.log(p0 / (1 - p0))
        self.base = base
        raw = np.full(n, base, dtype=np.float64)
        self.trees = []
        for _ in range(self.rounds):
            g, h = grad(raw, y)
            node = np.zeros(n, dtype=np.int64)
            tree = []
            for lev in range(self.depth):
                nn = 1 << lev
                best_gain = np.zeros(nn)
                feat = np.full(nn, -1)
                thr = np.zeros(nn, dtype=np.int64)
                for j in range(m):
                    key = node * nb + Bn[:, j]
                    G = np.bincount(key, g, nn * nb).reshape(nn, nb)
                    H = np.bincount(key, h, nn * nb).reshape(nn, nb)
                    GL, HL = np.cumsum(G, 1)[:, :-1], np.cumsum(H, 1)[:, :-1]
                    Gt, Ht = G.sum(1, keepdims=True), H.sum(1, keepdims=True)
                    GR, HR = Gt - GL, Ht - HL
                    ok = (HL >= self.min_hess) & (HR >= self.min_hess)
                    gain = GL ** 2 / (HL + self.l2) + GR ** 2 / (HR + self.l2) - Gt ** 2 / (Ht + self.l2)
                    gain = np.where(ok, gain, 0)
                    bi = gain.argmax(1)
                    bg = gain[np.arange(nn), bi]
                    upd = bg > best_gain
                    best_gain[upd], feat[upd], thr[upd] = bg[upd], j, bi[upd]
                tree.append((feat, thr))
                fj = feat[node]
                go = np.where(fj >= 0, Bn[np.arange(n), np.maximum(fj, 0)] > thr[node], False)
                node = node * 2 + go
            nl = 1 << self.depth
            leaf = -np.bincount(node, g, nl) / (np.bincount(node, h, nl) + self.l2) * self.lr
            raw += leaf[node]
            self.trees.append((tree, leaf))
        return self

    def predict(self, F):
        Bn = self._bin(F)
        raw = np.full(F.shape[0], self.base, dtype=np.float64)
        for tree, leaf in self.trees:
            raw += leaf[self._descend(Bn, tree)]
        return raw
