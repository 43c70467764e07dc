/**
 * Honest evaluation of one model kind on a seeded holdout: split the pairs,
 * fit on the train part, rank every item for each test user with their train
 * items removed, and report nDCG/P/R/MAP@k and coverage (plus RMSE/MAE for
 * kinds that predict ratings). The same holdout's top-k (score, hit) pairs fit
 * the Platt calibration.
 */
import { holdoutScoreHits } from '../math/calibration';
import type { Csr } from '../math/csr';
import { evaluateRanking, mae, rmse } from '../math/metrics';
import { stratifiedSplit, temporalSplit, type SplitIndices } from '../math/split';
import type { FittedModel } from '../model/kinds';
import type { Calibration } from '../model/types';
import { pairsToCsr, type Dataset } from './dataset';
import { calibrationOf } from './calibration-choice';

export type SplitKind = 'user' | 'item' | 'temporal';

/** Seeded 75/25 split of the dataset's pairs: per user, per item, or newest-per-user. */
export function splitPairs(d: Dataset, how: SplitKind, seed: number, ratio = 0.75): SplitIndices {
  if (how === 'temporal') return temporalSplit(d.pairUser, d.pairTime, ratio);
  return stratifiedSplit(how === 'item' ? d.pairItem : d.pairUser, ratio, seed);
}

export interface Holdout {
  train: Csr;
  test: Csr;
  /** Test users that also have train items: the ones a metric averages over. */
  evalUsers: number;
  testRows: Int32Array;
}

export function makeHoldout(d: Dataset, how: SplitKind, seed: number): Holdout {
  const s = splitPairs(d, how, seed);
  const train = pairsToCsr(d, s.train);
  const test = pairsToCsr(d, s.test);
  let evalUsers = 0;
  for (let u = 0; u < test.rows; u++)
    if (test.indptr[u + 1] > test.indptr[u] && train.indptr[u + 1] > train.indptr[u]) evalUsers++;
  return { train, test, evalUsers, testRows: s.test };
}

export interface Evaluation {
  metrics: Record<string, number>;
  calibration: Calibration;
}

/** Scores of a user as a model answers them: its stored row. */
export type UserScores = (u: number, out: Float32Array) => void;

/** Ranking metrics@k of any scorer on a holdout (train items excluded). */
export function rankingMetrics(h: Holdout, score: UserScores, k = 10): Record<string, number> {
  const r = evaluateRanking(h.train, h.test, score, k);
  return {
    [`ndcg${k}`]: r.ndcg,
    [`precision${k}`]: r.precision,
    [`recall${k}`]: r.recall,
    [`map${k}`]: r.map,
    [`coverage${k}`]: r.coverage,
    evalUsers: r.users,
  };
}

/** Metrics of a model fitted on `h.train`, and its calibration on the same holdout. */
export function evaluateFitted(model: FittedModel, d: Dataset, h: Holdout, k = 10): Evaluation {
  const score: UserScores = (u, out) => model.user(u).scoreAll(out);
  const metrics = rankingMetrics(h, score, k);
  if (model.capabilities.ratings && model.predictRating) {
    const pred = Float64Array.from(h.testRows, (q) => model.predictRating!(d.pairUser[q], d.pairItem[q]));
    const truth = Float64Array.from(h.testRows, (q) => d.pairWeight[q]);
    metrics.rmse = rmse(pred, truth);
    metrics.mae = mae(pred, truth);
  }
  const sh = holdoutScoreHits(h.train, h.test, score, k);
  // Platt, or the model's own P (the neural kind) where it is better calibrated (./calibration-choice.ts)
  return { metrics, calibration: calibrationOf(model, sh, h.train) };
}
