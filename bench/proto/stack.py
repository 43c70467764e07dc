"""Idea 1: a stacker over candidate features, trained on validation folds of train, leave-one-fold-out checked."""
import sys, time
import numpy as np
from stack_common import NU, NI, load_mat, ndcg10
from stack_feats import bases, features, candidates
from stack_gbdt import Gbdt

sp = sys.argv[1]
lam = {'item': 800, 'user': 400}[sp]
C = int(sys.argv[2]) if len(sys.argv) > 2 else 50
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
print('candidates per user', MV[0].sum() / NU,
      'recall of valid in cands', (MV[0] & (folds[0][1] > 0)).sum() / folds[0][1].sum())


def rows(F, M, keys):
    return np.stack([F[k][M] for k in keys], 1)


def score_full(model, F, M, keys):
    S = np.full((NU, NI), -np.inf, dtype=np.float32)
    S[M] = model.predict(rows(F, M, keys))
    return S


def run(keys, mk, label):
    t0 = time.time()
    cv = []
    for h in range(3):
        tr_idx = [q for q in range(3) if q != h]
        Fx = np.concatenate([rows(FV[q], MV[q], keys) for q in tr_idx])
        y = np.concatenate([folds[q][1][MV[q]] for q in tr_idx])
        m = mk().fit(Fx, y)
        cv.append(ndcg10(score_full(m, FV[h], MV[h], keys), folds[h][0], folds[h][1]))
    Fx = np.concatenate([rows(FV[q], MV[q], keys) for q in range(3)])
    y = np.concatenate([folds[q][1][MV[q]] for q in range(3)])
    m = mk().fit(Fx, y)
    t = ndcg10(score_full(m, FT, MT, keys), tr, te)
    cvs = ' '.join(f'{c:.4f}' for c in cv)
    print(f'{label}: cv {np.mean(cv):.4f} ({cvs}) test {t:.4f}  {time.time() - t0:.0f}s', flush=True)


base = [ndcg10(F['als_z'], X, Y) for F, (X, Y) in zip(FV, folds)]
print(f'als alone val {np.mean(base):.4f} ({" ".join(f"{c:.4f}" for c in base)})')
K1 = ['als_z', 'als_lr', 'ease_z', 'ease_lr', 'lpop', 'lact']
K2 = K1 + ['uknn_z', 'uknn_lr', 'rp3_z', 'rp3_lr']
for keys, nm in ([(K1, 'K1')] if os.environ.get('QUICK') else [(K1, 'K1'), (K2, 'K2')]):
    for depth, rounds, lr in ([(3, 200, 0.1)] if os.environ.get('QUICK') else [(3, 200, 0.1), (4, 300, 0.05)]):
        run(keys, lambda: Gbdt(rounds=rounds, depth=depth, lr=lr, l2=10), f'gbdt {nm} d{depth} r{rounds} lr{lr}')
