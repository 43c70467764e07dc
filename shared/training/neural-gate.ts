/**
 * The gate between ALS alone and ALS + the neural ranker (kind `neural`) in
 * the training pipeline: when the run's data has item metadata, the ranker is
 * fitted on the same train split as ALS and scored on the same holdout; it is
 * served only when it beats ALS there by at least {@link RANKER_MARGIN}
 * nDCG@10. Tuned MF usually wins on interaction data alone (Rendle et al.
 * 2020): the rule, not a preference, decides. `gateRanker` in
 * shared/math/neural/ranker.ts is the same rule on a validation split carved
 * from train (the benches and the auto selection use it).
 */
import { holdoutScoreHits } from '../math/calibration';
import { rankerProbability } from '../math/neural/ece';
import type { ItemMetadata } from '../metadata/vocabulary';
import type { FittedModel } from '../model/kinds';
import { neuralOverAls } from '../model/kinds/neural';
import type { Calibration } from '../model/types';
import { chooseCalibration } from './calibration-choice';
import type { Dataset } from './dataset';
import { type Holdout, rankingMetrics, type UserScores } from './evaluate';

/** nDCG@10 the ranker must add to ALS's on the holdout to be served (the target). */
export const RANKER_MARGIN = 0.005;

/**
 * Runs whose budget is below this plan no ranker: on the demo shop the ranker's two fits
 * (gate, then final) double a run's time, which a 20 s budget (`npm start`) does not hold.
 * A planned count, not the clock: one configuration trains the same pipeline on any machine.
 */
export const NEURAL_MIN_BUDGET_SECONDS = 60;

/** The pipeline fits the ranker beside ALS: item metadata in the data and a budget that plans for it. */
export function plansNeural(d: Pick<Dataset, 'side'>, budgetSeconds: number): boolean {
  return hasItemMetadata(d) && budgetSeconds >= NEURAL_MIN_BUDGET_SECONDS;
}

/** True when the data carries item metadata the ranker (and ALS's cold-item ridge) can use. */
export function hasItemMetadata(d: Pick<Dataset, 'side'>): boolean {
  const items = d.side?.items as ItemMetadata[] | undefined;
  return Array.isArray(items) && items.length > 0;
}

export interface NeuralGate {
  use: boolean;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  /** Platt fitted on the ranker's holdout slots, and the P(click) source chosen there (./calibration-choice.ts). */
  calibration: Calibration;
  /** For the manifest's tuning log. */
  log: { alsNdcg10: number; neuralNdcg10: number; margin: number; served: 'als' | 'als+neural' };
}

/**
 * Fits the neural ranker over `retrieval` (ALS fitted on h.train) and scores it
 * on h.test (each user's train row is their history: it is excluded from the
 * ranker's candidates, as serving excludes what a user has seen).
 */
export function gateNeural(
  d: Dataset,
  h: Holdout,
  retrieval: FittedModel,
  alsMetrics: Record<string, number>,
): NeuralGate {
  const seed = typeof retrieval.params.seed === 'number' ? retrieval.params.seed : 42;
  const data = { ui: h.train, userIds: d.userIds, itemIds: d.itemIds, side: d.side };
  // the ALS the pipeline just evaluated is the ranker's retrieval model: no second fit of it
  const { ranker, params } = neuralOverAls(data, retrieval, seed);
  const score: UserScores = (u, out) => ranker.scoreUser(u, out);
  const metrics = rankingMetrics(h, score, 10);
  const sh = holdoutScoreHits(h.train, h.test, score, 10);
  const als = alsMetrics.ndcg10 ?? 0;
  const use = metrics.ndcg10 >= als + RANKER_MARGIN;
  return {
    use,
    params,
    metrics,
    // Platt on the pipeline's scores or the network's own P, whichever is better calibrated on these slots
    calibration: chooseCalibration({
      ...sh,
      network: (t) => rankerProbability(sh.scores[t]),
      prior: ranker.prior,
      // as the served scorer sees the user: their history (train row) and the candidates it leaves
      user: (t) => {
        const history = h.train.indptr[sh.users[t] + 1] - h.train.indptr[sh.users[t]];
        return { history, candidates: Math.min(ranker.state.candidates, h.train.cols - history) };
      },
    }),
    log: {
      alsNdcg10: round(als),
      neuralNdcg10: round(metrics.ndcg10),
      margin: RANKER_MARGIN,
      served: use ? 'als+neural' : 'als',
    },
  };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
