/**
 * The one training path the scheduled job and the CLI share: (tune →) fit on a
 * holdout split and evaluate → calibrate → refit on all data → artifact.
 * Pure computation over a {@link Dataset}; no storage.
 *
 * Work is planned by counts (tuning work in nominal multiply-adds, iterations,
 * epochs), so one seed gives one model on a quiet and a loaded machine; the
 * clock is only a safety stop: nothing runs past 1.5 × the budget, nor past
 * the caller's hard deadline (`stopAfterMs`), the first tuning trial included.
 */
import { NOMINAL_MADDS_PER_SECOND } from '../math/hpo';
import { kindSpec, tuneKind } from '../model/kinds';
import type { Model, ModelKind } from '../model/types';
import { pairsToCsr, type Dataset } from './dataset';
import { evaluateFitted, makeHoldout, type SplitKind } from './evaluate';
import { modelExposure } from './exposure';
import { UNCALIBRATED, fitKind, toModel } from './fit';
import { gateNeural, plansNeural } from './neural-gate';
import { type AutoChoice, chooseKind } from './select-model';

export interface Progress {
  stage: 'split' | 'select' | 'tune' | 'evaluate' | 'baseline' | 'fit';
  epoch?: number;
  loss?: number;
  elapsedMs: number;
}

export interface TrainOptions {
  /** A registered kind, or 'auto': chooseKind (select-model.ts) picks als, ease or blend on the training part. */
  kind: ModelKind;
  /** Parameters of the kind; tuned values win over defaults, explicit ones over tuned. */
  params?: Record<string, unknown>;
  /** Hyper-parameter search over the kind's search space (its own tuner when it has one). */
  tune: boolean;
  /** The budget the work is planned for; the whole pipeline stops by 1.5 × it at the latest. */
  budgetSeconds: number;
  /** Hard stop, ms from the pipeline's start (a Lambda's remaining time minus what publishing needs). */
  stopAfterMs?: number;
  seed: number;
  split: SplitKind;
  /** Skip the holdout evaluation (and calibration). */
  evaluate: boolean;
  /**
   * With item metadata in the data (Dataset.side.items) and a budget of at least 60 s, also fit
   * ALS + the neural ranker on the holdout and serve it when it wins there (./neural-gate.ts).
   * Default true; evaluation required.
   */
  neural?: boolean;
  /**
   * The served model's kind and hyper-parameters: refit on the same train split
   * and scored on the same holdout as the candidate, so the gate compares like with like.
   */
  baseline?: { kind: string; params: Record<string, unknown> };
  version: string;
  createdAt: string;
  popularityHalfLifeDays?: number;
  erasureWatermark?: number;
  onProgress?(p: Progress): void;
}

export interface TrainResult {
  model: Model;
  /** Holdout metrics (empty when not evaluated). */
  metrics: Record<string, number>;
  /** The baseline configuration's metrics on the same holdout, when one was given and evaluated. */
  baselineMetrics?: Record<string, number>;
  /** Why no baseline was scored, when one was asked for. */
  baselineNote?: string;
  evaluated: boolean;
  /** Why the pipeline deviated from the plain path (tiny data, no evaluation...). */
  note?: string;
  timings: Record<string, number>;
  params: Record<string, unknown>;
}

/** Below these, latent factors are noise: publish popularity only. */
export const MIN_USERS = 5;
export const MIN_ITEMS = 3;
export const MIN_PAIRS = 10;
/** A holdout with fewer evaluable users is not worth a number (or a gate). */
export const MIN_EVAL_USERS = 3;

/** Share of the budget planned for tuning. */
export const TUNE_SHARE = 0.4;
/** Share of the tuning work the search plans; the rest pays for re-ranking the top trials on confirm splits. */
export const SEARCH_SHARE = 0.7;
export { NOMINAL_MADDS_PER_SECOND };
/** The pipeline's clock safety stop, as a multiple of the budget. */
export const SAFETY_FACTOR = 1.5;

