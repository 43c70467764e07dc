"""Idea 2: per-user-activity-bucket blend weights (ALS vs EASE, + β·log-pop), each bucket's grid on validation."""
import sys, os
import numpy as np
from stack_common import NU, NI, load_mat, ndcg10, als_scores, ease_scores
from stack_feats import zunseen

sp = sys.argv[1]
nb = int(sys.argv[2]) if len(sys.argv) > 2 else 3
d = os.environ.get('STACKDIR', '/tmp/stack') + '/' + sp
lam = {'item': 800, 'user': 400}[sp]
folds = [(load_mat(f'{d}/fold{q}_fit.tsv'), load_mat(f'{d}/fold{q}_valid.tsv')) for q in range(3)]
tr, te = load_mat(f'{d}/train.tsv'), load_mat(f'{d}/test.tsv')


def feats(name, X):
    lp = np.log1p(X.sum(0)); lp = (lp - lp.mean()) / lp.std()
    return zunseen(als_scores(d, name), X), zunseen(ease_scores(X, lam), X), np.broadcast_to(lp, (NU, NI))


FV = [feats(f'fold{q}', X) for q, (X, _) in enumerate(folds)]
FT = feats('train', tr)
# bucket edges: quantiles of train activity (a user's bucket by its share of train, so folds and test agree)
act = tr.sum(1)
edges = np.quantile(act, np.linspace(0, 1, nb + 1)[1:-1])
bucket = np.searchsorted(edges, act, side='right')
grid = [(w, p) for w in np.round(np.arange(0, 1.01, 0.1), 1) for p in [-0.2, -0.1, 0, 0.1, 0.2]]
per = np.zeros((len(grid), NU)); cnt = np.zeros(NU)
for F, (X, Y) in zip(FV, folds):
    ok = (Y.sum(1) > 0) & (X.sum(1) > 0)
    for g, (w, p) in enumerate(grid):
        v = np.zeros(NU); v[ok] = ndcg10(w * F[0] + (1 - w) * F[1] + p * F[2], X, Y, per_user=True)
        per[g] += v
    cnt += ok
choice = {}
for b in range(nb):
    m = bucket == b
    vals = per[:, m].sum(1) / cnt[m].sum()
    g = int(vals.argmax()); choice[b] = grid[g]
    base = vals[grid.index((1.0, 0))]
    print(f'bucket {b} (users {m.sum()}, act ≥ {act[m].min():.0f}): best w_als {grid[g][0]} β {grid[g][1]}'
          f' val {vals[g]:.4f} (ALS alone {base:.4f})')
W = np.array([choice[b][0] for b in bucket])[:, None]; P = np.array([choice[b][1] for b in bucket])[:, None]
val = (per[[grid.index(choice[b]) for b in bucket], np.arange(NU)]).sum() / cnt.sum()
t = ndcg10(W * FT[0] + (1 - W) * FT[1] + P * FT[2], tr, te)
print(f'{nb} buckets: val {val:.4f} test {t:.4f}; ALS alone test {ndcg10(FT[0], tr, te):.4f}')
