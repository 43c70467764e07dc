/**
 * Two-stage retrieval → ranking: ALS proposes each user's top-N unseen items,
 * the neural model re-orders them. The network is stacked, not trained on the
 * entries ALS was fitted to (there ALS scores are inflated by fitting): train
 * is split per user into a fit part, on which a feature ALS is trained, and a
 * holdout whose entries among the feature ALS's top-N are the network's
 * positives, with negatives drawn from the same top-N — the distribution the
 * ranker sees. At serving time candidates and the ALS-score features come from
 * the ALS trained on all of train. Training, the bench and the `neural` kind
 * compute features through the one per-user path here ({@link rerankUser}).
 */
import { trainAls, type AlsModel, type AlsParams } from '../als';
import type { Csr } from '../csr';
import { holdoutSplit } from '../hpo';
import { evaluateRanking } from '../metrics';
import { popularityFromCsr } from '../popularity';
import { Rng } from '../rng';
import { TopK, scoreAll } from '../topk';
import { forward, sigmoid, workspace, type Example, type Network, type TokenBags, type Workspace } from './network';
import { DEFAULT_NEURAL_TRAIN, initNetwork, trainNetwork, type NeuralTrainOptions } from './train';

export interface RankerOptions {
  /** Candidates re-ranked per user (default 200). */
  candidates: number;
  /** Share of each user's train entries the feature ALS is fitted on; the rest are the network's positives. */
  fitShare: number;
  seed: number;
  als: AlsParams;
  /** true: U_u, V_i of the feature ALS enter z (fine-tuned when train.learnFactors); false: no id factors. */
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
  train: { epochs: 5, learningRate: 0.01, batchSize: 32 },
};

/**
 * Dense features, in order: ALS score (standardized over random pairs), ALS score standardized over the
 * user's own top-N candidates (what ranks within a user), log(1 + item popularity) / max, and the user's
 * share of history in the item's tokens (mean over the item's tokens).
 */
export const RANKER_DENSE = ['alsScore', 'alsScoreInUser', 'logPopularity', 'tokenAffinity'] as const;

export interface RankerMeta {
  itemBags?: TokenBags;
  userBags?: TokenBags;
  itemTokens: number;
  userTokens: number;
}

/** Everything scoring needs besides the retrieval ALS: what the artifact stores. */
export interface RankerState extends RankerMeta {
  net: Network;
  /** log(1 + popularity) / max over items, of the history the features are computed from. */
  logPop: Float32Array;
  /** Standardization of features 0, 2, 3 (index 1 is per user). */
  mean: number[];
  sd: number[];
  candidates: number;
}

/** One user's feature context: candidates, their ALS score statistics, token profile. */
export interface UserContext {
  candidates: Int32Array;
  count: number;
  mean: number;
  sd: number;
  profile: Float32Array;
}

/**
 * The top-n unseen items of `scores` and their statistics, and the user's token
 * profile from `seen` (sorted item indices, the user's history).
 */
export function userContext(
  s: Pick<RankerState, 'itemBags' | 'itemTokens' | 'candidates'>,
  scores: Float32Array,
  seen: ArrayLike<number>,
  heap = new TopK(s.candidates),
): UserContext {
  const n = s.candidates;
  heap.reset(n);
  let q = 0;
  for (let i = 0; i < scores.length; i++) {
    while (q < seen.length && seen[q] < i) q++;
    if (q < seen.length && seen[q] === i) continue;
    heap.push(i, scores[i]);
  }
  const candidates = new Int32Array(n);
  const os = new Float32Array(n);
  const count = heap.drain(candidates, os);
  let s1 = 0;
  let s2 = 0;
  for (let r = 0; r < count; r++) {
    s1 += os[r];
    s2 += os[r] * os[r];
  }
  const mean = count ? s1 / count : 0;
  const sd = count > 1 ? Math.sqrt(Math.max(1e-12, s2 / count - mean * mean)) : 1;
  const profile = new Float32Array(s.itemTokens);
  const bags = s.itemBags;
  if (bags && seen.length)
    for (let k = 0; k < seen.length; k++)
      for (let t = bags.indptr[seen[k]]; t < bags.indptr[seen[k] + 1]; t++) profile[bags.indices[t]] += 1 / seen.length;
  return { candidates: candidates.subarray(0, count), count, mean, sd, profile };
}

/** Raw features of (user context, item) given the item's ALS score; `cold` hides score and popularity. */
function rawFeatures(
  s: Pick<RankerState, 'itemBags' | 'logPop'>,
  ctx: UserContext,
  i: number,
  score: number,
  cold: boolean,
  out: Float64Array,
) {
  out[0] = cold ? 0 : score;
  out[1] = cold ? 0 : (score - ctx.mean) / ctx.sd;
  out[2] = cold ? 0 : s.logPop[i];
  let a = 0;
  const bags = s.itemBags;
  if (bags) {
    const lo = bags.indptr[i];
    const hi = bags.indptr[i + 1];
    for (let t = lo; t < hi; t++) a += ctx.profile[bags.indices[t]];
    if (hi > lo) a /= hi - lo;
  }
  out[3] = a;
}

