/**
 * Two-stage retrieval → ranking: ALS proposes each user's top-N unseen items,
 * the neural model re-orders them. The network is stacked, not trained on the
 * entries ALS was fitted to (there ALS scores are inflated by fitting): train
 * is split per user into a fit part, on which a feature ALS is trained, and a
 * holdout whose entries are the network's positives, with negatives drawn from
 * the feature ALS's own top-N candidates, the distribution the ranker will see.
 * At serving time the candidates and the ALS-score feature come from the ALS
 * trained on all of train; the network keeps the feature ALS's factors.
 */
import { trainAls, type AlsModel, type AlsParams } from '../als';
import type { Csr } from '../csr';
import { holdoutSplit } from '../hpo';
import { popularityFromCsr } from '../popularity';
import { Rng } from '../rng';
import { TopK, dot, scoreAll } from '../topk';
import type { Network, TokenBags } from './network';
import { createScorer, initNetwork, trainNetwork, type NeuralInputs, type NeuralTrainOptions } from './train';

export interface RankerOptions {
  /** Candidates re-ranked per user (default 200). */
  candidates: number;
  /** Share of each user's train entries the feature ALS is fitted on; the rest are the network's positives. */
  fitShare: number;
  seed: number;
  als: AlsParams;
  /** true: U_u, V_i of the feature ALS enter z (and are fine-tuned when train.learnFactors); false: no id factors. */
  idFactors: boolean;
  embed: number;
  hidden: number[];
  /** Share of negatives drawn from the candidates (the rest uniform over the catalog). */
  hardNegativeShare: number;
  train: Partial<NeuralTrainOptions>;
}

export const DEFAULT_RANKER: Omit<RankerOptions, 'als'> = {
  candidates: 200,
  fitShare: 0.75,
  seed: 42,
  idFactors: false,
  embed: 8,
  hidden: [16],
  hardNegativeShare: 1,
  train: {},
};

/**
 * Dense features, in order: ALS score (standardized over random pairs), ALS score standardized over the
 * user's own top-N candidates (what ranks within a user), log(1 + item popularity), and the user's share
 * of history in the item's tokens.
 */
export const RANKER_DENSE = ['alsScore', 'alsScoreInUser', 'logPopularity', 'tokenAffinity'] as const;

/** Per-user token profile (share of the user's history carrying each token) for the affinity feature. */
export function tokenProfiles(history: Csr, itemBags: TokenBags | undefined, tokens: number): Float32Array {
  const out = new Float32Array(history.rows * tokens);
  if (!itemBags || !tokens) return out;
  for (let u = 0; u < history.rows; u++) {
    const a = history.indptr[u];
    const b = history.indptr[u + 1];
    for (let q = a; q < b; q++) {
      const i = history.indices[q];
      for (let t = itemBags.indptr[i]; t < itemBags.indptr[i + 1]; t++) out[u * tokens + itemBags.indices[t]] += 1 / (b - a);
    }
  }
  return out;
}

/** Mean over the item's tokens of the user's profile: how much of the user's history looks like this item. */
export function affinity(profiles: Float32Array, tokens: number, itemBags: TokenBags | undefined, u: number, i: number): number {
  if (!itemBags || !tokens) return 0;
  const a = itemBags.indptr[i];
  const b = itemBags.indptr[i + 1];
  let s = 0;
  for (let t = a; t < b; t++) s += profiles[u * tokens + itemBags.indices[t]];
  return b > a ? s / (b - a) : 0;
}

/** What the dense features are computed from: one ALS model and one history. */
export interface FeatureSource {
  als: AlsModel;
  history: Csr;
  /** Candidates per user of this ALS (users × n, from {@link candidateLists}). */
  candidates: Int32Array;
  n: number;
}

