"""Idea 1b: logistic regression stacker (with activity interactions) over candidate features; leave-one-fold-out."""
import sys, time
import numpy as np
from scipy.optimize import minimize
from stack_common import NU, NI, load_mat, ndcg10
from stack_feats import bases, features, candidates

sp = sys.argv[1]
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


class LR:
    def __init__(self, l2=1.0):
        self.l2 = l2

    def fit(self, F, y):
        self.mu, self.sd = F.mean(0), F.std(0) + 1e-9
        Z = np.c_[(F - self.mu) / self.sd, np.ones(len(F))]
        def f(w):
            r = Z @ w
            p = 1 / (1 + np.exp(-r))
            loss = np.sum(np.logaddexp(0, r) - y * r) + 0.5 * self.l2 * w[:-1] @ w[:-1]
            g = Z.T @ (p - y); g[:-1] += self.l2 * w[:-1]
            return loss, g
        self.w = minimize(f, np.zeros(Z.shape[1]), jac=True, method='L-BFGS-B').x
        return self

    def predict(self, F):
        return np.c_[(F - self.mu) / self.sd, np.ones(len(F))] @ self.w


def rows(F, M, keys):
    cols = []
    for k in keys:
        if '*' in k:
            a, b = k.split('*'); cols.append(F[a][M] * F[b][M])
        else:
            cols.append(F[k][M])
    return np.stack(cols, 1)


def score_full(model, F, M, keys):
    S = np.full((NU, NI), -np.inf, dtype=np.float32)
    S[M] = model.predict(rows(F, M, keys))
    return S


def run(keys, mk, label):
    t0 = time.time()
    cv = []
    for h in range(3):
        ti = [q for q in range(3) if q != h]
        m = mk().fit(np.concatenate([rows(FV[q], MV[q], keys) for q in ti]),
                     np.concatenate([folds[q][1][MV[q]] for q in ti]))
        cv.append(ndcg10(score_full(m, FV[h], MV[h], keys), folds[h][0], folds[h][1]))
    m = mk().fit(np.concatenate([rows(FV[q], MV[q], keys) for q in range(3)]),
                 np.concatenate([folds[q][1][MV[q]] for q in range(3)]))
    t = ndcg10(score_full(m, FT, MT, keys), tr, te)
    cvs = ' '.join(f'{c:.4f}' for c in cv)
    print(f'{label}: cv {np.mean(cv):.4f} ({cvs}) test {t:.4f} w {np.round(m.w, 2)} {time.time() - t0:.0f}s',
          flush=True)


base = [ndcg10(F['als_z'], X, Y) for F, (X, Y) in zip(FV, folds)]
print(f'als alone val {np.mean(base):.4f} ({" ".join(f"{c:.4f}" for c in base)})',
      f'test {ndcg10(FT["als_z"], tr, te):.4f}')
R = ['als_lr', 'ease_lr']
Z = ['als_z', 'ease_z']
A = ['lpop', 'lact']
I = ['als_z*lact', 'ease_z*lact', 'lpop*lact', 'als_lr*lact', 'ease_lr*lact']
E = ['uknn_z', 'uknn_lr', 'rp3_z', 'rp3_lr']
sets = [(Z, 'Z'), (R, 'R'), (Z + R, 'ZR'), (Z + R + A, 'ZRA'), (Z + R + A + I, 'ZRAI'), (Z + R + A + I + E, 'ZRAIE')]
for keys, nm in sets:
    run(keys, lambda: LR(1.0), f'lr {nm}')
