/**
 * One ALS half-iteration: re-solve every row of X against fixed Y for the
 * weighted implicit loss
 *   Σ_obs c_ui (1 − x_u·y_i)² + α0 Σ_unobs (x_u·y_i)² + λ_u‖x_u‖²,
 * whose normal equations per row are
 *   (α0·YᵀY + Σ_obs (c_ui − α0) y_i y_iᵀ + λ_u I) x_u = Σ_obs c_ui y_i.
 * YᵀY is computed once per half-iteration by the caller.
 */
import type { FoldInParams } from './confidence';
import type { Csr } from './csr';
import { rowRegularization } from './confidence';
import { choleskyRobust, choleskySolve } from './linalg';

/** Preallocated per-run scratch, so the per-row loops never allocate. */
export interface AlsScratch {
  r: Float64Array;
  p: Float64Array;
  ap: Float64Array;
  x: Float64Array;
  a: Float64Array;
  backup: Float64Array;
}

export function alsScratch(f: number): AlsScratch {
  return {
    r: new Float64Array(f),
    p: new Float64Array(f),
    ap: new Float64Array(f),
    x: new Float64Array(f),
    a: new Float64Array(f * f),
    backup: new Float64Array(f * f),
  };
}

/** Σ_k m[off+k]·v[k], 4 accumulators so the adds pipeline. */
function dot64(m: Float64Array, off: number, v: Float64Array, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (const f4 = f - (f & 3); k < f4; k += 4) {
    s0 += m[off + k] * v[k];
    s1 += m[off + k + 1] * v[k + 1];
    s2 += m[off + k + 2] * v[k + 2];
    s3 += m[off + k + 3] * v[k + 3];
  }
  for (; k < f; k++) s0 += m[off + k] * v[k];
  return s0 + s1 + s2 + s3;
}

/** Σ_k Y[off+k]·v[k] for a float32 factor row against a float64 vector. */
function dot32(m: Float32Array, off: number, v: Float64Array, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (const f4 = f - (f & 3); k < f4; k += 4) {
    s0 += m[off + k] * v[k];
    s1 += m[off + k + 1] * v[k + 1];
    s2 += m[off + k + 2] * v[k + 2];
    s3 += m[off + k + 3] * v[k + 3];
  }
  for (; k < f; k++) s0 += m[off + k] * v[k];
  return s0 + s1 + s2 + s3;
}

/** out[k] += w·Y[off+k]. */
function axpy32(out: Float64Array, w: number, m: Float32Array, off: number, f: number): void {
  let k = 0;
  for (const f4 = f - (f & 3); k < f4; k += 4) {
    out[k] += w * m[off + k];
    out[k + 1] += w * m[off + k + 1];
    out[k + 2] += w * m[off + k + 2];
    out[k + 3] += w * m[off + k + 3];
  }
  for (; k < f; k++) out[k] += w * m[off + k];
}

/**
 * Conjugate-gradient half-step (as in benfred/implicit): `cgSteps` CG iterations
 * per row, warm-started from the current X, never forming the f×f system.
 * Cost ≈ nnz·f·(2·cgSteps+1) + rows·f²·cgSteps multiply-adds.
 */
export function solveRowsCg(
  m: Csr,
  conf: Float32Array,
  X: Float32Array,
  Y: Float32Array,
  yty: Float64Array,
  f: number,
  params: FoldInParams,
  cgSteps: number,
  s: AlsScratch,
): void {
  const { r, p, ap } = s;
  const a0 = params.unobservedWeight;
  const indptr = m.indptr;
  const indices = m.indices;
  const otherSide = m.cols;
  for (let u = 0; u < m.rows; u++) {
    const start = indptr[u];
    const end = indptr[u + 1];
    const lam = rowRegularization(end - start, otherSide, params);
    const xo = u * f;
    // r = b − A x, starting with −(α0·YᵀY + λ I) x
    for (let k = 0; k < f; k++) p[k] = X[xo + k];
    for (let a = 0; a < f; a++) r[a] = -(a0 * dot64(yty, a * f, p, f) + lam * p[a]);
    for (let q = start; q < end; q++) {
      const yo = indices[q] * f;
      const c = conf[q];
      const w = c - (c - a0) * dot32(Y, yo, p, f);
      axpy32(r, w, Y, yo, f);
    }
    let rsold = 0;
    for (let k = 0; k < f; k++) {
      p[k] = r[k];
      rsold += r[k] * r[k];
    }
    if (rsold < 1e-20) continue;
    for (let it = 0; it < cgSteps; it++) {
      for (let a = 0; a < f; a++) ap[a] = a0 * dot64(yty, a * f, p, f) + lam * p[a];
      for (let q = start; q < end; q++) {
        const yo = indices[q] * f;
        axpy32(ap, (conf[q] - a0) * dot32(Y, yo, p, f), Y, yo, f);
      }
      let pap = 0;
      for (let k = 0; k < f; k++) pap += p[k] * ap[k];
      if (!(pap > 0)) break;
      const alpha = rsold / pap;
      let rsnew = 0;
      for (let k = 0; k < f; k++) {
        X[xo + k] += alpha * p[k];
        r[k] -= alpha * ap[k];
        rsnew += r[k] * r[k];
      }
      if (rsnew < 1e-20) break;
      const beta = rsnew / rsold;
      for (let k = 0; k < f; k++) p[k] = r[k] + beta * p[k];
      rsold = rsnew;
    }
  }
}

