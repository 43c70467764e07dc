/**
 * Serving's diversity step: the request's filters select a pool of the best
 * few-times-k candidates (inside the top-k scan, like any filter), then MMR
 * (`diversity`), a per-category cap (`maxPerCategory`) or a calibrated re-rank
 * (`calibrate`, Steck 2018) picks k of them. The pool is a subset of what the
 * filters allow, so re-ranking can never let a filtered item in; k comes back
 * whenever k candidates in the pool satisfy the cap.
 */
import { calibratedRerank, categoryDistribution } from '../math/calibrated-rerank';
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

/** How many candidates to select for a re-ranked answer of k. */
export function poolSize(k: number): number {
  return Math.min(MAX_POOL, Math.max(k, POOL_FACTOR * k));
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
  let picked: number[];
  if ((opts.calibrate ?? 0) > 0) {
    const target = categoryDistribution(historyItems(history, itemCategories));
    picked = calibratedRerank(rel, categoriesOf, target, k, opts.calibrate!);
    if (opts.maxPerCategory !== undefined) picked = capped(picked, rel, k, opts.maxPerCategory, categoriesOf);
  } else {
    const sim: PoolSimilarity | null = (opts.diversity ?? 0) > 0 ? similarityFor(pm, pool, categoriesOf) : null;
    picked = rerank(rel, k, sim, { diversity: opts.diversity, maxPerCategory: opts.maxPerCategory, categoriesOf });
  }
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
 * The calibrated order with the cap applied: the calibrated picks that fit
 * first, in their order, then the rest of the pool by relevance while slots remain.
 */
function capped(
  order: number[],
  rel: ArrayLike<number>,
  k: number,
  cap: number,
  categoriesOf: (p: number) => readonly string[],
): number[] {
  const rest = Array.from({ length: rel.length }, (_, p) => p).filter((p) => !order.includes(p));
  const seq = [...order, ...rest];
  return rerank(
    seq.map((_, r) => -r),
    k,
    null,
    { maxPerCategory: cap, categoriesOf: (r) => categoriesOf(seq[r]) },
  ).map((r) => seq[r]);
}
