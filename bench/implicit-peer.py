"""
Runs benfred/implicit's CPU ALS (0.7.2, built from source outside this repository; see
docs/scale.md "implicit 0.7.2, built here") for the side-by-side benches. Nothing of implicit is
in this repository: this file only calls it, on the matrices the TypeScript benches write.

  OPENBLAS_NUM_THREADS=1 PYTHONPATH=/tmp/implicit-0.7.2 /usr/bin/python3 bench/implicit-peer.py <mode> …

  fit <csr.bin> <factors> <iterations> <a0> <lam> <threads>
      bench/als-speed.ts's turn: one timed model.fit (after a 1-iteration warm-up fit, so the OpenMP
      pool and BLAS are up, as Attune's later fits find theirs) with Attune's loss mapped onto
      implicit's (below). Prints one JSON line.
  factors <jobs.json>
      bench/implicit-quality.ts's fits: jobs [{csr, out, factors, regularization, alpha, iterations,
      seed, threads}], each fit's user then item factors written to `out` as float32.
  check
      Correctness: on a small regular matrix, implicit's fit from given starting factors against the
      numpy CG of bench/als-reference.py from the same factors (same loss, below). Prints JSON.

csr.bin: int32 rows, cols, nnz; int32 indptr[rows+1]; int32 indices[nnz] (every entry a positive,
confidence 1), optionally float32 values[nnz] (the confidence before alpha).

Attune's loss  Σ_obs (1 − x·y)² + a0·Σ_unobs (x·y)² + Σ_u λ(n_u + a0·N)|x_u|² + (items alike)
divided by a0 is implicit's  Σ_obs c(1 − x·y)² + Σ_unobs (x·y)² + reg·Σ|x|²  with c = alpha = 1/a0
(binary data) and reg = λ(n/a0 + N). implicit's reg is one constant for every row of both halves,
so the objectives agree exactly only when every row of both sides has the same count (the check's
matrix); elsewhere `fit` takes the user side's mean count. CG iterates do not change when A and b
are scaled together, so on such a matrix both solvers take the same steps from the same start.
"""
import importlib.util
import json
import os
import sys
import time

import numpy as np
import scipy.sparse as sp

HERE = os.path.dirname(os.path.abspath(__file__))


def load(path):
    raw = np.fromfile(path, dtype=np.int32)
    rows, cols, nnz = (int(v) for v in raw[:3])
    indptr = raw[3 : 4 + rows]
    indices = raw[4 + rows : 4 + rows + nnz]
    # optional float32 values after the indices (bench/implicit-quality.ts's rating input)
    data = raw[4 + rows + nnz :].view(np.float32) if len(raw) == 4 + rows + 2 * nnz else np.ones(nnz, np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(rows, cols))


def observed_loss(ui, X, Y, a0):
    """bench/als-speed.ts's observedLoss: Σ_obs (1 − x·y)² + a0·(Σ_all (x·y)² − Σ_obs (x·y)²)."""
    X64, Y64 = X.astype(np.float64), Y.astype(np.float64)
    s = np.einsum("ij,ij->i", X64[np.repeat(np.arange(ui.shape[0]), np.diff(ui.indptr))], Y64[ui.indices])
    return float(np.sum((1 - s) ** 2) + a0 * (np.sum((X64.T @ X64) * (Y64.T @ Y64)) - np.sum(s**2)))


def model(factors, regularization, alpha, iterations, threads, seed):
    from implicit.cpu.als import AlternatingLeastSquares

    return AlternatingLeastSquares(
        factors=factors,
        regularization=regularization,
        alpha=alpha,
        dtype=np.float32,
        use_native=True,
        use_cg=True,
        iterations=iterations,
        calculate_training_loss=False,
        num_threads=threads,
        random_state=seed,
    )


