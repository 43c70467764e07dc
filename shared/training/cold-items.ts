/**
 * The cold-items protocol (`attune evaluate --protocol cold-items`): a seeded
 * 20% of the items is held out entirely, models see only the interactions with
 * the other items, and each test user's interactions with held-out items are
 * what a ranking of ONLY the held-out items must find. Scorers here: random
 * order (the floor), the user's most-interacted categories first (the
 * heuristic to beat), and factors regressed on metadata (ridge from an item's
 * token bag to its ALS factors). The neural metadata path is in bench/cold-items.ts.
 */
import { Matrix, solve } from 'ml-matrix';
import { contentCosine, contentProfile, inverseDocumentFrequency, tokenMeans, transferScore } from '../math/content';
import { csrFilter, type Csr } from '../math/csr';
import type { TokenBags } from '../math/neural/network';
import { ndcgAtK, recallAtK } from '../math/metrics';
import { Rng } from '../math/rng';

export interface ColdItemSplit {
  /** Interactions with warm items only (what training may see). */
  warm: Csr;
  /** Interactions with cold items only (the truth). */
  test: Csr;
  coldItems: Int32Array;
  isCold: Uint8Array;
}

/**
 * Holds out round(share · n) of the `eligible` items (default: all), chosen by a
 * seeded shuffle. A validation split carved from a split's warm part passes its
 * warm items, so the outer held-out items stay out of both of its sides.
 */
export function coldItemSplit(ui: Csr, share: number, seed: number, eligible?: ArrayLike<number>): ColdItemSplit {
  const perm = eligible ? Int32Array.from(eligible) : Int32Array.from({ length: ui.cols }, (_, i) => i);
  new Rng(seed).shuffle(perm);
  const n = Math.round(share * perm.length);
  const isCold = new Uint8Array(ui.cols);
  for (let q = 0; q < n; q++) isCold[perm[q]] = 1;
  const coldItems = Int32Array.from(perm.subarray(0, n)).sort();
  return {
    warm: csrFilter(ui, (_u, i) => !isCold[i]),
    test: csrFilter(ui, (_u, i) => isCold[i] === 1),
    coldItems,
    isCold,
  };
}

/** Fills out[q] with the score of items[q] for the user. */
export type ColdScorer = (user: number, items: Int32Array, out: Float32Array) => void;

export interface ColdItemsReport {
  k: number;
  ndcg: number;
  recall: number;
  /** Users with at least one warm and one cold interaction. */
  users: number;
}

/** Ranks the cold items per test user (ties broken by lower index) and averages nDCG@k and Recall@k. */
export function evaluateColdItems(split: ColdItemSplit, score: ColdScorer, k = 10): ColdItemsReport {
  const { warm, test, coldItems } = split;
  const out = new Float32Array(coldItems.length);
  const order = Array.from(coldItems.keys());
  const rel = new Set<number>();
  let ndcg = 0;
  let recall = 0;
  let users = 0;
  for (let u = 0; u < test.rows; u++) {
    if (test.indptr[u + 1] === test.indptr[u] || warm.indptr[u + 1] === warm.indptr[u]) continue;
    score(u, coldItems, out);
    order.sort((a, b) => out[b] - out[a] || coldItems[a] - coldItems[b]);
    const ranked = order.slice(0, k).map((q) => coldItems[q]);
    rel.clear();
    for (let q = test.indptr[u]; q < test.indptr[u + 1]; q++) rel.add(test.indices[q]);
    ndcg += ndcgAtK(ranked, rel, k);
    recall += recallAtK(ranked, rel, k);
    users++;
  }
  const d = Math.max(1, users);
  return { k, ndcg: ndcg / d, recall: recall / d, users };
}

/** The random-order floor: the mean over `repeats` seeded random orders. */
export function evaluateRandomOrder(split: ColdItemSplit, k = 10, repeats = 20, seed = 1): ColdItemsReport {
  const rng = new Rng(seed);
  const runs = Array.from({ length: repeats }, () =>
    evaluateColdItems(
      split,
      (_u, items, out) => {
        for (let q = 0; q < items.length; q++) out[q] = rng.next();
      },
      k,
    ),
  );
  const mean = (f: (r: ColdItemsReport) => number) => runs.reduce((s, r) => s + f(r), 0) / repeats;
  return { k, ndcg: mean((r) => r.ndcg), recall: mean((r) => r.recall), users: runs[0].users };
}

/** Per user, how many of their (warm) interactions carry each token: users × tokens. */
export function tokenCounts(history: Csr, itemBags: TokenBags, tokens: number): Float32Array {
  const out = new Float32Array(history.rows * tokens);
  for (let u = 0; u < history.rows; u++)
    for (let q = history.indptr[u]; q < history.indptr[u + 1]; q++) {
      const i = history.indices[q];
      for (let t = itemBags.indptr[i]; t < itemBags.indptr[i + 1]; t++) out[u * tokens + itemBags.indices[t]]++;
    }
  return out;
}

