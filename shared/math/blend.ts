/**
 * Blends of two scorers: score = w·norm(a) + (1 − w)·norm(b), each side
 * standardized per user (z-score over the catalog) so ALS dot products and
 * EASE row sums, which live on different scales, mix by rank-relevant spread
 * rather than raw magnitude. The weight is chosen on validation splits only.
 */
import type { Csr } from './csr';
import { ndcgAtK } from './metrics';
import { TopK } from './topk';

/** Fills out[i] with the score of item i for `user`; higher is better. */
export type ScoreFn = (user: number, out: Float32Array) => void;

/** z-scores v in place over its finite entries (−∞ stays −∞); a constant vector becomes 0. */
export function standardize(v: Float32Array): void {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) continue;
    n++;
    const d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  const sd = n > 1 ? Math.sqrt(m2 / n) : 0;
  const inv = sd > 0 ? 1 / sd : 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) v[i] = (v[i] - mean) * inv;
}

/** out = w·a + (1 − w)·b over already standardized vectors. */
export function mixInto(a: Float32Array, b: Float32Array, w: number, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = w * a[i] + (1 - w) * b[i];
}

/**
 * A scorer for the blend; the returned function owns two scratch vectors
 * (one blend per caller, so concurrent requests never share them).
 */
export function blendScorer(a: ScoreFn, b: ScoreFn, w: number, items: number): ScoreFn {
  const sa = new Float32Array(items);
  const sb = new Float32Array(items);
  return (user, out) => {
    a(user, sa);
    b(user, sb);
    standardize(sa);
    standardize(sb);
    mixInto(sa, sb, w, out);
  };
}

/** The weights tried by default: 0 (b alone) … 1 (a alone) in steps of 0.1. */
export const BLEND_WEIGHTS = Array.from({ length: 11 }, (_, q) => q / 10);

/**
 * Mean nDCG@k on a validation split for every weight in `weights` at once:
 * each user's two score vectors are computed and standardized once, then mixed
 * per weight. Users without train or validation rows are skipped, train items
 * are excluded, as in evaluateRanking.
 */
export function blendGrid(fit: Csr, valid: Csr, a: ScoreFn, b: ScoreFn, weights: number[], k = 10): number[] {
  const n = fit.cols;
  const sa = new Float32Array(n);
  const sb = new Float32Array(n);
  const mixed = new Float32Array(n);
  const heap = new TopK(k);
  const oi = new Int32Array(k);
  const os = new Float32Array(k);
  const sums = new Float64Array(weights.length);
  const rel = new Set<number>();
  let users = 0;
  for (let u = 0; u < valid.rows; u++) {
    if (valid.indptr[u + 1] === valid.indptr[u]) continue;
    if (u >= fit.rows || fit.indptr[u + 1] === fit.indptr[u]) continue;
    a(u, sa);
    b(u, sb);
    // standardized over the whole catalog, as blendScorer does, before train items are dropped
    standardize(sa);
    standardize(sb);
    for (let q = fit.indptr[u]; q < fit.indptr[u + 1]; q++) sa[fit.indices[q]] = sb[fit.indices[q]] = -Infinity;
    rel.clear();
    for (let q = valid.indptr[u]; q < valid.indptr[u + 1]; q++) rel.add(valid.indices[q]);
    for (let w = 0; w < weights.length; w++) {
      mixInto(sa, sb, weights[w], mixed);
      heap.reset(k);
      // train items are −∞ on both sides (NaN when a weight is 0): neither passes the test
      for (let i = 0; i < n; i++) if (mixed[i] > -Infinity) heap.push(i, mixed[i]);
      const c = heap.drain(oi, os);
      sums[w] += ndcgAtK(oi.subarray(0, c), rel, k);
    }
    users++;
  }
  return Array.from(sums, (s) => s / Math.max(1, users));
}
