/**
 * The ALS pair's gate (issue 16, session 22): after ALS wins the automatic choice, is ALS + the
 * rating-confidence member (shared/math/als-pair.ts), mixed by z-score, better than ALS alone? Decided on
 * user folds of the training data (shared/math/user-folds.ts: each fold fits on ≈ 97.5% of it, so the
 * comparison is made near the refit's size), because the 75/25 splits the tuner uses rank the rating
 * member below the served point while test ranks the pair above it on every ML-100K split tried
 * (docs/quality.md, "Session 22"). Offered only when the interactions carry graded strengths (ratings,
 * mixed event weights): on all-equal values the member's confidence is a constant and it is no longer the
 * model that was measured. Cost: two ALS fits per fold, counted (no clock inside).
 */
import { type AlsParams, alsUserScorer, trainAls } from '../math/als';
import { ratingMember } from '../math/als-pair';
import { blendScorer } from '../math/blend';
import type { Csr } from '../math/csr';
import { NOMINAL_MADDS_PER_SECOND, trialWork } from '../math/hpo';
import { userFoldNdcg, userFolds } from '../math/user-folds';

/** Folds of the gate: the session-22 rule's 10 (each fit holds out 2.5% of the rows). */
export const PAIR_FOLDS = 10;

export interface PairGate {
  /** User-fold nDCG@k of ALS alone and of the pair. */
  als: number;
  pair: number;
  serve: boolean;
  b: AlsParams;
}

/** True when the stored strengths differ (the rating member then weighs entries unequally). */
export function graded(ui: Csr): boolean {
  const n = ui.indptr[ui.rows];
  for (let q = 1; q < n; q++) if (ui.data[q] !== ui.data[0]) return true;
  return false;
}

/**
 * The gate's planned work in nominal seconds (hpo.ts's conservative cost model): both members fitted and a
 * fold's users scored, once per fold. Counted, so one data set and budget give one decision on any machine.
 */
export function pairGateSeconds(ui: Csr, a: AlsParams, folds = PAIR_FOLDS): number {
  const shape = { nnz: ui.indptr[ui.rows], rows: ui.rows, cols: ui.cols };
  const evalUsers = Math.ceil(ui.rows / folds);
  const perFold = trialWork(shape, a, 1, evalUsers) + trialWork(shape, ratingMember(a), 1, evalUsers);
  return (folds * perFold) / NOMINAL_MADDS_PER_SECOND;
}

/** ALS alone vs the pair on the user folds of `ui`; the pair is served when it scores higher. */
export function gatePair(
  ui: Csr,
  a: AlsParams,
  opts: { seed: number; by: 'user' | 'item'; folds?: number; k?: number },
): PairGate {
  const b = ratingMember(a);
  const folds = userFolds(ui, { folds: opts.folds ?? PAIR_FOLDS, seed: opts.seed, by: opts.by });
  const [als, pair] = userFoldNdcg(
    folds,
    (q) => {
      const ma = alsUserScorer(trainAls(folds[q].fit, a));
      const mb = alsUserScorer(trainAls(folds[q].fit, b));
      return [ma, blendScorer(ma, mb, 0.5, ui.cols)];
    },
    opts.k ?? 10,
  );
  return { als, pair, serve: pair > als, b };
}

/**
 * The gate as one step of selectModel: after an ALS win on graded data, records an `als-pair` candidate
 * (its user-fold score, or why it was not tried) and says whether the pair is served.
 */
export function pairStep(
  ui: Csr,
  winner: string,
  a: AlsParams | undefined,
  opts: {
    seed: number;
    by: 'user' | 'item';
    allowed: boolean;
    pastDeadline: boolean;
    k: number;
    /** Planned work the gate may take, in nominal seconds: above it the pair is not offered. */
    budgetSeconds: number;
  },
  record: (c: { kind: 'als-pair'; params: Record<string, unknown>; validation: number | null; note: string }) => void,
  say: (line: string) => void,
): { serve: boolean; b?: AlsParams; reason: string } | null {
  if (!opts.allowed) return null;
  const cost = a ? pairGateSeconds(ui, a) : 0;
  const why =
    winner !== 'als' || !a
      ? `it pairs the ALS winner and ${winner} won`
      : !graded(ui)
        ? 'every interaction has the same strength (the rating member needs graded values)'
        : cost > opts.budgetSeconds
          ? `its ${2 * PAIR_FOLDS} fits are planned at ${Math.round(cost)} nominal s, over the ${Math.round(opts.budgetSeconds)} s budget`
          : opts.pastDeadline
            ? 'the clock safety stop was reached before it'
            : undefined;
  if (why) {
    record({ kind: 'als-pair', params: {}, validation: null, note: `not tried: ${why}` });
    return { serve: false, reason: `ALS pair not tried (${why})` };
  }
  const g = gatePair(ui, a!, { seed: opts.seed, by: opts.by, k: opts.k });
  say(`auto: pair gate als ${g.als.toFixed(4)} vs pair ${g.pair.toFixed(4)} on ${PAIR_FOLDS} user folds`);
  const folds = `${PAIR_FOLDS} user folds of one per-${opts.by} 75/25 label split of the training data`;
  record({
    kind: 'als-pair',
    params: { a: 'the als candidate', b: { ...g.b } },
    validation: g.pair,
    note: `${folds}: ALS alone ${g.als.toFixed(4)}, pair ${g.pair.toFixed(4)}`,
  });
  const verdict = g.serve ? 'served' : 'not served';
  return {
    serve: g.serve,
    b: g.b,
    reason: `ALS pair ${verdict}: pair ${g.pair.toFixed(4)} vs ALS alone ${g.als.toFixed(4)} on ${folds}`,
  };
}
