/**
 * Serving-side least squares against fixed item factors: fold a user in from
 * their history, and explain a score by history item (implicit's `explain`).
 */
import type { FoldInParams } from '../model/types';
import { confidence, rowRegularization } from './confidence';
import { alsScratch, buildRowSystem, type AlsScratch } from './als-step';
import { choleskyRobust, choleskySolve } from './linalg';

let cached: { f: number; s: AlsScratch } | undefined;
function scratchFor(f: number): AlsScratch {
  // serving folds in one user per request: keep one scratch per factor count
  if (!cached || cached.f !== f) cached = { f, s: alsScratch(f) };
  return cached.s;
}

function factorUserSystem(
  itemFactors: Float32Array,
  f: number,
  yty: Float64Array,
  itemIdx: ArrayLike<number>,
  weights: ArrayLike<number>,
  params: FoldInParams,
): { s: AlsScratch; conf: Float64Array } {
  const n = itemIdx.length;
  if (weights.length !== n) throw new RangeError('foldInUser: itemIdx and weights differ in length');
  const conf = new Float64Array(n);
  for (let q = 0; q < n; q++) conf[q] = confidence(weights[q], params);
  const s = scratchFor(f);
  const items = Math.floor(itemFactors.length / f);
  const lam = rowRegularization(n, items, params);
  buildRowSystem(itemIdx, conf, 0, n, itemFactors, yty, f, lam, params.unobservedWeight, s);
  s.backup.set(s.a);
  choleskyRobust(s.a, f, s.backup);
  return { s, conf };
}

/**
 * The exact ALS user step for one user: solves
 * (α0·YᵀY + Σ (c_i − α0) y_i y_iᵀ + λ_u I) x = Σ c_i y_i by Cholesky.
 * `itemIdx` must not repeat an item (sum weights first). `yty` is gramian(itemFactors).
 */
export function foldInUser(
  itemFactors: Float32Array,
  f: number,
  yty: Float64Array,
  itemIdx: ArrayLike<number>,
  weights: ArrayLike<number>,
  params: FoldInParams,
  out: Float32Array = new Float32Array(f),
): Float32Array {
  const { s } = factorUserSystem(itemFactors, f, yty, itemIdx, weights, params);
  choleskySolve(s.a, f, s.x, s.x);
  for (let k = 0; k < f; k++) out[k] = s.x[k];
  return out;
}

/**
 * Splits the folded-in score of `targetItem` into per-history-item parts:
 * score = y_tᵀ A⁻¹ Σ c_i y_i = Σ c_i (A⁻¹ y_t)·y_i, so item i contributes
 * c_i·(A⁻¹y_t)·y_i. Sorted by contribution, largest first; the parts sum to the score.
 */
export function explainScore(
  itemFactors: Float32Array,
  f: number,
  yty: Float64Array,
  itemIdx: ArrayLike<number>,
  weights: ArrayLike<number>,
  params: FoldInParams,
  targetItem: number,
): { itemIndex: number; weight: number }[] {
  const { s, conf } = factorUserSystem(itemFactors, f, yty, itemIdx, weights, params);
  const to = targetItem * f;
  for (let k = 0; k < f; k++) s.r[k] = itemFactors[to + k];
  choleskySolve(s.a, f, s.r, s.r);
  const out: { itemIndex: number; weight: number }[] = [];
  for (let q = 0; q < itemIdx.length; q++) {
    const yo = itemIdx[q] * f;
    let d = 0;
    for (let k = 0; k < f; k++) d += s.r[k] * itemFactors[yo + k];
    out.push({ itemIndex: itemIdx[q], weight: conf[q] * d });
  }
  out.sort((a, b) => b.weight - a.weight || a.itemIndex - b.itemIndex);
  return out;
}