def fit(path, f, iterations, a0, lam, threads):
    import implicit

    ui = load(path)
    rows, cols = ui.shape
    reg = lam * (ui.nnz / rows / a0 + cols)
    warm = model(f, reg, 1 / a0, 1, threads, 42)
    w0 = time.perf_counter()
    warm.fit(ui, show_progress=False)
    warmup = time.perf_counter() - w0
    m = model(f, reg, 1 / a0, iterations, threads, 42)
    c0 = time.process_time()
    t0 = time.perf_counter()
    m.fit(ui, show_progress=False)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    out = {
        "implicit": implicit.__version__,
        "fitSeconds": round(seconds, 3),
        "cpuSeconds": round(cpu, 3),
        "warmupOneIterationSeconds": round(warmup, 3),
        "regularization": round(reg, 3),
        "alpha": round(1 / a0, 3),
        "observedLoss": round(observed_loss(ui, m.user_factors, m.item_factors, a0), 2),
    }
    print(json.dumps(out))


def factors(jobs_path):
    with open(jobs_path) as fh:
        jobs = json.load(fh)
    for job in jobs:
        ui = load(job["csr"])
        m = model(job["factors"], job["regularization"], job["alpha"], job["iterations"], job["threads"], job["seed"])
        t0 = time.perf_counter()
        m.fit(ui, show_progress=False)
        job["fitSeconds"] = round(time.perf_counter() - t0, 3)
        with open(job["out"], "wb") as fh:
            fh.write(np.ascontiguousarray(m.user_factors, np.float32).tobytes())
            fh.write(np.ascontiguousarray(m.item_factors, np.float32).tobytes())
    print(json.dumps([{k: j[k] for k in ("out", "fitSeconds")} for j in jobs]))


def check():
    spec = importlib.util.spec_from_file_location("als_reference", os.path.join(HERE, "als-reference.py"))
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    # square and regular (every row and column holds k entries), so λ(n + a0·N) is one constant
    n, k, f, a0, lam, iterations = 120, 7, 16, 0.1, 0.05, 15
    rng = np.random.default_rng(3)
    perm = rng.permutation(n)
    offsets = np.array([0, 1, 5, 17, 40, 66, 91])[:k]
    rows = np.repeat(np.arange(n), k)
    cols = perm[(rows + np.tile(offsets, n)) % n]
    ui = sp.csr_matrix((np.ones(n * k, np.float32), (rows, cols)), shape=(n, n))
    ui.sort_indices()
    X0 = (rng.standard_normal((n, f)) * 0.1).astype(np.float32)
    Y0 = (rng.standard_normal((n, f)) * 0.1).astype(np.float32)

    X, Y = X0.copy(), Y0.copy()
    iu = ui.T.tocsr()
    for _ in range(iterations):
        ref.half(ui, X, Y, a0, lam, 3)
        ref.half(iu, Y, X, a0, lam, 3)
    out = {"n": n, "k": k, "factors": f, "a0": a0, "lam": lam, "iterations": iterations}
    out["referenceLoss"] = round(observed_loss(ui, X, Y, a0), 6)
    for threads in (1, 2):
        m = model(f, lam * (k + a0 * n) / a0, 1 / a0, iterations, threads, 0)
        m.user_factors, m.item_factors = X0.copy(), Y0.copy()
        m.fit(ui, show_progress=False)
        out[f"implicitLoss{threads}t"] = round(observed_loss(ui, m.user_factors, m.item_factors, a0), 6)
        out[f"maxAbsFactorDiff{threads}t"] = float(
            max(np.abs(m.user_factors - X).max(), np.abs(m.item_factors - Y).max())
        )
    out["maxAbsFactor"] = float(max(np.abs(X).max(), np.abs(Y).max()))
    print(json.dumps(out))


def main():
    mode = sys.argv[1]
    if mode == "fit":
        path, f, iterations, a0, lam, threads = sys.argv[2:8]
        fit(path, int(f), int(iterations), float(a0), float(lam), int(threads))
    elif mode == "factors":
        factors(sys.argv[2])
    elif mode == "check":
        check()
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