/** Runs the pipeline; deterministic for a seed unless the clock safety stop or the hard stop fires. */
export function trainPipeline(d: Dataset, opts: TrainOptions): TrainResult {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const elapsed = () => performance.now() - t0;
  const stage = (name: string, since: number) => (timings[name] = Math.round(performance.now() - since));
  const progress = (p: Omit<Progress, 'elapsedMs'>) => opts.onProgress?.({ ...p, elapsedMs: elapsed() });
  const pairs = d.pairUser.length;
  const notes: string[] = [];
  let kind = opts.kind;
  if (kind !== 'popular' && (d.userIds.length < MIN_USERS || d.itemIds.length < MIN_ITEMS || pairs < MIN_PAIRS)) {
    notes.push(
      `popularity-only: ${d.userIds.length} users, ${d.itemIds.length} items, ${pairs} pairs is too little for ${kind}`,
    );
    kind = 'popular';
  }
  // 'auto': the choice is made on the part the holdout trains on (never on the holdout itself), with the
  // tuning share of the budget; the chosen kind is then fitted with the chosen params, not tuned again
  let auto: AutoChoice | undefined;
  let holdout: ReturnType<typeof makeHoldout> | undefined;
  if (kind === 'auto') {
    let s = performance.now();
    if (opts.evaluate) {
      progress({ stage: 'split' });
      holdout = makeHoldout(d, opts.split, opts.seed);
      stage('split', s);
    }
    s = performance.now();
    progress({ stage: 'select' });
    auto = chooseKind(holdout ? holdout.train : pairsToCsr(d), {
      seed: opts.seed,
      budgetSeconds: Math.max(0.05, opts.budgetSeconds * TUNE_SHARE),
      by: opts.split === 'item' ? 'item' : 'user',
    });
    kind = auto.kind;
    stage('select', s);
  }
  const spec = kindSpec(kind);
  const stats = { users: d.userIds.length, items: d.itemIds.length, interactions: pairs };
  // untuned defaults come from the data's shape (ALS: a fixed α0 collapses sparse data)
  let params: Record<string, unknown> = {
    ...spec.defaults(stats),
    seed: opts.seed,
    ...(auto?.params ?? {}),
    ...(opts.params ?? {}),
  };
  let tuning: Record<string, unknown> | undefined = auto?.tuning;
  let metrics: Record<string, number> = {};
  let baselineMetrics: Record<string, number> | undefined;
  let baselineNote: string | undefined;
  let calibration = UNCALIBRATED;
  let retrievalCalibration: typeof calibration | undefined;
  let evaluated = false;
  const safetyEnd = Math.min(t0 + SAFETY_FACTOR * opts.budgetSeconds * 1000, t0 + (opts.stopAfterMs ?? Infinity));
  const hardStop = () => performance.now() > t0 + (opts.stopAfterMs ?? Infinity);
  const pastSafety = () => performance.now() > safetyEnd;

  if (opts.evaluate && pairs >= MIN_PAIRS) {
    let s = performance.now();
    let h = holdout;
    if (!h) {
      progress({ stage: 'split' });
      h = makeHoldout(d, opts.split, opts.seed);
      stage('split', s);
    }
    if (h.evalUsers < MIN_EVAL_USERS) {
      notes.push(`not evaluated: only ${h.evalUsers} test users with training items`);
    } else {
      if (opts.tune && !auto && Object.keys(spec.searchSpace(stats)).length > 0) {
        s = performance.now();
        progress({ stage: 'tune' });
        const tuneSeconds = opts.budgetSeconds * TUNE_SHARE;
        const r = tuneKind(
          spec,
          { ui: h.train, userIds: d.userIds, itemIds: d.itemIds },
          {
            // the plan; its time safety stop leaves room for a machine slower than nominal
            work: tuneSeconds * SEARCH_SHARE * NOMINAL_MADDS_PER_SECOND,
            budgetSeconds: Math.max(0.05, tuneSeconds * SAFETY_FACTOR),
            stop: hardStop,
            seed: opts.seed,
            base: { seed: opts.seed, ...(opts.params ?? {}) },
            onTrial: (i, metric) => progress({ stage: 'tune', epoch: i + 1, loss: metric }),
          },
        );
        params = { ...r.params, ...(opts.params ?? {}) };
        tuning = { seconds: r.seconds, metric: 'ndcg10', best: r.metric, trials: r.log, stoppedBy: r.stoppedBy };
        stage('tune', s);
      }
      s = performance.now();
      progress({ stage: 'evaluate' });
      const rec = fitKind(kind, params, h.train, d, {
        onEpoch: (epoch, loss) => progress({ stage: 'evaluate', epoch, loss }),
        shouldStop: pastSafety,
      });
      const ev = evaluateFitted(rec, d, h, 10);
      metrics = ev.metrics;
      calibration = ev.calibration;
      evaluated = true;
      stage('evaluate', s);
      // with item metadata, ALS + the neural ranker is served instead when it wins on this holdout
      if (kind === 'als' && opts.neural !== false && plansNeural(d, opts.budgetSeconds) && !pastSafety()) {
        s = performance.now();
        progress({ stage: 'evaluate' });
        const g = gateNeural(d, h, rec, metrics);
        tuning = { ...(tuning ?? {}), neuralRanker: g.log };
        if (g.use) {
          // ALS's own Platt: serving the retrieval without the ranker (an A/B variant) needs it
          retrievalCalibration = calibration;
          kind = 'neural';
          params = g.params;
          metrics = g.metrics;
          calibration = g.calibration;
        }
        stage('neural', s);
      }
      if (opts.baseline) {
        s = performance.now();
        progress({ stage: 'baseline' });
        const r = scoreBaseline(opts.baseline, d, h, pastSafety);
        baselineMetrics = r.metrics;
        baselineNote = r.note;
        stage('baseline', s);
      }
    }
  }
  if (opts.baseline && !baselineMetrics) baselineNote ??= 'the candidate was not evaluated';

  const s = performance.now();
  progress({ stage: 'fit' });
  const all = pairsToCsr(d);
  const rec = fitKind(kind, params, all, d, {
    onEpoch: (epoch, loss) => progress({ stage: 'fit', epoch, loss }),
    // a cut-short model is still usable; a model past the deadline is not published at all
    shouldStop: pastSafety,
  });
  const resolved = { ...rec.params };
  const model = toModel(rec, d, all, {
    version: opts.version,
    createdAt: opts.createdAt,
    metrics,
    calibration,
    tuning,
    note: notes.length ? notes.join('; ') : undefined,
    erasureWatermark: opts.erasureWatermark,
    popularityHalfLifeDays: opts.popularityHalfLifeDays ?? 14,
  });
  if (retrievalCalibration && model.manifest.kind === 'neural')
    model.manifest.retrievalCalibration = retrievalCalibration;
  stage('fit', s);
  // what the published model does to exposure (./exposure.ts); skipped once the clock has run out
  const sx = performance.now();
  const exposure = modelExposure(rec, d, all, { shouldStop: pastSafety });
  if (exposure) model.manifest.exposure = exposure;
  stage('exposure', sx);
  timings.total = Math.round(elapsed());
  return {
    model,
    metrics,
    ...(baselineMetrics ? { baselineMetrics } : {}),
    ...(baselineNote ? { baselineNote } : {}),
    evaluated,
    note: notes.length ? notes.join('; ') : undefined,
    timings,
    params: resolved,
  };
}

/**
 * The served configuration refit on the candidate's train split and scored on
 * its holdout. The served artifact itself cannot be scored there: it was
 * trained on nearly every pair of today's holdout and would win by memory.
 */
function scoreBaseline(
  b: { kind: string; params: Record<string, unknown> },
  d: Dataset,
  h: ReturnType<typeof makeHoldout>,
  shouldStop: () => boolean,
): { metrics?: Record<string, number>; note?: string } {
  const spec = safeSpec(b.kind);
  if (!spec) return { note: `the served kind "${b.kind}" is not one this build trains` };
  const { popularityHalfLifeDays: _drop, ...params } = b.params;
  const fitted = fitKind(b.kind, params, h.train, d, { shouldStop });
  return { metrics: evaluateFitted(fitted, d, h, 10).metrics };
}

function safeSpec(kind: string) {
  try {
    return kindSpec(kind);
  } catch {
    return undefined;
  }
}