/**
 * "The user's most-interacted categories first": an item scores the largest
 * count among its tokens in the user's history, the mean count breaking ties.
 */
export function categoryHeuristic(history: Csr, itemBags: TokenBags, tokens: number): ColdScorer {
  const counts = tokenCounts(history, itemBags, tokens);
  return (u, items, out) => {
    for (let q = 0; q < items.length; q++) {
      const i = items[q];
      let max = 0;
      let sum = 0;
      const a = itemBags.indptr[i];
      const b = itemBags.indptr[i + 1];
      for (let t = a; t < b; t++) {
        const c = counts[u * tokens + itemBags.indices[t]];
        max = Math.max(max, c);
        sum += c;
      }
      out[q] = max + (b > a ? sum / (b - a) / 1e6 : 0);
    }
  };
}

/**
 * Ridge regression from an item's token bag (plus an intercept, not
 * penalized) to its factors, fitted on the items in `fitItems`:
 * W = (XᵀX + λI)⁻¹XᵀV, solved by ml-matrix. XᵀX and XᵀV are accumulated from
 * the bags directly (O(Σ bag² + Σ bag·f)), never from a dense items × tokens X,
 * so the cost is set by the vocabulary, not the catalog. Returns W, row-major
 * (tokens + 1) × f, the intercept last.
 */
export function fitTokenRidge(
  itemBags: TokenBags,
  tokens: number,
  itemFactors: Float32Array,
  f: number,
  fitItems: ArrayLike<number>,
  lambda: number,
): Float64Array {
  const n = tokens + 1;
  const a = Array.from({ length: n }, () => new Float64Array(n));
  const b = Array.from({ length: n }, () => new Float64Array(f));
  const bag: number[] = [];
  for (let q = 0; q < fitItems.length; q++) {
    const i = fitItems[q];
    bag.length = 0;
    for (let t = itemBags.indptr[i]; t < itemBags.indptr[i + 1]; t++) bag.push(itemBags.indices[t]);
    bag.push(tokens);
    for (const s of bag) {
      for (const t of bag) a[s][t] += 1;
      for (let k = 0; k < f; k++) b[s][k] += itemFactors[i * f + k];
    }
  }
  for (let t = 0; t < tokens; t++) a[t][t] += lambda;
  return Float64Array.from(solve(new Matrix(a), new Matrix(b)).to1DArray());
}

/** x·W for one bag of token ids (unknown ids dropped): the factor vector of an item known only by its metadata. */
export function factorsFromTokens(
  W: ArrayLike<number>,
  tokens: number,
  f: number,
  bag: ArrayLike<number>,
  out = new Float32Array(f),
) {
  for (let k = 0; k < f; k++) out[k] = W[tokens * f + k];
  for (let q = 0; q < bag.length; q++) {
    const t = bag[q];
    if (t >= 0 && t < tokens) for (let k = 0; k < f; k++) out[k] += W[t * f + k];
  }
  return out;
}

/** {@link fitTokenRidge}, then the predicted factors of every item (row-major items × f). */
export function regressFactorsOnTokens(
  itemBags: TokenBags,
  tokens: number,
  itemFactors: Float32Array,
  f: number,
  fitItems: ArrayLike<number>,
  lambda: number,
): Float32Array {
  const W = fitTokenRidge(itemBags, tokens, itemFactors, f, fitItems, lambda);
  const items = itemBags.indptr.length - 1;
  const out = new Float32Array(items * f);
  for (let i = 0; i < items; i++)
    factorsFromTokens(
      W,
      tokens,
      f,
      itemBags.indices.subarray(itemBags.indptr[i], itemBags.indptr[i + 1]),
      out.subarray(i * f, i * f + f),
    );
  return out;
}

/** Warm items of a split (those with at least one interaction), the rows a metadata regression can fit. */
export function warmItemsWithData(split: ColdItemSplit): Int32Array {
  const seen = new Uint8Array(split.warm.cols);
  for (let q = 0; q < split.warm.indptr[split.warm.rows]; q++) seen[split.warm.indices[q]] = 1;
  const out: number[] = [];
  for (let i = 0; i < seen.length; i++) if (seen[i]) out.push(i);
  return Int32Array.from(out);
}

/** Scores items by U_u · V̂_i with V̂ from {@link regressFactorsOnTokens}. */
export function factorScorer(userFactors: Float32Array, predicted: Float32Array, f: number): ColdScorer {
  return (u, items, out) => {
    for (let q = 0; q < items.length; q++) {
      let s = 0;
      for (let k = 0; k < f; k++) s += userFactors[u * f + k] * predicted[items[q] * f + k];
      out[q] = s;
    }
  };
}

