"""Idea 2: z-scored linear blends with a popularity prior and activity-bucket weights, chosen on validation."""
import sys, itertools
import numpy as np
from stack_common import load_mat, ndcg10
from stack_feats import bases, features

sp = sys.argv[1]
import os
d = os.environ.get('STACKDIR', '/tmp/stack') + '/' + sp
folds = []
for q in range(3):
    X = load_mat(f'{d}/fold{q}_fit.tsv'); Y = load_mat(f'{d}/fold{q}_valid.tsv')
    folds.append((X, Y))
tr = load_mat(f'{d}/train.tsv'); te = load_mat(f'{d}/test.tsv')

# EASE λ on validation
lams = [200, 400, 800, 1600]
from stack_common import ease_scores
best = max(lams, key=lambda l: np.mean([ndcg10(ease_scores(X, l), X, Y) for X, Y in folds]))
print('ease λ', best)
FV = [features(X, bases(d, f'fold{q}', X, best)) for q, (X, Y) in enumerate(folds)]
FT = features(tr, bases(d, 'train', tr, best))
for k in ['als', 'ease', 'uknn', 'rp3']:
    v = np.mean([ndcg10(F[k + '_z'], X, Y) for F, (X, Y) in zip(FV, folds)])
    print(f'{k} val {v:.4f} test {ndcg10(FT[k + "_z"], tr, te):.4f}')


def mix(F, w):
    return sum(wt * F[k] for k, wt in w.items() if wt)


def val(w):
    return np.mean([ndcg10(mix(F, w), X, Y) for F, (X, Y) in zip(FV, folds)])


res = []
grid = np.round(np.arange(0, 1.01, 0.1), 2)
for a, e, u, r in itertools.product(grid, grid, [0, 0.1, 0.2], [0, 0.1, 0.2]):
    if abs(a + e + u + r - 1) > 1e-9:
        continue
    for p in [-0.2, -0.1, 0, 0.1, 0.2]:
        w = {'als_z': a, 'ease_z': e, 'uknn_z': u, 'rp3_z': r, 'lpop': p}
        res.append((val(w), w))
res.sort(key=lambda t: -t[0])
for v, w in res[:5]:
    print(f'val {v:.4f} test {ndcg10(mix(FT, w), tr, te):.4f} {w}')
