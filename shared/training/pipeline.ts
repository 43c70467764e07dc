/**
 * The one training path the scheduled job and the CLI share: (tune →) fit on a
 * holdout split and evaluate → calibrate → refit on all data → artifact.
 * Pure computation over a {@link Dataset}; no storage, no clock but the budget.
 */
import { kindSpec, tuneKind } from '../model/kinds';
import type { Model, ModelKind } from '../model/types';
import { pairsToCsr, type Dataset } from './dataset';
import { evaluateFitted, makeHoldout, type SplitKind } from './evaluate';
import { UNCALIBRATED, fitKind, toModel } from './fit';

export interface Progress {
  stage: 'split' | 'tune' | 'evaluate' | 'fit';
  epoch?: number;
  loss?: number;
  elapsedMs: number;
}

export interface TrainOptions {
  kind: ModelKind;
  /** Parameters of the kind; tuned values win over defaults, explicit ones over tuned. */
  params?: Record<string, unknown>;
  /** Hyper-parameter search over the kind's search space (its own tuner when it has one). */
  tune: boolean;
  /** Wall-clock budget for the whole pipeline; the search gets 40% of it. */
  budgetSeconds: number;
  seed: number;
  split: SplitKind;
  /** Skip the holdout evaluation (and calibration). */
  evaluate: boolean;
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

const TUNE_SHARE = 0.4;

/** Runs the pipeline; deterministic for a seed (tuning aside, which depends on the clock budget). */
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
    notes.push(`popularity-only: ${d.userIds.length} users, ${d.itemIds.length} items, ${pairs} pairs is too little for ${kind}`);
    kind = 'popular';
  }
  const spec = kindSpec(kind);
  // untuned defaults come from the data's shape (ALS: a fixed α0 collapses sparse data)
  const dataDefaults = spec.defaults({ users: d.userIds.length, items: d.itemIds.length, interactions: pairs });
  let params: Record<string, unknown> = { ...dataDefaults, seed: opts.seed, ...(opts.params ?? {}) };
  let tuning: Record<string, unknown> | undefined;
  let metrics: Record<string, number> = {};
  let calibration = UNCALIBRATED;
  let evaluated = false;
  const deadline = t0 + opts.budgetSeconds * 1000;

  if (opts.evaluate && pairs >= MIN_PAIRS) {
    let s = performance.now();
    progress({ stage: 'split' });
    const h = makeHoldout(d, opts.split, opts.seed);
    stage('split', s);
    if (h.evalUsers < MIN_EVAL_USERS) {
      notes.push(`not evaluated: only ${h.evalUsers} test users with training items`);
    } else {
      if (opts.tune && Object.keys(spec.searchSpace({ users: d.userIds.length, items: d.itemIds.length, interactions: pairs })).length > 0) {
        s = performance.now();
        progress({ stage: 'tune' });
        const r = tuneKind(spec, { ui: h.train, userIds: d.userIds, itemIds: d.itemIds }, {
          budgetSeconds: Math.max(0.05, opts.budgetSeconds * TUNE_SHARE),
          seed: opts.seed,
          base: { seed: opts.seed, ...(opts.params ?? {}) },
          onTrial: (i, metric) => progress({ stage: 'tune', epoch: i + 1, loss: metric }),
        });
        params = { ...r.params, ...(opts.params ?? {}) };
        tuning = { seconds: r.seconds, metric: 'ndcg10', best: r.metric, trials: r.log };
        stage('tune', s);
      }
      s = performance.now();
      progress({ stage: 'evaluate' });
      const rec = fitKind(kind, params, h.train, d, {
        onEpoch: (epoch, loss) => progress({ stage: 'evaluate', epoch, loss }),
        shouldStop: () => performance.now() > deadline,
      });
      const ev = evaluateFitted(rec, d, h, 10);
      metrics = ev.metrics;
      calibration = ev.calibration;
      evaluated = true;
      stage('evaluate', s);
    }
  }

  const s = performance.now();
  progress({ stage: 'fit' });
  const all = pairsToCsr(d);
  const rec = fitKind(kind, params, all, d, {
    onEpoch: (epoch, loss) => progress({ stage: 'fit', epoch, loss }),
    // the final fit gets what is left plus a grace of 50%: a cut-short model is still usable
    shouldStop: () => performance.now() > deadline + opts.budgetSeconds * 500,
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
  stage('fit', s);
  timings.total = Math.round(elapsed());
  return { model, metrics, evaluated, note: notes.length ? notes.join('; ') : undefined, timings, params: resolved };
}