function standardized(s: RankerState, ctx: UserContext, i: number, score: number, cold: boolean, out: Float64Array) {
  rawFeatures(s, ctx, i, score, cold, out);
  for (const k of [0, 2, 3]) out[k] = cold && k < 3 ? 0 : (out[k] - s.mean[k]) / s.sd[k];
}

export function logPopularity(history: Csr): Float32Array {
  const lp = popularityFromCsr(history).map((c) => Math.log1p(c));
  let max = 0;
  for (const v of lp) max = Math.max(max, v);
  return lp.map((v) => v / Math.max(1, max));
}

/** Row u of a CSR (sorted column indices). */
const row = (m: Csr, u: number) => m.indices.subarray(m.indptr[u], m.indptr[u + 1]);

/** Per-user contexts of a whole history under one ALS model. */
export function contextsOf(
  s: Pick<RankerState, 'itemBags' | 'itemTokens' | 'candidates'>,
  als: AlsModel,
  history: Csr,
): UserContext[] {
  const f = als.factors;
  const scores = new Float32Array(history.cols);
  const heap = new TopK(s.candidates);
  return Array.from({ length: history.rows }, (_, u) => {
    scoreAll(als.userFactors.subarray(u * f, u * f + f), als.itemFactors, f, scores);
    return userContext(s, scores, row(history, u), heap);
  });
}

/**
 * Re-ranks one user in place: `out` holds the retrieval scores of every item on
 * entry; on exit every candidate scores 1 + P(click) and every other item is
 * below −1 in its ALS order. Returns the context (candidates, P by slot in probs).
 */
export function rerankUser(
  s: RankerState,
  u: number,
  out: Float32Array,
  seen: ArrayLike<number>,
  ws: Workspace = workspace(s.net.spec),
  probs?: Float32Array,
): UserContext {
  const ctx = userContext(s, out, seen);
  const dense = new Float64Array(RANKER_DENSE.length);
  const x: Example = { user: u, item: 0, cold: false, dense };
  const p = probs ?? new Float32Array(ctx.count);
  for (let r = 0; r < ctx.count; r++) {
    const i = ctx.candidates[r];
    x.item = i;
    standardized(s, ctx, i, out[i], false, dense);
    p[r] = sigmoid(forward(s.net, s.itemBags, s.userBags, x, ws));
  }
  let hi = -Infinity;
  for (let i = 0; i < out.length; i++) if (out[i] > hi) hi = out[i];
  for (let i = 0; i < out.length; i++) out[i] -= hi + 1;
  for (let r = 0; r < ctx.count; r++) out[ctx.candidates[r]] = 1 + p[r];
  return ctx;
}

export interface Ranker {
  state: RankerState;
  retrieval: AlsModel;
  /** Fills out with the pipeline's scores for a user of `train` (history = their train row). */
  scoreUser(u: number, out: Float32Array): void;
  /** P(click) of the network for (u, i) with full-train features (i need not be a candidate). */
  probability(u: number, i: number): number;
  /** Mean training loss per epoch. */
  losses: number[];
  /**
   * The network's 1 : k sampling of negatives among each user's candidates, and ρ, its positives per
   * history item of their users (π_u ≈ ρ·h_u/c_u: ../calibration.ts priorCorrected); absent when some
   * negatives are drawn from the whole catalog (hardNegativeShare < 1), where that correction does not hold.
   */
  prior?: { negatives: number; perHistoryItem: number };
}

