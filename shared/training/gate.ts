/**
 * The quality gate between a trained candidate and the served model: never
 * publish NaN/Infinity, never publish a model clearly worse than the one
 * serving (holdout nDCG@10 down by more than the tolerance).
 */
import type { Model, ModelManifest } from '../model/types';
import { nonFiniteParts } from './fit';

export interface GateVerdict {
  pass: boolean;
  reason: string;
  /** The served model's nDCG@10, when there was one to compare. */
  baseline?: number;
}

const metric = (m: Record<string, unknown> | undefined, key: string): number | undefined => {
  const v = m?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

/**
 * Judges a candidate. The comparison uses each model's own holdout nDCG@10
 * (recorded in its manifest). A run triggered by an erasure must replace a
 * model that still holds the erased user, so only the finiteness check
 * applies to it.
 */
export function gate(candidate: Model, current: ModelManifest | null, opts: { tolerance: number; erasureRun?: boolean }): GateVerdict {
  const bad = nonFiniteParts(candidate);
  if (bad.length) return { pass: false, reason: `non-finite values in ${bad.join(', ')}` };
  const cand = metric(candidate.manifest.metrics, 'ndcg10');
  const base = metric(current?.metrics, 'ndcg10');
  if (opts.erasureRun) return { pass: true, reason: 'erasure since the served model: replaced regardless of metrics', baseline: base };
  if (base === undefined) return { pass: true, reason: current ? 'served model has no nDCG@10 to compare' : 'first model' };
  if (cand === undefined) return { pass: true, reason: 'candidate not evaluated; published on finiteness only', baseline: base };
  if (cand < base - opts.tolerance) {
    return {
      pass: false,
      reason: `nDCG@10 ${cand.toFixed(4)} is worse than the served ${base.toFixed(4)} by more than ${opts.tolerance}`,
      baseline: base,
    };
  }
  return { pass: true, reason: `nDCG@10 ${cand.toFixed(4)} vs served ${base.toFixed(4)} (tolerance ${opts.tolerance})`, baseline: base };
}