/**
 * Builds row u's normal equations into s.a (matrix) and s.x (right-hand side).
 * Shared by the exact solver and by fold-in so both solve the identical system.
 */
export function buildRowSystem(
  indices: ArrayLike<number>,
  conf: ArrayLike<number>,
  start: number,
  end: number,
  Y: Float32Array,
  yty: Float64Array,
  f: number,
  lam: number,
  a0: number,
  s: AlsScratch,
): void {
  const A = s.a;
  const rhs = s.x;
  for (let k = 0; k < f * f; k++) A[k] = a0 * yty[k];
  for (let a = 0; a < f; a++) A[a * f + a] += lam;
  rhs.fill(0);
  for (let q = start; q < end; q++) {
    const yo = indices[q] * f;
    const c = conf[q];
    const w = c - a0;
    for (let a = 0; a < f; a++) {
      const ya = Y[yo + a];
      rhs[a] += c * ya;
      const wa = w * ya;
      const ga = a * f;
      // lower triangle is all Cholesky reads
      for (let b = 0; b <= a; b++) A[ga + b] += wa * Y[yo + b];
    }
  }
  for (let a = 0; a < f; a++) for (let b = a + 1; b < f; b++) A[a * f + b] = A[b * f + a];
}

/** Exact half-step: forms and Cholesky-solves every row's f×f system. Reference for tests and small f. */
export function solveRowsCholesky(
  m: Csr,
  conf: Float32Array,
  X: Float32Array,
  Y: Float32Array,
  yty: Float64Array,
  f: number,
  params: FoldInParams,
  s: AlsScratch,
): void {
  for (let u = 0; u < m.rows; u++) {
    const start = m.indptr[u];
    const end = m.indptr[u + 1];
    const lam = rowRegularization(end - start, m.cols, params);
    buildRowSystem(m.indices, conf, start, end, Y, yty, f, lam, params.unobservedWeight, s);
    s.backup.set(s.a);
    choleskyRobust(s.a, f, s.backup);
    choleskySolve(s.a, f, s.x, s.x);
    const xo = u * f;
    for (let k = 0; k < f; k++) X[xo + k] = s.x[k];
  }
}

/**
 * Full training loss (observed, unobserved and regularization terms), using
 * Σ_all (x·y)² = Σ_u x_uᵀ(YᵀY)x_u so the cost is users·f² + nnz·f, not users·items·f.
 */
export function alsLoss(
  m: Csr,
  conf: Float32Array,
  X: Float32Array,
  Y: Float32Array,
  yty: Float64Array,
  f: number,
  params: FoldInParams,
  colCounts: Int32Array,
): number {
  const a0 = params.unobservedWeight;
  let loss = 0;
  for (let u = 0; u < m.rows; u++) {
    const xo = u * f;
    let quad = 0;
    for (let a = 0; a < f; a++) {
      let acc = 0;
      for (let b = 0; b < f; b++) acc += yty[a * f + b] * X[xo + b];
      quad += acc * X[xo + a];
    }
    loss += a0 * quad;
    let xx = 0;
    for (let k = 0; k < f; k++) xx += X[xo + k] * X[xo + k];
    loss += rowRegularization(m.indptr[u + 1] - m.indptr[u], m.cols, params) * xx;
    for (let q = m.indptr[u]; q < m.indptr[u + 1]; q++) {
      const yo = m.indices[q] * f;
      let s = 0;
      for (let k = 0; k < f; k++) s += X[xo + k] * Y[yo + k];
      // replace the α0·s² counted above by c·(1 − s)²
      loss += conf[q] * (1 - s) * (1 - s) - a0 * s * s;
    }
  }
  for (let i = 0; i < m.cols; i++) {
    const yo = i * f;
    let yy = 0;
    for (let k = 0; k < f; k++) yy += Y[yo + k] * Y[yo + k];
    loss += rowRegularization(colCounts[i], m.rows, params) * yy;
  }
  return loss;
}
