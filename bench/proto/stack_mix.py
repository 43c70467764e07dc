"""Linear z-score blends of ALS (seed average), EASE, the time co-activity term and log-pop, grid on validation."""
import sys, os, itertools
import numpy as np
from stack_common import NU, NI, load_mat, ndcg10, als_scores, ease_scores
from stack_feats import zunseen
import stack_time_feat as tf

sp = sys.argv[1]
seeds = [int(s) for s in (sys.argv[2] if len(sys.argv) > 2 else '42').split(',')]
d = os.environ.get('STACKDIR', '/tmp/stack') + '/' + sp
lam = {'item': 800, 'user': 400}[sp]
folds = [(load_mat(f'{d}/fold{q}_fit.tsv'), load_mat(f'{d}/fold{q}_valid.tsv')) for q in range(3)]
tr, te = load_mat(f'{d}/train.tsv'), load_mat(f'{d}/test.tsv')


def feats(name, X):
    A = zunseen(np.mean([zunseen(als_scores(d, name, s), X) for s in seeds], 0), X)
    E = zunseen(ease_scores(X, lam), X)
    Tm = zunseen(tf.timeco(X, 7), X)
    lp = np.log1p(X.sum(0)); lp = (lp - lp.mean()) / lp.std()
    return [A, E, Tm, np.broadcast_to(lp, (NU, NI))]


FV = [feats(f'fold{q}', X) for q, (X, _) in enumerate(folds)]
FT = feats('train', tr)
names = ['als', 'ease', 'time', 'lpop']
res = []
for we, wt, wp in itertools.product([0, 0.1, 0.2, 0.3], [0, 0.05, 0.1, 0.15, 0.2, 0.3], [-0.2, -0.1, 0, 0.1]):
    w = [1 - we, we, wt, wp]
    v = np.mean([ndcg10(sum(a * f for a, f in zip(w, F)), X, Y) for F, (X, Y) in zip(FV, folds)])
    res.append((v, w))
res.sort(key=lambda t: -t[0])
print('als alone val', f'{res and np.mean([ndcg10(F[0], X, Y) for F, (X, Y) in zip(FV, folds)]):.4f}',
      'test', f'{ndcg10(FT[0], tr, te):.4f}')
for v, w in res[:6]:
    print(f'val {v:.4f} test {ndcg10(sum(a * f for a, f in zip(w, FT)), tr, te):.4f} {dict(zip(names, w))}')
