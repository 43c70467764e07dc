"""Idea 1c: listwise (softmax per user over candidates) stackers: linear, and boosted trees; leave-one-fold-out."""
import sys, time
import numpy as np
from scipy.optimize import minimize
from stack_common import NU, NI, load_mat, ndcg10
from stack_feats import bases, features, candidates
from stack_gbdt import Gbdt

sp = sys.argv[1]
which = sys.argv[2] if len(sys.argv) > 2 else 'lin'
lam = {'item': 800, 'user': 400}[sp]
C = 50
import os
d = os.environ.get('STACKDIR', '/tmp/stack') + '/' + sp
folds = [(load_mat(f'{d}/fold{q}_fit.tsv'), load_mat(f'{d}/fold{q}_valid.tsv')) for q in range(3)]
tr, te = load_mat(f'{d}/train.tsv'), load_mat(f'{d}/test.tsv')
BV = [bases(d, f'fold{q}', X, lam) for q, (X, Y) in enumerate(folds)]
FV = [features(X, B) for (X, _), B in zip(folds, BV)]
MV = [candidates(B, X, C) for (X, _), B in zip(folds, BV)]
BT = bases(d, 'train', tr, lam)
FT = features(tr, BT)
MT = candidates(BT, tr, C)


def rows(F, M, keys):
    cols = []
    for k in keys:
        if '*' in k:
            a, b = k.split('*'); cols.append(F[a][M] * F[b][M])
        else:
            cols.append(F[k][M])
    return np.stack(cols, 1)


def group(M):
    return np.nonzero(M)[0]  # user of each candidate row (row-major order of M)


def softmax_grad(raw, y, users):
    """Per-user softmax cross-entropy: gradient and diagonal hessian of Σ_u -Σ_pos log p."""
    nu = int(users.max()) + 1
    mx = np.full(nu, -np.inf)
    np.maximum.at(mx, users, raw)
    e = np.exp(raw - mx[users])
    z = np.bincount(users, e, nu)
    p = e / z[users]
    npos = np.bincount(users, y, nu)[users]
    return npos * p - y, np.maximum(npos * p * (1 - p), 1e-6)


class Lin:
    def __init__(self, l2=1.0):
        self.l2 = l2

    def fit(self, F, y, users):
        self.mu, self.sd = F.mean(0), F.std(0) + 1e-9
        Z = (F - self.mu) / self.sd
        nu = int(users.max()) + 1

        def f(w):
            r = Z @ w
            mx = np.full(nu, -np.inf)
            np.maximum.at(mx, users, r)
            e = np.exp(r - mx[users])
            z = np.bincount(users, e, nu)
            npos = np.bincount(users, y, nu)
            lse = np.log(np.maximum(z, 1e-300)) + np.where(np.isfinite(mx), mx, 0)
            loss = -np.sum(y * r) + np.sum(npos * lse)
            g, _ = softmax_grad(r, y, users)
            return loss + 0.5 * self.l2 * w @ w, Z.T @ g + self.l2 * w
        self.w = minimize(f, np.zeros(Z.shape[1]), jac=True, method='L-BFGS-B').x
        return self

    def predict(self, F):
        return ((F - self.mu) / self.sd) @ self.w


class Trees(Gbdt):
    """Boosted trees on the per-user softmax loss."""

    def fit(self, F, y, users):
        return super().fit(F, y, grad=lambda raw, yy: softmax_grad(raw, yy, users), base=0.0)


def score_full(model, F, M, keys):
    S = np.full((NU, NI), -np.inf, dtype=np.float32)
    S[M] = model.predict(rows(F, M, keys))
    return S


def run(keys, mk, label):
    t0 = time.time()
    cv = []
    def data(qs):
        return (np.concatenate([rows(FV[q], MV[q], keys) for q in qs]),
                np.concatenate([folds[q][1][MV[q]] for q in qs]),
                np.concatenate([group(MV[q]) + NU * k for k, q in enumerate(qs)]))
    for h in range(3):
        F, y, u = data([q for q in range(3) if q != h])
        m = mk().fit(F, y, u)
        cv.append(ndcg10(score_full(m, FV[h], MV[h], keys), folds[h][0], folds[h][1]))
    F, y, u = data([0, 1, 2])
    m = mk().fit(F, y, u)
    t = ndcg10(score_full(m, FT, MT, keys), tr, te)
    w = np.round(m.w, 2) if hasattr(m, 'w') else ''
    cvs = ' '.join(f'{c:.4f}' for c in cv)
    print(f'{label}: cv {np.mean(cv):.4f} ({cvs}) test {t:.4f} {w} {time.time() - t0:.0f}s', flush=True)


base = [ndcg10(F['als_z'], X, Y) for F, (X, Y) in zip(FV, folds)]
print(f'als alone val {np.mean(base):.4f} ({" ".join(f"{c:.4f}" for c in base)})',
      f'test {ndcg10(FT["als_z"], tr, te):.4f}')
R = ['als_lr', 'ease_lr']
Z = ['als_z', 'ease_z']
P = ['lpop', 'lpop*lact']
I = ['als_z*lact', 'ease_z*lact', 'als_lr*lact', 'ease_lr*lact']
E = ['uknn_z', 'uknn_lr', 'rp3_z', 'rp3_lr']
if which == 'lin':
    sets = [(Z, 'Z'), (Z + R, 'ZR'), (Z + R + P, 'ZRP'), (Z + R + P + I, 'ZRPI'), (Z + R + P + I + E, 'ZRPIE')]
    for keys, nm in sets:
        run(keys, lambda: Lin(1.0), f'lin {nm}')
else:
    K = ['als_z', 'als_lr', 'ease_z', 'ease_lr', 'lpop', 'lact']
    for keys, nm in [(K, 'K'), (K + E, 'KE')]:
        for depth, rounds, lr in [(2, 150, 0.1), (3, 150, 0.1)]:
            run(keys, lambda: Trees(rounds=rounds, depth=depth, lr=lr, l2=10, min_hess=5),
                f'trees {nm} d{depth} r{rounds}')