export function denseFeatures(src: FeatureSource, itemBags: TokenBags | undefined, tokens: number): NeuralInputs['dense'] {
  const f = src.als.factors;
  const pop = popularityFromCsr(src.history);
  const logPop = pop.map((c) => Math.log1p(c));
  let maxLog = 0;
  for (const v of logPop) maxLog = Math.max(maxLog, v);
  const profiles = tokenProfiles(src.history, itemBags, tokens);
  const { candidates, n } = src;
  const userMean = new Float64Array(src.history.rows);
  const userSd = new Float64Array(src.history.rows).fill(1);
  for (let u = 0; u < src.history.rows; u++) {
    let c = 0;
    let s1 = 0;
    let s2 = 0;
    for (let r = 0; r < n; r++) {
      const i = candidates[u * n + r];
      if (i < 0) break;
      const s = dot(src.als.userFactors, u * f, src.als.itemFactors, i * f, f);
      c++;
      s1 += s;
      s2 += s * s;
    }
    if (c < 2) continue;
    userMean[u] = s1 / c;
    userSd[u] = Math.sqrt(Math.max(1e-12, s2 / c - (s1 / c) ** 2));
  }
  const raw = (u: number, i: number, cold: boolean, out: Float64Array) => {
    // a cold item (or one whose factors the dropout hides) has no ALS score and no popularity
    const s = cold ? 0 : dot(src.als.userFactors, u * f, src.als.itemFactors, i * f, f);
    out[0] = s;
    out[1] = cold ? 0 : (s - userMean[u]) / userSd[u];
    out[2] = cold ? 0 : logPop[i] / Math.max(1, maxLog);
    out[3] = affinity(profiles, tokens, itemBags, u, i);
  };
  // standardized over seeded random pairs, so the features of the feature ALS and of the retrieval
  // ALS (fitted on more data, scores on another scale) mean the same to the network, and Adam's
  // steps of ~lr move the weights of all features alike
  const d = RANKER_DENSE.length;
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  const rng = new Rng(1);
  const tmp = new Float64Array(d);
  const samples = 4096;
  for (let t = 0; t < samples; t++) {
    raw(rng.int(src.history.rows), rng.int(src.history.cols), false, tmp);
    for (let k = 0; k < d; k++) {
      mean[k] += tmp[k] / samples;
      sq[k] += (tmp[k] * tmp[k]) / samples;
    }
  }
  const sd = mean.map((m, k) => Math.sqrt(Math.max(1e-12, sq[k] - m * m)));
  return (u, i, cold, out) => {
    raw(u, i, cold, out);
    for (let k = 0; k < d; k++) {
      if (k === 1) continue; // already per user
      out[k] = cold && k < 3 ? 0 : (out[k] - mean[k]) / sd[k];
    }
  };
}

/** Each user's top-n items by ALS score with `exclude`'s items removed (row-major users × n, −1 padded). */
export function candidateLists(als: AlsModel, exclude: Csr, n: number): Int32Array {
  const f = als.factors;
  const items = als.itemFactors.length / f;
  const out = new Int32Array(exclude.rows * n).fill(-1);
  const scores = new Float32Array(items);
  const heap = new TopK(n);
  const oi = new Int32Array(n);
  const os = new Float32Array(n);
  for (let u = 0; u < exclude.rows; u++) {
    scoreAll(als.userFactors.subarray(u * f, u * f + f), als.itemFactors, f, scores);
    for (let q = exclude.indptr[u]; q < exclude.indptr[u + 1]; q++) scores[exclude.indices[q]] = -Infinity;
    heap.reset(n);
    for (let i = 0; i < items; i++) if (scores[i] > -Infinity) heap.push(i, scores[i]);
    const c = heap.drain(oi, os);
    out.set(oi.subarray(0, c), u * n);
  }
  return out;
}

export interface Ranker {
  net: Network;
  retrieval: AlsModel;
  /** Fills out with ALS scores, the top-N candidates lifted above all others in the network's order. */
  scoreUser(u: number, out: Float32Array): void;
  /** P(click) of the network for (u, i) with full-train features. */
  probability(u: number, i: number): number;
  /** Mean training loss per epoch. */
  losses: number[];
}

export interface RankerMeta {
  itemBags?: TokenBags;
  userBags?: TokenBags;
  itemTokens: number;
  userTokens: number;
}

