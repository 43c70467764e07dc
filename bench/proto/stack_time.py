"""Idea 3: a time co-activity term (items rated in train on days the user was active), blended with ALS;
width and weight chosen on validation (the width with the best validation line)."""
import os
import sys
import numpy as np
from stack_common import load_mat, ndcg10, als_scores
from stack_feats import zunseen
from stack_time_feat import timeco

sp = sys.argv[1]
d = os.environ.get('STACKDIR', '/tmp/stack') + '/' + sp
folds = [(load_mat(f'{d}/fold{q}_fit.tsv'), load_mat(f'{d}/fold{q}_valid.tsv')) for q in range(3)]
tr, te = load_mat(f'{d}/train.tsv'), load_mat(f'{d}/test.tsv')

for width in [1, 3, 7, 21]:
    FV = [zunseen(timeco(X, width), X) for X, _ in folds]
    AV = [zunseen(als_scores(d, f'fold{q}'), X) for q, (X, _) in enumerate(folds)]
    FT = zunseen(timeco(tr, width), tr); AT = zunseen(als_scores(d, 'train'), tr)
    alone = np.mean([ndcg10(F, X, Y) for F, (X, Y) in zip(FV, folds)])
    res = []
    for b in [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4]:
        v = np.mean([ndcg10(A + b * F, X, Y) for A, F, (X, Y) in zip(AV, FV, folds)])
        res.append((v, b))
    v, b = max(res)
    print(f'width {width}: time alone val {alone:.4f}; ' + ' '.join(f'{bb}:{vv:.4f}' for vv, bb in res)
          + f' | chosen β {b} val {v:.4f} test {ndcg10(AT + b * FT, tr, te):.4f}', flush=True)
