/**
 * The quality gate between a trained candidate and the served model: never
 * publish NaN/Infinity, never publish a model clearly worse than the one
 * serving (holdout nDCG@10 down by more than the tolerance).
 *
 * Both numbers come from the same run and the same holdout: the pipeline
 * refits the served model's kind and hyper-parameters on the candidate's train
 * split and scores both on its test split. (The metric recorded in the served
 * manifest was measured on an older snapshot's holdout and is not comparable;
 * the served artifact's own factors cannot be scored on today's holdout either,
 * because it was trained on nearly all of those pairs.)
 */
import type { Model, ModelManifest } from '../model/types';
import { nonFiniteParts } from './fit';

export interface GateVerdict {
  pass: boolean;
  reason: string;
  /** The served configuration's nDCG@10 on the same holdout, when there was one to compare. */
  baseline?: number;
}

export interface GateOptions {
  tolerance: number;
  /** A run triggered by an erasure must replace a model that still holds the erased user. */
  erasureRun?: boolean;
  /** The served configuration's metrics on the candidate's holdout. */
  baseline?: Record<string, unknown>;
  /** Why there is no baseline although a model is served (e.g. a kind this build does not train). */
  baselineNote?: string;
  /** The candidate's metrics measured as the baseline's were, when not its manifest's (the large path). */
  candidate?: Record<string, unknown>;
  /** What the baseline is, in the reason (default: the served kind's configuration, refit). */
  baselineName?: string;
}

const metric = (m: Record<string, unknown> | undefined, key: string): number | undefined => {
  const v = m?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

/** Judges a candidate against the served model (null: none yet). */
export function gate(candidate: Model, current: ModelManifest | null, opts: GateOptions): GateVerdict {
  const bad = nonFiniteParts(candidate);
  if (bad.length) return { pass: false, reason: `non-finite values in ${bad.join(', ')}` };
  const cand = metric(opts.candidate ?? candidate.manifest.metrics, 'ndcg10');
  const base = metric(opts.baseline, 'ndcg10');
  if (opts.erasureRun)
    return { pass: true, reason: 'erasure since the served model: replaced regardless of metrics', baseline: base };
  if (!current) return { pass: true, reason: 'first model' };
  if (base === undefined)
    return {
      pass: true,
      reason: `no baseline on the same holdout (${opts.baselineNote ?? 'not scored'}); published on finiteness only`,
    };
  if (cand === undefined)
    return { pass: true, reason: 'candidate not evaluated; published on finiteness only', baseline: base };
  if (cand < base - opts.tolerance) {
    return {
      pass: false,
      reason: `nDCG@10 ${cand.toFixed(4)} is worse than ${opts.baselineName ?? `the served ${current.kind} configuration`}'s ${base.toFixed(4)} on the same holdout by more than ${opts.tolerance}`,
      baseline: base,
    };
  }
  return {
    pass: true,
    reason: `nDCG@10 ${cand.toFixed(4)} vs ${opts.baselineName ?? 'served configuration'} ${base.toFixed(4)} on the same holdout (tolerance ${opts.tolerance})`,
    baseline: base,
  };
}
