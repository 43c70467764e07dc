/**
 * Biased matrix factorization for explicit ratings, r̂ = μ + b_u + b_i + p_u·q_i,
 * trained by SGD over a seeded shuffle each epoch (Funk / Koren; Surprise's SVD
 * with a decaying learning rate and separate bias regularization).
 */
import type { Csr } from './csr';
import { Rng } from './rng';

export interface MfParams {
  factors: number;
  epochs: number;
  learningRate: number;
  /** L2 on the factors. */
  regularization: number;
  /** L2 on the biases. */
  biasRegularization: number;
  /** Learning rate is multiplied by this after every epoch. */
  learningRateDecay: number;
  /** Initial factors ~ N(0, initScale²). */
  initScale: number;
  seed: number;
  /** Predictions are clipped to this range (the rating scale); null disables. */
  clip: [number, number] | null;
}

/**
 * Rendle et al. 2019 ("On the Difficulty of Evaluating Baselines"): many factors,
 * small init (≈0.1/√f), small learning rate, many epochs, tuned L2.
 */
export const DEFAULT_MF_PARAMS: MfParams = {
  factors: 128,
  epochs: 100,
  learningRate: 0.005,
  regularization: 0.05,
  biasRegularization: 0.02,
  learningRateDecay: 0.99,
  initScale: 0.009,
  seed: 42,
  clip: [1, 5],
};

export interface MfModel {
  globalBias: number;
  userBias: Float32Array;
  itemBias: Float32Array;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  factors: number;
  clip: [number, number] | null;
}

/** Trains on a users × items CSR of ratings (stored values are the ratings). */
export function trainBiasedMf(
  ratings: Csr,
  params: MfParams,
  opts: { onEpoch?(epoch: number, trainRmse: number): void; shouldStop?(): boolean } = {},
): MfModel {
  const f = params.factors;
  const nnz = ratings.indptr[ratings.rows];
  const rowOf = new Int32Array(nnz);
  for (let u = 0; u < ratings.rows; u++) rowOf.fill(u, ratings.indptr[u], ratings.indptr[u + 1]);
  const cols = ratings.indices;
  const vals = ratings.data;
  let mu = 0;
  for (let q = 0; q < nnz; q++) mu += vals[q];
  mu = nnz ? mu / nnz : 0;
  const rng = new Rng(params.seed);
  const P = new Float32Array(ratings.rows * f);
  const Q = new Float32Array(ratings.cols * f);
  for (let k = 0; k < P.length; k++) P[k] = rng.normal() * params.initScale;
  for (let k = 0; k < Q.length; k++) Q[k] = rng.normal() * params.initScale;
  const bu = new Float32Array(ratings.rows);
  const bi = new Float32Array(ratings.cols);
  const order = new Int32Array(nnz);
  for (let q = 0; q < nnz; q++) order[q] = q;
  const reg = params.regularization;
  const regB = params.biasRegularization;
  let lr = params.learningRate;
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    if (opts.shouldStop?.()) break;
    rng.shuffle(order);
    let sse = 0;
    for (let t = 0; t < nnz; t++) {
      const q = order[t];
      const u = rowOf[q];
      const i = cols[q];
      const po = u * f;
      const qo = i * f;
      let dotp = 0;
      for (let k = 0; k < f; k++) dotp += P[po + k] * Q[qo + k];
      const e = vals[q] - (mu + bu[u] + bi[i] + dotp);
      sse += e * e;
      bu[u] += lr * (e - regB * bu[u]);
      bi[i] += lr * (e - regB * bi[i]);
      for (let k = 0; k < f; k++) {
        const pk = P[po + k];
        const qk = Q[qo + k];
        P[po + k] = pk + lr * (e * qk - reg * pk);
        Q[qo + k] = qk + lr * (e * pk - reg * qk);
      }
    }
    opts.onEpoch?.(epoch + 1, Math.sqrt(sse / Math.max(1, nnz)));
    lr *= params.learningRateDecay;
  }
  return { globalBias: mu, userBias: bu, itemBias: bi, userFactors: P, itemFactors: Q, factors: f, clip: params.clip };
}

/**
 * Predicted rating; users or items outside the training range fall back to the
 * biases that exist (μ alone for both unknown).
 */
export function predictRating(m: MfModel, user: number, item: number): number {
  const f = m.factors;
  let r = m.globalBias;
  const knownU = user >= 0 && user < m.userBias.length;
  const knownI = item >= 0 && item < m.itemBias.length;
  if (knownU) r += m.userBias[user];
  if (knownI) r += m.itemBias[item];
  if (knownU && knownI) {
    const po = user * f;
    const qo = item * f;
    for (let k = 0; k < f; k++) r += m.userFactors[po + k] * m.itemFactors[qo + k];
  }
  return m.clip ? Math.min(m.clip[1], Math.max(m.clip[0], r)) : r;
}

/** Scores every item for a user (unclipped, for ranking): out[i] = b_i + p_u·q_i (μ and b_u do not change the order). */
export function scoreUserMf(m: MfModel, user: number, out: Float32Array): void {
  const f = m.factors;
  const po = user * f;
  for (let i = 0; i < m.itemBias.length; i++) {
    const qo = i * f;
    let s = m.itemBias[i];
    for (let k = 0; k < f; k++) s += m.userFactors[po + k] * m.itemFactors[qo + k];
    out[i] = s;
  }
}
