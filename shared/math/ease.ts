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
import { spdWorkspace } from './wasm/ease-kernels';

export interface EaseParams {
  /** L2 weight λ on B (Steck: a few hundred on MovieLens-sized data). */
  lambda: number;
  /** Use 1 for every stored entry (Steck's setting) instead of the stored strength. */
  binary: boolean;
  /** Keep only the `pruneTop` largest-magnitude weights per column (0 = dense). */
  pruneTop: number;
  /**
   * EDLAE (Steck 2020, "Autoencoders that don't overfit towards the identity"): the dropout
   * probability p of input items, which adds p/(1 − p)·diag(XᵀX) to the diagonal regularizer,
   * so popular items are shrunk more. 0 = plain EASE.
   */
  dropout?: number;
}

export const DEFAULT_EASE_PARAMS: EaseParams = { lambda: 250, binary: true, pruneTop: 0, dropout: 0 };

/**
 * Largest catalog the kind is offered for. Measured on the 2-core build machine
 * (docs/quality.md, `bench/quality-auto.ts --scale`): with the WebAssembly inverse
 * one fit takes 14.6 / 122 s of CPU at 5k / 10k items (≈ 1.2·10⁻¹⁰·n³), 0.4 / 1.4 GB
 * peak (12·n² bytes: the float64 inverse and the float32 B). Automatic choice
 * needs 15–20 fits (λ ladder × validation splits): ≈ 4–5 min at 5k, ≈ 15 min at 8k,
 * so above 5k it no longer fits beside the ALS search in the job's default budget.
 */
export const EASE_MAX_ITEMS = 5000;

/** Rows of B as CSR, columns ascending within a row. */
export interface SparseRows {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/**
 * Item–item weights: column j (the weights producing item j's score) is
 * B[·][j]; a user's score vector is the sum of the rows of their items (scaled
 * by strength if not binary). Exactly one of the two layouts is present: dense
 * row-major n×n (B[i][j] = weights[i·n + j]), or, for a pruned model, only the
 * kept entries as sparse rows, so a served pruned model holds n·m weights, not n².
 */
export interface EaseModel {
  items: number;
  params: EaseParams;
  weights?: Float32Array;
  sparse?: SparseRows;
}

/** B[i][j] of either layout (a pruned model's dropped entries are 0); binary search in a sparse row. */
export function easeWeight(model: EaseModel, i: number, j: number): number {
  if (model.weights) return model.weights[i * model.items + j];
  const sp = model.sparse!;
  let lo = sp.indptr[i];
  let hi = sp.indptr[i + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = sp.indices[mid];
    if (c === j) return sp.values[mid];
    if (c < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** Sparse rows → sparse columns (the transpose), for column reads of a pruned B. */
export function transposeRows(sp: SparseRows, n: number): SparseRows {
  const indptr = new Int32Array(n + 1);
  for (let p = 0; p < sp.indices.length; p++) indptr[sp.indices[p] + 1]++;
  for (let j = 0; j < n; j++) indptr[j + 1] += indptr[j];
  const next = indptr.slice(0, n);
  const indices = new Int32Array(sp.indices.length);
  const values = new Float32Array(sp.indices.length);
  // rows ascending, so each column's entries come out in ascending row order
  for (let i = 0; i < n; i++)
    for (let p = sp.indptr[i]; p < sp.indptr[i + 1]; p++) {
      const q = next[sp.indices[p]]++;
      indices[q] = i;
      values[q] = sp.values[p];
    }
  return { indptr, indices, values };
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

/**
 * Fits B on a users × items matrix. Throws for a catalog above `maxItems`.
 * `kernel`: the inverse's inner loop in WebAssembly SIMD (default, when available) or JS.
 */
export function trainEase(
  ui: Csr,
  params: Partial<EaseParams> = {},
  maxItems = EASE_MAX_ITEMS,
  kernel: 'wasm' | 'js' = 'wasm',
): EaseModel {
  const p = { ...DEFAULT_EASE_PARAMS, ...params };
  const n = ui.cols;
  if (n > maxItems) throw new RangeError(`EASE: ${n} items is above the ${maxItems}-item limit (n² memory, n³ time)`);
  if (!(p.lambda > 0)) throw new RangeError('EASE: lambda must be > 0');
  const drop = p.dropout ?? 0;
  if (!(drop >= 0 && drop < 1)) throw new RangeError('EASE: dropout must be in [0, 1)');
  const ws = spdWorkspace(n, kernel);
  const a = itemGram(ui, p.binary, ws.a);
  for (let i = 0; i < n; i++) a[i * n + i] += p.lambda + (drop / (1 - drop)) * a[i * n + i];
  // XᵀX + λI with λ > 0 is SPD; failure means non-finite input
  if (!invertSpdInPlace(a, n, ws.kernels))
    throw new Error('EASE: Gram matrix + λI is not positive definite (non-finite data?)');
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
 * strongest predictors) and drops the rest: the artifact and the served model
 * shrink from n² to n·m floats, at an accuracy cost measured in docs/quality.md.
 * The result holds sparse rows only.
 */
export function pruneEase(model: EaseModel, m: number): EaseModel {
  const n = model.items;
  const keep = new Uint8Array(n * n);
  const col = new Float32Array(n);
  const mag = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) (col[i] = easeWeight(model, i, j)), (mag[i] = Math.abs(col[i]));
    const threshold = m >= n ? 0 : kthLargest(mag, m);
    let taken = 0;
    for (let i = 0; i < n; i++) if (mag[i] > threshold) (keep[i * n + j] = 1), taken++;
    // ties at the threshold: the first rows win, so at most m entries survive
    for (let i = 0; i < n && taken < m; i++) if (mag[i] === threshold && col[i] !== 0) (keep[i * n + j] = 1), taken++;
  }
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = 0; j < n; j++) c += keep[i * n + j];
    indptr[i + 1] = indptr[i] + c;
  }
  const indices = new Int32Array(indptr[n]);
  const values = new Float32Array(indptr[n]);
  for (let i = 0, q = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (keep[i * n + j]) (indices[q] = j), (values[q++] = easeWeight(model, i, j));
  return { items: n, params: { ...model.params, pruneTop: m }, sparse: { indptr, indices, values } };
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
      const w = model.weights!;
      const io = i * n;
      for (let j = 0; j < n; j++) out[j] += x * w[io + j];
    }
  }
}
