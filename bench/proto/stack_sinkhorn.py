"""Idea 4: exposure calibration: per-item multiplicative scales on softmax(ALS z / τ) (rows normalised once, then
20 damped column-scaling steps) so each item's exposure over users approaches (train count + 1)^γ; τ, γ on validation."""
import os
import sys
import numpy as np
from stack_common import load_mat, ndcg10, als_scores
from stack_feats import zunseen

sp = sys.argv[1]
d = os.environ.get('STACKDIR', '/tmp/stack') + '/' + sp
folds = [(load_mat(f'{d}/fold{q}_fit.tsv'), load_mat(f'{d}/fold{q}_valid.tsv')) for q in range(3)]
tr, te = load_mat(f'{d}/train.tsv'), load_mat(f'{d}/test.tsv')
AV = [zunseen(als_scores(d, f'fold{q}'), X) for q, (X, _) in enumerate(folds)]
AT = zunseen(als_scores(d, 'train'), tr)


def calibrated(A, X, tau, gamma, iters=20):
    """log of softmax(A/τ) per user (unseen items), times per-item scales fitted to the exposure target."""
    E = np.where(X > 0, 0, np.exp((A - A.max(1, keepdims=True)) / tau))
    E /= E.sum(1, keepdims=True)
    target = (X.sum(0) + 1) ** gamma
    target *= E.sum() / target.sum()
    c = np.ones(E.shape[1])
    for _ in range(iters):
        c *= np.sqrt(target / ((E * c).sum(0) + 1e-30))  # damped: half the log gap per step
    return np.log(E * c + 1e-30)


base = np.mean([ndcg10(A, X, Y) for A, (X, Y) in zip(AV, folds)])
print(f'ALS alone val {base:.4f} test {ndcg10(AT, tr, te):.4f}', flush=True)
res = []
for tau in [float(x) for x in os.environ.get("TAUS", "0.25,0.5,1").split(",")]:
    for gamma in [float(x) for x in os.environ.get("GAMMAS", "0.5,0.75,1,1.25").split(",")]:
        v = np.mean([ndcg10(calibrated(A, X, tau, gamma), X, Y) for A, (X, Y) in zip(AV, folds)])
        res.append((v, tau, gamma))
        print(f'τ {tau} γ {gamma}: val {v:.4f}', flush=True)
v, tau, gamma = max(res)
print(f'chosen τ {tau} γ {gamma}: val {v:.4f} test {ndcg10(calibrated(AT, tr, tau, gamma), tr, te):.4f}')
