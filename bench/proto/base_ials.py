"""Batched-CG iALS in numpy (prototype of shared/math/als.ts and variants; not run by tests).

loss = sum_obs c (t - x.y)^2 + alpha0 * sum_unobs a_i (x.y)^2 + sum_u lam_u |x_u|^2 + sum_i lam_i |y_i|^2
form 'hu':     c = 1 + alpha*r (binary: 1), t = 1          (Attune's kernel)
form 'rendle': c = 1 + alpha0*a_i, t = 1/c                  (Rendle 2021: (1-yhat)^2 + alpha0 * sum_all yhat^2)
a_i = (pop_i / mean pop)^beta (beta 0: uniform; He et al. 2016 popularity-aware unobserved weights)
"""
import numpy as np
import scipy.sparse as sp


def half(R, C, T, X, Y, a, a0, lam, nu, cg, item_side_weights):
    """Re-solve X against fixed Y. R: csr rows x cols (pattern), C/T: confidence/target on R's nonzeros.
    item_side_weights: if True the unobserved weight is a[col] (user half); else a[row] (item half)."""
    n, f = X.shape
    rows = np.repeat(np.arange(n), np.diff(R.indptr))
    cols = R.indices
    if item_side_weights:
        G = (Y * (a0 * a)[:, None]).T @ Y  # sum_i a0 a_i y_i y_i^T
        w_unobs = a0 * a[cols]
        mass = a0 * a.sum()
        reg = lam * (np.diff(R.indptr) + mass) ** nu
        Gs = None
    else:
        G = a0 * (Y.T @ Y)
        w_unobs = a0 * a[rows]
        mass = a0 * Y.shape[0]
        reg = lam * (np.diff(R.indptr) + a * mass) ** nu
        Gs = a  # row scale of G
    dw = C - w_unobs
    b = np.asarray(sp.csr_matrix((C * T, cols, R.indptr), shape=R.shape) @ Y)

    def Ap(P):
        s = np.einsum('ij,ij->i', P[rows], Y[cols]) * dw
        out = np.asarray(sp.csr_matrix((s, cols, R.indptr), shape=R.shape) @ Y)
        gp = P @ G
        if Gs is not None:
            gp *= Gs[:, None]
        return out + gp + reg[:, None] * P

    r = b - Ap(X)
    p = r.copy()
    rs = np.einsum('ij,ij->i', r, r)
    for _ in range(cg):
        ap = Ap(p)
        alpha = rs / np.maximum(np.einsum('ij,ij->i', p, ap), 1e-30)
        X += alpha[:, None] * p
        r -= alpha[:, None] * ap
        rn = np.einsum('ij,ij->i', r, r)
        p = r + (rn / np.maximum(rs, 1e-30))[:, None] * p
        rs = rn
    return X


def ials(R, f=256, lam=0.0216, a0=0.225, nu=1.0, iters=10, cg=3, seed=42, form='hu', beta=0.0,
         alpha=0.0, init=0.1, rating=None, nu_i=None, lam_i=None):
    """R: csr users x items (values = rating). Returns (X, Y)."""
    R = R.tocsr().astype(np.float64)
    R.sort_indices()
    nu_, ni = R.shape
    rng = np.random.default_rng(seed)
    Y = rng.normal(size=(ni, f)) * init / np.sqrt(f)
    X = rng.normal(size=(nu_, f)) * init / np.sqrt(f)
    pop = np.asarray((R > 0).sum(0)).ravel().astype(np.float64)
    a = (np.maximum(pop, 1) / pop.mean()) ** beta if beta else np.ones(ni)
    a = a / a.mean()
    RT = R.T.tocsr()
    RT.sort_indices()

    def ct(M, item_of):
        v = M.data
        if form == 'rendle':
            c = 1 + a0 * a[item_of]
            return c, 1 / c
        if form == 'soft':  # soft positives: weight 1, target = the entry's value (observed 1)
            return np.ones_like(v), v.copy()
        c = 1 + alpha * v
        return c, np.ones_like(v)

    cu, tu = ct(R, R.indices)
    ci, ti = ct(RT, np.repeat(np.arange(ni), np.diff(RT.indptr)))
    for _ in range(iters):
        X = half(R, cu, tu, X, Y, a, a0, lam, nu, cg, True)
        Y = half(RT, ci, ti, Y, X, a, a0, lam if lam_i is None else lam_i, nu if nu_i is None else nu_i, cg, False)
    return X, Y
