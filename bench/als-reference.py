"""
Live numpy/OpenBLAS peer of Attune's ALS for bench/als-speed.ts: the same
conjugate-gradient iALS as benfred/implicit's CPU solver (float32 factors and
CG vectors, warm-started, `steps` CG steps per row and half-step, YᵀY once per
half), but vectorised over all rows of a half-step at once, so the dense work
is OpenBLAS GEMMs (threaded by OPENBLAS_NUM_THREADS) and the sparse work is
numpy/scipy gathers and a CSR product. Same loss as shared/math/als-step.ts
(binary confidence, unobserved weight a0, regularization lam·(n + a0·N)).

  OPENBLAS_NUM_THREADS=2 python3 bench/als-reference.py <csr.bin> <factors> <iterations> [a0] [lam]
csr.bin: int32 rows, cols, nnz; int32 indptr[rows+1]; int32 indices[nnz].
Prints one JSON line: the fit's seconds (after the read) and the final loss.
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp


def load(path):
    raw = np.fromfile(path, dtype=np.int32)
    rows, cols, nnz = raw[:3]
    indptr = raw[3 : 4 + rows]
    indices = raw[4 + rows : 4 + rows + nnz]
    return sp.csr_matrix((np.ones(nnz, np.float32), indices, indptr), shape=(rows, cols))


def half(m, X, Y, a0, lam, steps):
    """Re-solves every row of X against fixed Y (m: rows × cols, binary)."""
    n = np.diff(m.indptr).astype(np.float32)
    reg = (lam * (n + a0 * m.shape[1])).astype(np.float32)[:, None]
    G = a0 * (Y.T @ Y)
    rowid = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    Yg = Y[m.indices]  # the fixed side's rows per nonzero, gathered once per half-step
    c = m.data  # binary confidence 1

    def sparse_times(P, w_of_d):
        d = np.einsum("ij,ij->i", Yg, P[rowid])
        w = sp.csr_matrix((w_of_d(d).astype(np.float32), m.indices, m.indptr), shape=m.shape)
        return w @ Y

    # r = b − A x
    R = -(X @ G) - reg * X + sparse_times(X, lambda d: c - (c - a0) * d)
    P = R.copy()
    rs = np.einsum("ij,ij->i", R, R)
    for _ in range(steps):
        AP = P @ G + reg * P + sparse_times(P, lambda d: (c - a0) * d)
        pap = np.einsum("ij,ij->i", P, AP)
        alpha = np.where((pap > 0) & (rs > 1e-20), rs / np.where(pap > 0, pap, 1), 0).astype(np.float32)
        X += alpha[:, None] * P
        R -= alpha[:, None] * AP
        rsnew = np.einsum("ij,ij->i", R, R)
        beta = np.where(rs > 1e-20, rsnew / np.where(rs > 0, rs, 1), 0).astype(np.float32)
        P = R + beta[:, None] * P
        rs = rsnew


def main():
    path, f, iterations = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    a0 = float(sys.argv[4]) if len(sys.argv) > 4 else 0.03
    lam = float(sys.argv[5]) if len(sys.argv) > 5 else 0.05
    ui = load(path)
    t0 = time.perf_counter()
    c0 = time.process_time()
    iu = ui.T.tocsr()
    rng = np.random.default_rng(42)
    X = (rng.standard_normal((ui.shape[0], f)) * 0.1 / np.sqrt(f)).astype(np.float32)
    Y = (rng.standard_normal((ui.shape[1], f)) * 0.1 / np.sqrt(f)).astype(np.float32)
    for _ in range(iterations):
        half(ui, X, Y, a0, lam, 3)
        half(iu, Y, X, a0, lam, 3)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    s = np.einsum("ij,ij->i", X[np.repeat(np.arange(ui.shape[0]), np.diff(ui.indptr))], Y[ui.indices])
    loss = float(np.sum((1 - s) ** 2) + a0 * (np.sum((X.T @ X) * (Y.T @ Y)) - np.sum(s**2)))
    print(json.dumps({"peer": "numpy-cg", "fitSeconds": round(seconds, 3), "cpuSeconds": round(cpu, 3), "observedLoss": round(loss, 2)}))


if __name__ == "__main__":
    main()