/** Fits retrieval ALS on all of `train` and the stacked network as described above. */
export function fitRanker(
  train: Csr,
  meta: RankerMeta,
  options: Partial<RankerOptions> & { als: AlsParams },
  /** The retrieval ALS when the caller has trained it already (with options.als on train). */
  trained?: AlsModel,
): Ranker {
  const o = { ...DEFAULT_RANKER, ...options, train: { ...DEFAULT_RANKER.train, ...options.train } };
  const { fit, valid } = holdoutSplit(train, o.fitShare, o.seed, 'user');
  const featureAls = trainAls(fit, o.als);
  const f = featureAls.factors;
  const n = o.candidates;
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
  const trainState = withStats(
    { ...meta, net, candidates: n, logPop: logPopularity(fit), mean: [], sd: [] },
    featureAls,
    fit,
  );
  const ctx = trainState.contexts;
  // positives only among the candidates: the ranker answers P(click | candidate) and never sees
  // the rest; trained on all holdout entries the ALS score must also separate the tail ALS
  // missed from the top-N, where it carries no signal (measured: its weight ≈ 0 on ML-100K)
  const users: number[] = [];
  const items: number[] = [];
  // ρ over the users the positives come from: a user with a valid part but no positives among
  // their candidates counts (π_u = 0 there), one with no valid part has no training slots at all
  let historyItems = 0;
  for (let u = 0; u < valid.rows; u++) {
    if (valid.indptr[u + 1] > valid.indptr[u]) historyItems += fit.indptr[u + 1] - fit.indptr[u];
    const inCands = new Set(ctx[u].candidates);
    for (const i of row(valid, u))
      if (inCands.has(i)) {
        users.push(u);
        items.push(i);
      }
  }
  const sampleNegative = (u: number, rng: Rng) => {
    const c = ctx[u];
    if (c.count && rng.next() < o.hardNegativeShare) return c.candidates[rng.int(c.count)];
    return rng.int(train.cols);
  };
  const dense = (u: number, i: number, cold: boolean, out: Float64Array) =>
    standardized(trainState.state, ctx[u], i, dot(featureAls, u, i), cold, out);
  const losses = trainNetwork(
    net,
    { users: Int32Array.from(users), items: Int32Array.from(items), labels: new Float32Array(users.length).fill(1) },
    { itemBags: meta.itemBags, userBags: meta.userBags, dense },
    { seed: o.seed, ...o.train, loss: 'bce', sampleNegative },
  );
  const retrieval = trained ?? trainAls(train, o.als);
  const { state, contexts } = withStats(
    { ...meta, net, candidates: n, logPop: logPopularity(train), mean: [], sd: [] },
    retrieval,
    train,
  );
  const rf = retrieval.factors;
  const ws = workspace(spec);
  const tmp = new Float64Array(RANKER_DENSE.length);
  const x: Example = { user: 0, item: 0, cold: false, dense: tmp };
  return {
    state,
    retrieval,
    losses,
    ...(o.hardNegativeShare === 1 && historyItems
      ? {
          prior: {
            negatives: o.train.negatives ?? DEFAULT_NEURAL_TRAIN.negatives,
            perHistoryItem: users.length / historyItems,
          },
        }
      : {}),
    probability(u, i) {
      standardized(state, contexts[u], i, dot(retrieval, u, i), false, tmp);
      x.user = u;
      x.item = i;
      return sigmoid(forward(net, meta.itemBags, meta.userBags, x, ws));
    },
    scoreUser(u, out) {
      scoreAll(retrieval.userFactors.subarray(u * rf, u * rf + rf), retrieval.itemFactors, rf, out);
      rerankUser(state, u, out, row(train, u), ws);
    },
  };
}

const dot = (m: AlsModel, u: number, i: number) => {
  let s = 0;
  for (let k = 0; k < m.factors; k++) s += m.userFactors[u * m.factors + k] * m.itemFactors[i * m.factors + k];
  return s;
};

/**
 * The user contexts under `als` and the standardization of features 0, 2, 3
 * over 4096 seeded random (user, item) pairs, so the feature ALS's and the
 * retrieval ALS's scores (fitted on different data, on other scales) mean the
 * same to the network and Adam's steps move all feature weights alike.
 */
function withStats(s: RankerState, als: AlsModel, history: Csr): { state: RankerState; contexts: UserContext[] } {
  const contexts = contextsOf(s, als, history);
  const d = RANKER_DENSE.length;
  const m = new Array<number>(d).fill(0);
  const sq = new Array<number>(d).fill(0);
  const rng = new Rng(1);
  const tmp = new Float64Array(d);
  const samples = 4096;
  for (let t = 0; t < samples; t++) {
    const u = rng.int(history.rows);
    const i = rng.int(history.cols);
    rawFeatures(s, contexts[u], i, dot(als, u, i), false, tmp);
    for (let k = 0; k < d; k++) {
      m[k] += tmp[k] / samples;
      sq[k] += (tmp[k] * tmp[k]) / samples;
    }
  }
  const sd = m.map((v, k) => Math.sqrt(Math.max(1e-12, sq[k] - v * v)));
  return { state: { ...s, mean: m, sd }, contexts };
}

export interface RankerGate {
  choice: 'als' | 'als+neural';
  /** Validation nDCG@10 of each pipeline, both fitted on the same fit part. */
  als: number;
  neural: number;
}

/**
 * The gate's rule on held-out numbers: fit ALS and the ranker on a per-user
 * split of `train` (validation carved from train only) and serve the ranker
 * only when it beats ALS alone by at least `margin` nDCG@10 there.
 */
export function gateRanker(
  train: Csr,
  meta: RankerMeta,
  options: Partial<RankerOptions> & { als: AlsParams },
  margin = 0.005,
  seed = 7,
): RankerGate {
  const { fit, valid } = holdoutSplit(train, 0.75, seed, 'user');
  const r = fitRanker(fit, meta, options);
  const f = r.retrieval.factors;
  const alsScore = (u: number, out: Float32Array) =>
    scoreAll(r.retrieval.userFactors.subarray(u * f, u * f + f), r.retrieval.itemFactors, f, out);
  const als = evaluateRanking(fit, valid, alsScore, 10).ndcg;
  const neural = evaluateRanking(fit, valid, r.scoreUser, 10).ndcg;
  return { choice: neural >= als + margin ? 'als+neural' : 'als', als, neural };
}