/** Fits retrieval ALS on all of `train` and the stacked network as described above. */
export function fitRanker(train: Csr, meta: RankerMeta, options: Partial<RankerOptions> & { als: AlsParams }): Ranker {
  const o = { ...DEFAULT_RANKER, ...options };
  const { fit, valid } = holdoutSplit(train, o.fitShare, o.seed, 'user');
  const featureAls = trainAls(fit, o.als);
  const f = featureAls.factors;
  const n = o.candidates;
  const cands = candidateLists(featureAls, fit, n);
  const spec = {
    users: train.rows,
    items: train.cols,
    factors: o.idFactors ? f : 0,
    itemTokens: meta.itemTokens,
    userTokens: meta.userTokens,
    embed: o.embed,
    dense: RANKER_DENSE.length,
    hidden: o.hidden,
  };
  const net = initNetwork(spec, {
    seed: o.seed,
    userFactors: o.idFactors ? featureAls.userFactors : undefined,
    itemFactors: o.idFactors ? featureAls.itemFactors : undefined,
  });
  // positives only among the candidates: the ranker answers P(click | candidate) and never sees
  // the rest; trained on all holdout entries, the ALS score would also have to separate the tail
  // ALS missed from the top-N, where it carries no signal (measured: weight ≈ 0 on ML-100K)
  const users: number[] = [];
  const items: number[] = [];
  const inCands = new Set<number>();
  for (let u = 0; u < valid.rows; u++) {
    inCands.clear();
    for (let r = 0; r < n; r++) inCands.add(cands[u * n + r]);
    for (let q = valid.indptr[u]; q < valid.indptr[u + 1]; q++) {
      if (!inCands.has(valid.indices[q])) continue;
      users.push(u);
      items.push(valid.indices[q]);
    }
  }
  const sampleNegative = (u: number, rng: Rng) => {
    if (rng.next() < o.hardNegativeShare) {
      const c = cands[u * n + rng.int(n)];
      if (c >= 0) return c;
    }
    return rng.int(train.cols);
  };
  const bags = { itemBags: meta.itemBags, userBags: meta.userBags };
  const losses = trainNetwork(
    net,
    { users: Int32Array.from(users), items: Int32Array.from(items), labels: new Float32Array(users.length).fill(1) },
    { ...bags, dense: denseFeatures({ als: featureAls, history: fit, candidates: cands, n }, meta.itemBags, meta.itemTokens) },
    { seed: o.seed, ...o.train, loss: 'bce', sampleNegative },
  );
  const retrieval = trainAls(train, o.als);
  const retrievalCands = candidateLists(retrieval, train, n);
  const feats = denseFeatures({ als: retrieval, history: train, candidates: retrievalCands, n }, meta.itemBags, meta.itemTokens);
  const score = createScorer(net, { ...bags, dense: feats });
  const rf = retrieval.factors;
  const items0 = train.cols;
  const heap = new TopK(n);
  const oi = new Int32Array(n);
  const os = new Float32Array(n);
  return {
    net,
    retrieval,
    losses,
    probability: (u, i) => score(u, i),
    scoreUser(u, out) {
      scoreAll(retrieval.userFactors.subarray(u * rf, u * rf + rf), retrieval.itemFactors, rf, out);
      heap.reset(n);
      let q = train.indptr[u];
      const end = train.indptr[u + 1];
      // train items are not candidates (the ranking excludes them anyway); rows are column-sorted
      for (let i = 0; i < items0; i++) {
        while (q < end && train.indices[q] < i) q++;
        if (q < end && train.indices[q] === i) continue;
        heap.push(i, out[i]);
      }
      const c = heap.drain(oi, os);
      let hi = -Infinity;
      for (let i = 0; i < items0; i++) hi = Math.max(hi, out[i]);
      for (let i = 0; i < items0; i++) out[i] -= hi + 1; // every non-candidate ≤ −1, below any 1 + P
      for (let r = 0; r < c; r++) out[oi[r]] = 1 + score(u, oi[r]);
    },
  };
}
