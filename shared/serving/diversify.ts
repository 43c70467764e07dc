/**
 * Serving's diversity step: the request's filters select a pool of the best
 * few-times-k candidates (inside the top-k scan, like any filter), then MMR
 * (`diversity`), a per-category cap (`maxPerCategory`) or a calibrated re-rank
 * (`calibrate`, Steck 2018) picks k of them. The pool is a subset of what the
 * filters allow, so re-ranking can never let a filtered item in; k comes back
 * whenever k candidates in the pool satisfy the cap.
 */
import { type CategoryDistribution, calibratedRerank, categoryDistribution } from '../math/calibrated-rerank';
import {
  type PoolSimilarity,
  categorySimilarity,
  cosineSimilarity,
  rerank,
  similarItemsSimilarity,
} from '../math/diversity';
import type { PreparedModel, Scratch } from './prepared';

export interface DiversityOptions {
  /** MMR λ in [0, 1]; 0 or absent = relevance order. */
  diversity?: number;
  /** At most this many items of one category in the answer. */
  maxPerCategory?: number;
  /** Calibrated re-rank λ in [0, 1] toward the user's category mix (ignores `diversity` when set). */
  calibrate?: number;
}

/** Candidates drawn per slot: enough for MMR to find other clusters, small enough to stay cheap. */
export const POOL_FACTOR = 4;
/** The pool never exceeds this (the scratch heap holds 500). */
export const MAX_POOL = 400;

export function wantsRerank(o: DiversityOptions): boolean {
  return (o.diversity ?? 0) > 0 || o.maxPerCategory !== undefined || (o.calibrate ?? 0) > 0;
}

/**
 * How many candidates to select for a re-ranked answer of k: 4k for the
 * re-rankers, and with a cap up to {@link MAX_POOL}, so slots the cap leaves
 * empty in the 4k are filled from further down (k whenever 400 candidates allow).
 */
export function poolSize(k: number, o: DiversityOptions = {}): number {
  return o.maxPerCategory !== undefined ? MAX_POOL : headSize(k);
}

function headSize(k: number): number {
  return Math.min(MAX_POOL, Math.max(k, POOL_FACTOR * k));
}

export interface PoolInput {
  /** Relevance of the pool's candidates, best-first. */
  relevance: Float32Array;
  /** Categories of a pool candidate (by position). */
  categoriesOf: (p: number) => readonly string[];
  /** Similarity over the first `n` candidates (built only when MMR runs). */
  similarity: (n: number) => PoolSimilarity;
  /** The user's category distribution (built only when calibrating). */
  target: () => CategoryDistribution;
}

/**
 * The pool positions that make the answer, in show order (≤ k): MMR or the
 * calibrated re-rank over the best 4k, then the cap; slots the cap leaves
 * empty are filled from the rest of the pool in relevance order. Serving and
 * bench/diversity.ts both pick through here.
 */
export function pickFromPool(input: PoolInput, k: number, opts: DiversityOptions): number[] {
  const { relevance, categoriesOf } = input;
  const head = Math.min(relevance.length, headSize(k));
  const rel = relevance.subarray(0, head);
  const cap = opts.maxPerCategory;
  let picked: number[];
  if ((opts.calibrate ?? 0) > 0) {
    picked = calibratedRerank(rel, categoriesOf, input.target(), k, opts.calibrate!);
    if (cap !== undefined) picked = capped(picked, relevance.length, k, cap, categoriesOf);
  } else {
    const sim = (opts.diversity ?? 0) > 0 ? input.similarity(head) : null;
    picked = rerank(rel, k, sim, { diversity: opts.diversity, maxPerCategory: cap, categoriesOf });
  }
  if (cap !== undefined && picked.length < k && relevance.length > head)
    picked = capped(picked, relevance.length, k, cap, categoriesOf);
  return picked;
}

/**
 * The similarity MMR uses: cosine over item factors when the kind has them,
 * else the kind's own similar-items scores, else shared categories.
 */
function similarityFor(pm: PreparedModel, pool: Int32Array, categoriesOf: (p: number) => readonly string[]) {
  const f = pm.factors;
  const y = pm.model.itemFactors;
  if (f > 0 && y.length >= pm.items * f) return cosineSimilarity(y, f, pool);
  if (pm.fitted.similarItems) return similarItemsSimilarity(pm.fitted.similarItems.bind(pm.fitted), pm.items, pool);
  return categorySimilarity(categoriesOf, pool.length);
}

/**
 * Re-ranks the `count` candidates in s.outIndex/outScore (best-first) in
 * place and returns how many of them make the answer (≤ k).
 * `itemCategories` gives a model item's categories; `history` the user's items (calibration's target).
 */
export function diversify(
  pm: PreparedModel,
  s: Scratch,
  count: number,
  k: number,
  opts: DiversityOptions,
  itemCategories: (item: number) => readonly string[],
  history: readonly ArrayLike<number>[],
): number {
  const pool = s.outIndex.slice(0, count);
  const rel = s.outScore.slice(0, count);
  const categoriesOf = (p: number) => itemCategories(pool[p]);
  const picked = pickFromPool(
    {
      relevance: rel,
      categoriesOf,
      similarity: (n) => similarityFor(pm, pool.subarray(0, n), categoriesOf),
      target: () => categoryDistribution(historyItems(history, itemCategories)),
    },
    k,
    opts,
  );
  for (let r = 0; r < picked.length; r++) {
    s.outIndex[r] = pool[picked[r]];
    s.outScore[r] = rel[picked[r]];
  }
  return picked.length;
}

function* historyItems(history: readonly ArrayLike<number>[], itemCategories: (item: number) => readonly string[]) {
  const done = new Set<number>();
  for (const row of history)
    for (let q = 0; q < row.length; q++)
      if (!done.has(row[q])) {
        done.add(row[q]);
        yield { categories: itemCategories(row[q]) };
      }
}

/**
 * `order` with the cap applied: its picks that fit first, in their order, then
 * the rest of the pool (n candidates) in relevance order while slots remain.
 */
function capped(
  order: number[],
  n: number,
  k: number,
  cap: number,
  categoriesOf: (p: number) => readonly string[],
): number[] {
  const inOrder = new Set(order);
  const seq = [...order];
  for (let p = 0; p < n; p++) if (!inOrder.has(p)) seq.push(p);
  const rank = Float32Array.from(seq, (_, r) => -r);
  return rerank(rank, k, null, { maxPerCategory: cap, categoriesOf: (r) => categoriesOf(seq[r]) }).map((r) => seq[r]);
}
