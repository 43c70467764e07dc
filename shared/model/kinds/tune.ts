/**
 * The generic tuner for kinds without their own: seeded random search over
 * the kind's {@link SearchSpace}, every trial fitted on a validation split
 * carved from the training data (never the test split). Planned by trial
 * count; the clock only stops it early (the first trial always completes).
 */
import { holdoutSplit } from '../../math/hpo';
import { evaluateRanking } from '../../math/metrics';
import { Rng } from '../../math/rng';
import type { KindSpec, ParamRange, SearchSpace, TrainingData, TuneOptions, TuneResult } from './kind';

/** Trials when the caller plans none: enough to beat the defaults on most spaces, cheap for small ones. */
export const DEFAULT_TRIALS = 12;

function sample(rng: Rng, r: ParamRange): number | string | boolean {
  if (r.type === 'choice') return r.values[Math.min(r.values.length - 1, Math.floor(rng.next() * r.values.length))];
  const u = rng.next();
  const x = r.log ? Math.exp(Math.log(r.min) + u * (Math.log(r.max) - Math.log(r.min))) : r.min + u * (r.max - r.min);
  return r.type === 'int' ? Math.round(x) : x;
}

/** Validation nDCG@10 of `params` on one split. */
export function validate(
  spec: KindSpec,
  split: { fit: TrainingData; valid: TrainingData['ui'] },
  params: Record<string, unknown>,
  seed: number,
  shouldStop?: () => boolean,
): number {
  const fitted = spec.fit(split.fit, params, { seed, shouldStop });
  return evaluateRanking(split.fit.ui, split.valid, (u, out) => fitted.user(u).scoreAll(out), 10).ndcg;
}

/** Random search over the kind's space, starting from its defaults. */
export function randomSearch(spec: KindSpec, data: TrainingData, opts: TuneOptions): TuneResult {
  const t0 = performance.now();
  const stats = { users: data.ui.rows, items: data.ui.cols, interactions: data.ui.indptr[data.ui.rows] };
  const space: SearchSpace = spec.searchSpace(stats);
  const defaults = { ...spec.defaults(stats), ...(opts.base ?? {}) };
  const s = holdoutSplit(data.ui, 0.8, opts.seed, 'user');
  const split = { fit: { ...data, ui: s.fit }, valid: s.valid };
  const deadline = t0 + opts.budgetSeconds * 1000;
  const rng = new Rng(opts.seed);
  const trials = Object.keys(space).length === 0 ? 1 : (opts.maxTrials ?? DEFAULT_TRIALS);
  const log: Record<string, unknown>[] = [];
  let best = { params: defaults, metric: -Infinity };
  const stop = opts.stop ?? (() => false);
  let stoppedBy: TuneResult['stoppedBy'] = 'trials';
  // the trial count is the plan: a break before it is the clock's or the hard stop's
  const cut = () => ((stoppedBy = stop() ? 'stop' : 'clock'), true);
  for (let t = 0; t < trials; t++) {
    if (t > 0 && (performance.now() > deadline || stop()) && cut()) break;
    const params = { ...defaults };
    if (t > 0) for (const [name, range] of Object.entries(space)) params[name] = sample(rng, range);
    Object.assign(params, opts.base ?? {});
    const metric = validate(spec, split, params, opts.seed, () => stop() || (t > 0 && performance.now() > deadline));
    if (t > 0 && (performance.now() > deadline || stop()) && cut()) break; // cut short: not comparable
    log.push({ ...params, ndcg10: Math.round(metric * 1e4) / 1e4 });
    opts.onTrial?.(t, metric);
    if (metric > best.metric) best = { params, metric };
  }
  return { params: best.params, metric: best.metric, log, seconds: (performance.now() - t0) / 1000, stoppedBy };
}