/**
 * TF-IDF content scorer (shared/math/content.ts): the user's warm history as a
 * profile of its items' token vectors, each cold item scored by cosine.
 */
export function contentScorer(history: Csr, itemBags: TokenBags, tokens: number): ColdScorer {
  const idf = inverseDocumentFrequency(itemBags, tokens);
  return (u, items, out) => {
    const p = contentProfile(itemBags, idf, history.indices.subarray(history.indptr[u], history.indptr[u + 1]));
    for (let q = 0; q < items.length; q++)
      out[q] = contentCosine(
        p,
        itemBags.indices.subarray(itemBags.indptr[items[q]], itemBags.indptr[items[q] + 1]),
        idf,
      );
  };
}

/** A kind's scores of every item for a user (only the warm items' are read). */
export type WarmScores = (user: number, out: Float32Array) => void;

/**
 * Transfer scorer (shared/math/content.ts): the user's scores of the warm items
 * averaged per token, each cold item the IDF-weighted mean over its tokens —
 * what serving uses for kinds without a factor ridge (EASE, kNN, MF, blend).
 */
export function transferScorer(
  split: ColdItemSplit,
  itemBags: TokenBags,
  tokens: number,
  warm: WarmScores,
): ColdScorer {
  const idf = inverseDocumentFrequency(itemBags, tokens);
  const n = split.isCold.length;
  const all = new Float32Array(n);
  return (u, items, out) => {
    warm(u, all);
    for (let i = 0; i < n; i++) if (split.isCold[i]) all[i] = Number.NaN;
    const m = tokenMeans(itemBags, tokens, all, n);
    for (let q = 0; q < items.length; q++) {
      const s = transferScore(
        itemBags.indices.subarray(itemBags.indptr[items[q]], itemBags.indptr[items[q] + 1]),
        idf,
        m,
      );
      out[q] = Number.isNaN(s) ? -Infinity : s;
    }
  };
}

/** U_u · y_i for every item: ALS's warm scores for {@link transferScorer}. */
export function factorWarmScores(userFactors: Float32Array, itemFactors: Float32Array, f: number): WarmScores {
  return (u, out) => {
    for (let i = 0; i < out.length; i++) {
      let s = 0;
      for (let k = 0; k < f; k++) s += userFactors[u * f + k] * itemFactors[i * f + k];
      out[i] = s;
    }
  };
}

export interface ColdItemsRun {
  coldItems: number;
  heldOutInteractions: number;
  /**
   * Method → metrics: random order, categories first, TF-IDF content, ridge from
   * tokens to ALS factors, and `transfer:<kind>` for ALS and every kind in `warmScorers`.
   */
  rows: Record<string, ColdItemsReport>;
}

/**
 * The protocol end to end with the cheap scorers (the network's metadata path
 * is compared in bench/cold-items.ts): split, ALS on the warm part with the
 * given params, ridge at λ, all scored on the held-out items.
 */
export function runColdItems(
  ui: Csr,
  meta: { itemBags: TokenBags; itemTokens: number },
  opts: {
    seed: number;
    share?: number;
    lambda?: number;
    trainFactors: (warm: Csr) => { userFactors: Float32Array; itemFactors: Float32Array; factors: number };
    /** More kinds to transfer from (name → their warm scores, trained on the warm part). */
    warmScorers?: Record<string, (warm: Csr) => WarmScores>;
  },
): ColdItemsRun {
  const split = coldItemSplit(ui, opts.share ?? 0.2, opts.seed);
  const als = opts.trainFactors(split.warm);
  const pred = regressFactorsOnTokens(
    meta.itemBags,
    meta.itemTokens,
    als.itemFactors,
    als.factors,
    warmItemsWithData(split),
    opts.lambda ?? 3,
  );
  return {
    coldItems: split.coldItems.length,
    heldOutInteractions: split.test.indptr[split.test.rows],
    rows: {
      random: evaluateRandomOrder(split, 10, 20, opts.seed),
      categories: evaluateColdItems(split, categoryHeuristic(split.warm, meta.itemBags, meta.itemTokens)),
      content: evaluateColdItems(split, contentScorer(split.warm, meta.itemBags, meta.itemTokens)),
      ridge: evaluateColdItems(split, factorScorer(als.userFactors, pred, als.factors)),
      'transfer:als': evaluateColdItems(
        split,
        transferScorer(
          split,
          meta.itemBags,
          meta.itemTokens,
          factorWarmScores(als.userFactors, als.itemFactors, als.factors),
        ),
      ),
      ...Object.fromEntries(
        Object.entries(opts.warmScorers ?? {}).map(([name, train]) => [
          `transfer:${name}`,
          evaluateColdItems(split, transferScorer(split, meta.itemBags, meta.itemTokens, train(split.warm))),
        ]),
      ),
    },
  };
}
