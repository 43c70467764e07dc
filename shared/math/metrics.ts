/**
 * Ranking and rating metrics. Definitions follow the Microsoft Recommenders
 * evaluation (binary relevance): precision@k divides by k, recall@k by the
 * number of relevant items, nDCG uses gains 1/log2(rank+1) with the ideal DCG
 * over min(|rel|, k) hits, MAP@k divides by min(|rel|, k).
 */
import type { Csr } from './csr';
import { TopK } from './topk';

/** Hits of a ranked list against a relevant set. */
function hits(ranked: ArrayLike<number>, k: number, relevant: ReadonlySet<number>): number {
  let h = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r])) h++;
  return h;
}

/** Share of the top-k that is relevant (always divided by k, as in the reference). */
export function precisionAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return k > 0 ? hits(ranked, k, relevant) / k : 0;
}

/** Share of the relevant items found in the top-k. */
export function recallAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return relevant.size > 0 ? hits(ranked, k, relevant) / relevant.size : 0;
}

/** nDCG@k with binary gains: DCG = Σ_hit 1/log2(rank+1), rank from 1. */
export function ndcgAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  let dcg = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r])) dcg += 1 / Math.log2(r + 2);
  let idcg = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) idcg += 1 / Math.log2(r + 2);
  return idcg > 0 ? dcg / idcg : 0;
}

/** Average precision at k: mean of precision@rank over hit ranks, divided by min(|rel|, k). */
export function averagePrecisionAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  let h = 0;
  let sum = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) {
    if (relevant.has(ranked[r])) {
      h++;
      sum += h / (r + 1);
    }
  }
  const denom = Math.min(relevant.size, k);
  return denom > 0 ? sum / denom : 0;
}

/** Share of the catalog that appears in at least one list. */
export function catalogCoverage(lists: Iterable<ArrayLike<number>>, catalogSize: number): number {
  const seen = new Uint8Array(catalogSize);
  let n = 0;
  for (const l of lists)
    for (let r = 0; r < l.length; r++)
      if (!seen[l[r]]) {
        seen[l[r]] = 1;
        n++;
      }
  return catalogSize > 0 ? n / catalogSize : 0;
}

export function rmse(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let s = 0;
  for (let t = 0; t < pred.length; t++) s += (pred[t] - truth[t]) ** 2;
  return pred.length ? Math.sqrt(s / pred.length) : 0;
}

export function mae(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let s = 0;
  for (let t = 0; t < pred.length; t++) s += Math.abs(pred[t] - truth[t]);
  return pred.length ? s / pred.length : 0;
}

export interface RankingReport {
  k: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  /** Catalog coverage of all top-k lists. */
  coverage: number;
  /** Test users averaged over (those with test items and at least one train item). */
  users: number;
}

/**
 * Ranks every item for each test user with that user's training items
 * excluded, keeps the top k with a heap and averages the metrics over test
 * users. `scoreUser(u, out)` fills out[i] with the score of item i.
 * Users without training rows are skipped (no model can place them; the
 * reference joins predictions and truth on users).
 */
export function evaluateRanking(
  train: Csr,
  test: Csr,
  scoreUser: (user: number, out: Float32Array) => void,
  k = 10,
): RankingReport {
  const items = train.cols;
  const scores = new Float32Array(items);
  const heap = new TopK(k);
  const oi = new Int32Array(k);
  const os = new Float32Array(k);
  const covered = new Uint8Array(items);
  let p = 0;
  let r = 0;
  let n = 0;
  let m = 0;
  let users = 0;
  const rel = new Set<number>();
  for (let u = 0; u < test.rows; u++) {
    if (test.indptr[u + 1] === test.indptr[u]) continue;
    if (u >= train.rows || train.indptr[u + 1] === train.indptr[u]) continue;
    scoreUser(u, scores);
    for (let q = train.indptr[u]; q < train.indptr[u + 1]; q++) scores[train.indices[q]] = -Infinity;
    heap.reset(k);
    for (let i = 0; i < items; i++) {
      const s = scores[i];
      if (s > -Infinity) heap.push(i, s);
    }
    const c = heap.drain(oi, os);
    const ranked = oi.subarray(0, c);
    rel.clear();
    for (let q = test.indptr[u]; q < test.indptr[u + 1]; q++) rel.add(test.indices[q]);
    p += precisionAtK(ranked, rel, k);
    r += recallAtK(ranked, rel, k);
    n += ndcgAtK(ranked, rel, k);
    m += averagePrecisionAtK(ranked, rel, k);
    for (let q = 0; q < c; q++) covered[ranked[q]] = 1;
    users++;
  }
  let cov = 0;
  for (let i = 0; i < items; i++) cov += covered[i];
  const d = Math.max(1, users);
  return { k, precision: p / d, recall: r / d, ndcg: n / d, map: m / d, coverage: items ? cov / items : 0, users };
}
