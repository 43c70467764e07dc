"""iALS with item (and user) biases, numpy prototype (session 21, issue 16; not run by tests).

score(u, i) = x_u . y_i + b_i (+ c_u, which does not change a user's ranking but absorbs the user's level)
loss = sum_obs (x.y + b_i + c_u - 1)^2 + alpha0 * sum_unobs (x.y + b_i + c_u)^2 + nu-scaled L2 on every free
parameter (biases included, as the factor they extend). Each half-step solves the free part of one side with
the other side's bias as a per-column offset o: the normal equations of the Gramian trick gain
  rhs = sum_obs (c (1 - o_c) + alpha0 o_c) q_c - alpha0 Q^T o.
Is this the "user-independent term" issue 16 asked about? The popularity-weighted alpha0 (He et al. 2016) was
measured in session 19; a learned per-item offset inside the implicit loss was not.
  python3 bench/proto/bias_ials.py item dev        # numpy 75/25 splits of all ratings, seeds 43-46: val + test
  python3 bench/proto/bias_ials.py item val        # the TypeScript seed-42 split's validation (seeds 7-9) only
  python3 bench/proto/bias_ials.py item test CFG   # seed 42 test, the served config and CFG (fixed in advance)
(reads /tmp/h8/ml-<split>.tsv: npx tsx bench/quality-auto.ts --write-split /tmp/h8/ml-item.tsv --split item)
"""
import sys, os, json, time
import numpy as np
import scipy.sparse as sp
sys.path.insert(0, os.path.dirname(__file__))
from base_common import load_split, csr, strat, ndcg10, val_splits


def half(R, Q, o, P, a0, lam, nu, cg):
    """Re-solve the free rows P (n x f') against fixed Q (m x f') with per-column offsets o (m,), binary c = 1."""
    n = P.shape[0]
    rows = np.repeat(np.arange(n), np.diff(R.indptr))
    cols = R.indices
    G = a0 * (Q.T @ Q)
    dw = 1.0 - a0
    reg = lam * (np.diff(R.indptr) + a0 * Q.shape[0]) ** nu
    v = (1.0 - o[cols]) + a0 * o[cols]
    b = np.asarray(sp.csr_matrix((v, cols, R.indptr), shape=R.shape) @ Q) - a0 * (Q.T @ o)[None, :]

    def Ap(X):
        s = np.einsum('ij,ij->i', X[rows], Q[cols]) * dw
        return np.asarray(sp.csr_matrix((s, cols, R.indptr), shape=R.shape) @ Q) + X @ G + reg[:, None] * X

    r = b - Ap(P)
    p = r.copy()
    rs = np.einsum('ij,ij->i', r, r)
    for _ in range(cg):
        ap = Ap(p)
        al = rs / np.maximum(np.einsum('ij,ij->i', p, ap), 1e-30)
        P += al[:, None] * p
        r -= al[:, None] * ap
        rn = np.einsum('ij,ij->i', r, r)
        p = r + (rn / np.maximum(rs, 1e-30))[:, None] * p
        rs = rn
    return P


def bias_ials(R, f=256, lam=0.0216, a0=0.225, nu=1.0, iters=10, cg=3, seed=42, init=0.1, ib=True, ub=True):
    """R: csr users x items (pattern). Returns a scorer matrix (users x items) ranking-equivalent to the model."""
    R = (R > 0).astype(np.float64).tocsr()
    R.sort_indices()
    nu_, ni = R.shape
    RT = R.T.tocsr()
    RT.sort_indices()
    rng = np.random.default_rng(seed)
    Pi = np.zeros((ni, f + ib))
    Pu = np.zeros((nu_, f + ub))
    Pi[:, :f] = rng.normal(size=(ni, f)) * init / np.sqrt(f)
    Pu[:, :f] = rng.normal(size=(nu_, f)) * init / np.sqrt(f)
    one_u, one_i = np.ones((ni, 1)), np.ones((nu_, 1))
    for _ in range(iters):
        Q = np.hstack([Pi[:, :f], one_u]) if ub else Pi[:, :f]
        o = Pi[:, f] if ib else np.zeros(ni)
        Pu = half(R, Q, o, Pu, a0, lam, nu, cg)
        Q = np.hstack([Pu[:, :f], one_i]) if ib else Pu[:, :f]
        o = Pu[:, f] if ub else np.zeros(nu_)
        Pi = half(RT, Q, o, Pi, a0, lam, nu, cg)
    S = Pu[:, :f] @ Pi[:, :f].T
    if ib:
        S += Pi[:, f][None, :]
    return S


CONFIGS = [  # fixed before any test look: the served point without and with biases, and the bias at two λ·α0
    {'ib': False, 'ub': False},
    {'ib': True, 'ub': False},
    {'ib': True, 'ub': True},
    {'ib': True, 'ub': True, 'a0': 0.3},
    {'ib': True, 'ub': True, 'lam': 0.018},
]


def run(by, mode, extra):
    tr, te, nu, ni = load_split(f'/tmp/h8/ml-{by}.tsv')
    if mode == 'dev':
        allr = tuple(np.r_[a, b] for a, b in zip(tr, te))
        splits = [strat(allr, by, 0.75, s) for s in (43, 44, 45, 46)]
    else:
        splits = [(tr, te)]
    cfgs = CONFIGS if mode != 'test' else [CONFIGS[0], json.loads(extra)]
    for k, (a, b) in enumerate(splits):
        A, B = csr(a, nu, ni), csr(b, nu, ni)
        vs = val_splits(a, by, nu, ni) if mode != 'test' else []
        for cfg in cfgs:
            t = time.time()
            v = [ndcg10(F, V, bias_ials(F, **cfg)) for _, F, V in vs]
            line = f'split {k} {json.dumps(cfg)}'
            if v:
                line += ' val %.4f (%s)' % (np.mean(v), ' '.join('%.4f' % x for x in v))
            if mode in ('dev', 'test'):
                line += ' TEST %.4f' % ndcg10(A, B, bias_ials(A, **cfg))
            print(line, '%.0fs' % (time.time() - t), flush=True)


if __name__ == '__main__':
    run(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else 'val', sys.argv[3] if len(sys.argv) > 3 else '{}')
