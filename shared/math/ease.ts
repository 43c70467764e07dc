/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"):
 * the item–item weight matrix B minimizing ‖X − XB‖² + λ‖B‖² with diag(B) = 0,
 * in closed form B = I − P·diagMat(1/diag(P)), P = (XᵀX + λI)⁻¹, i.e.
 * B[i][j] = −P[i][j] / P[j][j] for i ≠ j. A user's scores are their
 * interaction row times B, so a user unseen at training time is scored for
 * free (no solve). Cost: n² memory and n³ time in the number of items n, so
 * the kind is offered only up to EASE_MAX_ITEMS (docs/quality.md: measured).
 */
import type { Csr } from './csr';
import { invertSpdInPlace } from './spd-inverse';

export interface EaseParams {
  /** L2 weight λ on B (Steck: a few hundred on MovieLens-sized data). */
  lambda: number;
  /** Use 1 for every stored entry (Steck's setting) instead of the stored strength. */
  binary: boolean;
  /** Keep only the `pruneTop` largest-magnitude weights per column (0 = dense). */
  pruneTop: number;
}

export const DEFAULT_EASE_PARAMS: EaseParams = { lambda: 250, binary: true, pruneTop: 0 };

/**
 * Largest catalog the kind is offered for. Measured on the 2-core build machine
 * (docs/quality.md, `bench/quality-auto.ts --scale`): one fit takes 0.6 / 3.1 /
 * 44 / 297 s of CPU at 1k / 2k / 5k / 10k items (n³), 412 MB / 1.3 GB peak at
 * 5k / 10k (12·n² bytes: the float64 inverse and the float32 B). Automatic choice
 * needs ~20 fits (λ ladder × validation splits), so at 10k items (5 min a fit)
 * it cannot be tuned within one training function's budget.
 */
export const EASE_MAX_ITEMS = 5000;

/**
 * Dense item–item weights: column j (the weights producing item j's score) is
 * B[·][j]. Stored row-major n×n, so B[i][j] = weights[i·n + j]; a user's score
 * vector is the sum of the rows of their items (scaled by strength if not binary).
 * Pruned models keep the same layout with dropped entries set to zero, plus a
 * sparse row list so scoring touches only the kept weights.
 */
export interface EaseModel {
  items: number;
  weights: Float32Array;
  params: EaseParams;
  /** Pruned models only: per-row lists of kept columns (CSR over rows of B). */
  sparse?: { indptr: Int32Array; indices: Int32Array; values: Float32Array };
}

/** XᵀX (items × items, float64, both triangles) of the users × items matrix. */
export function itemGram(ui: Csr, binary: boolean, out?: Float64Array): Float64Array {
  const n = ui.cols;
  const g = out ?? new Float64Array(n * n);
  g.fill(0, 0, n * n);
  for (let u = 0; u < ui.rows; u++) {
    const a = ui.indptr[u];
    const b = ui.indptr[u + 1];
    // upper triangle only (rows are column-sorted), mirrored after
    for (let p = a; p < b; p++) {
      const i = ui.indices[p];
      const vi = binary ? 1 : ui.data[p];
      const io = i * n;
      for (let q = p; q < b; q++) g[io + ui.indices[q]] += vi * (binary ? 1 : ui.data[q]);
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[i * n + j] = g[j * n + i];
  return g;
}

/** Fits B on a users × items matrix. Throws for a catalog above `maxItems`. */
export function trainEase(ui: Csr, params: Partial<EaseParams> = {}, maxItems = EASE_MAX_ITEMS): EaseModel {
  const p = { ...DEFAULT_EASE_PARAMS, ...params };
  const n = ui.cols;
  if (n > maxItems) throw new RangeError(`EASE: ${n} items is above the ${maxItems}-item limit (n² memory, n³ time)`);
  if (!(p.lambda > 0)) throw new RangeError('EASE: lambda must be > 0');
  const a = itemGram(ui, p.binary);
  for (let i = 0; i < n; i++) a[i * n + i] += p.lambda;
  // XᵀX + λI with λ > 0 is SPD; failure means non-finite input
  if (!invertSpdInPlace(a, n)) throw new Error('EASE: Gram matrix + λI is not positive definite (non-finite data?)');
  const w = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const io = i * n;
    for (let j = 0; j < n; j++) w[io + j] = i === j ? 0 : -a[io + j] / a[j * n + j];
  }
  const model: EaseModel = { items: n, weights: w, params: p };
  return p.pruneTop > 0 ? pruneEase(model, p.pruneTop) : model;
}

/**
 * Keeps the `m` largest-magnitude weights of each column of B (each item's
 * strongest predictors), zeroing the rest: the artifact shrinks from n² to n·m
 * floats, at an accuracy cost measured in docs/quality.md.
 */
export function pruneEase(model: EaseModel, m: number): EaseModel {
  const n = model.items;
  const w = model.weights;
  const kept = new Float32Array(n * n);
  const col = new Float32Array(n);
  const mag = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) (col[i] = w[i * n + j]), (mag[i] = Math.abs(col[i]));
    const threshold = m >= n ? 0 : kthLargest(mag, m);
    let taken = 0;
    for (let i = 0; i < n; i++) if (mag[i] > threshold) (kept[i * n + j] = col[i]), taken++;
    // ties at the threshold: the first rows win, so at most m entries survive
    for (let i = 0; i < n && taken < m; i++)
      if (mag[i] === threshold && col[i] !== 0) (kept[i * n + j] = col[i]), taken++;
  }
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = 0; j < n; j++) if (kept[i * n + j] !== 0) c++;
    indptr[i + 1] = indptr[i] + c;
  }
  const indices = new Int32Array(indptr[n]);
  const values = new Float32Array(indptr[n]);
  for (let i = 0, q = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (kept[i * n + j] !== 0) (indices[q] = j), (values[q++] = kept[i * n + j]);
  return { items: n, weights: kept, params: { ...model.params, pruneTop: m }, sparse: { indptr, indices, values } };
}

/** The k-th largest value of `v` (1-based), by sorting a copy: n log n per column is fine at n ≤ 6k. */
function kthLargest(v: Float32Array, k: number): number {
  const s = Float32Array.from(v).sort();
  return s[s.length - k];
}

/**
 * out[j] = Σ_i x_i·B[i][j] over the user's items i (x_i = 1 if binary, else the
 * strength). `items`/`values` are the user's row; values may be null for binary.
 */
export function scoreEase(
  model: EaseModel,
  items: ArrayLike<number>,
  values: ArrayLike<number> | null,
  out: Float32Array,
): void {
  const n = model.items;
  out.fill(0, 0, n);
  const binary = model.params.binary || values === null;
  const sp = model.sparse;
  for (let q = 0; q < items.length; q++) {
    const i = items[q];
    if (i < 0 || i >= n) continue;
    const x = binary ? 1 : values![q];
    if (sp) {
      for (let p = sp.indptr[i]; p < sp.indptr[i + 1]; p++) out[sp.indices[p]] += x * sp.values[p];
    } else {
      const w = model.weights;
      const io = i * n;
      for (let j = 0; j < n; j++) out[j] += x * w[io + j];
    }
  }
}
