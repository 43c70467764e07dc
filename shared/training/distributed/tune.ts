/**
 * The large path's ALS hyper-parameters, tuned rather than defaults, at a cost
 * one Lambda pays (Prepare). In order:
 *
 * 1. The served model's, when they were tuned (by the single path's tuner or
 *    here) on data of about today's shape: users, items and interactions each
 *    within {@link SHAPE_DRIFT}× of the shape they were tuned on. Reuse keeps
 *    the original shape, so drift adds up across runs instead of resetting.
 * 2. Otherwise, with tuning on (ATTUNE_TUNE), the small path's ALS tuner over a
 *    seeded sample of users (all their interactions, every item) of at most
 *    {@link DEFAULT_SAMPLE_INTERACTIONS}, planned by work and a fixed trial
 *    count like the single path's search. The density-scaled weight α0 is
 *    carried over as its ratio to the sample's data-scaled default (the search
 *    space is relative to that default); λ is per row and scale-free already.
 * 3. Otherwise the served ALS model's parameters, else the data-scaled defaults.
 *
 * The choice is recorded in the manifest's `tuning` (`source`: served, sample,
 * defaults) with the shape it rests on.
 */
import { alsDefaultsFor, type AlsParams } from '../../math/als';
import type { Csr } from '../../math/csr';
import { NOMINAL_MADDS_PER_SECOND } from '../../math/hpo';
import { kindSpec, tuneKind } from '../../model/kinds';
import type { ModelManifest } from '../../model/types';
import type { Dataset } from '../dataset';
import { SAFETY_FACTOR, SEARCH_SHARE, TUNE_SHARE } from '../pipeline';

/** Each of users, items and interactions within this factor of the tuned shape: the parameters still hold. */
export const SHAPE_DRIFT = 1.25;
/** The tuning sample's size: a few minutes of trials in Prepare (3 GB, 15 min). */
export const DEFAULT_SAMPLE_INTERACTIONS = 500_000;
/** Trials the sample search plans at most. */
export const SAMPLE_TRIALS = 12;

export interface Shape {
  users: number;
  items: number;
  interactions: number;
}

export interface ParamChoice {
  params: Partial<AlsParams>;
  tuning: Record<string, unknown>;
}

/** Parameters the tuner chose (not the run's seed or bookkeeping). */
const TUNED = [
  'factors',
  'iterations',
  'regularization',
  'regularizationExponent',
  'unobservedWeight',
  'confidence',
  'alpha',
];

const pick = (p: Record<string, unknown>) => Object.fromEntries(TUNED.filter((k) => k in p).map((k) => [k, p[k]]));

/** The shape the served model's parameters were tuned on, when they were tuned. */
function tunedShape(m: ModelManifest): Shape | null {
  const t = m.tuning as { source?: string; shape?: Shape; trials?: unknown } | undefined;
  if (!t) return null;
  if (t.shape && (t.source === 'sample' || t.source === 'served')) return t.shape;
  // the single path's tuner: it searched on (a split of) the served model's own data
  return Array.isArray(t.trials) && t.trials.length > 0 ? m.counts : null;
}

/** The served model's ALS parameters: its own, or those of the ALS under a served neural ranker (./ranker.ts). */
function servedAls(m: ModelManifest | null): Record<string, unknown> | null {
  if (m?.kind === 'als') return m.hyperParameters ?? {};
  const als = m?.kind === 'neural' ? m.hyperParameters.als : undefined;
  return als && typeof als === 'object' ? (als as Record<string, unknown>) : null;
}

/** Why the served parameters may be reused for data of `now`'s shape, or null. */
export function reuseRule(current: ModelManifest | null, now: Shape): string | null {
  if (!current || !servedAls(current)) return null;
  const was = tunedShape(current);
  if (!was) return null;
  const within = (a: number, b: number) => a <= b * SHAPE_DRIFT && b <= a * SHAPE_DRIFT && a > 0;
  if (!(within(now.users, was.users) && within(now.items, was.items) && within(now.interactions, was.interactions)))
    return null;
  return `tuned on ${was.users} users × ${was.items} items, ${was.interactions} interactions: within ${SHAPE_DRIFT}×`;
}

/** 32-bit FNV-1a of the seed and the id, as a fraction: a user's place in the sample, stable across runs. */
export function hashFraction(seed: number, id: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let q = 0; q < id.length; q++) h = Math.imul(h ^ id.charCodeAt(q), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

/** The rows of the users whose id hashes under the fraction that gives about `max` interactions. */
export function sampleUsers(all: Csr, userIds: readonly string[], max: number, seed: number) {
  const nnz = all.indptr[all.rows]!;
  const fraction = Math.min(1, max / Math.max(1, nnz));
  const rows: number[] = [];
  for (let u = 0; u < all.rows; u++) if (fraction >= 1 || hashFraction(seed, userIds[u]!) < fraction) rows.push(u);
  const indptr = new Int32Array(rows.length + 1);
  for (let r = 0; r < rows.length; r++) indptr[r + 1] = indptr[r]! + all.indptr[rows[r]! + 1]! - all.indptr[rows[r]!]!;
  const indices = new Int32Array(indptr[rows.length]!);
  const data = new Float32Array(indptr[rows.length]!);
  rows.forEach((u, r) => {
    indices.set(all.indices.subarray(all.indptr[u], all.indptr[u + 1]), indptr[r]);
    data.set(all.data.subarray(all.indptr[u], all.indptr[u + 1]), indptr[r]);
  });
  const ui: Csr = { rows: rows.length, cols: all.cols, indptr, indices, data };
  return { ui, userIds: rows.map((u) => userIds[u]!) };
}

export interface ChooseOptions {
  tune: boolean;
  seed: number;
  /** The single path's budget (ATTUNE_TRAIN_BUDGET_SECONDS): its tuning share plans the search. */
  budgetSeconds: number;
  sampleInteractions?: number;
  /** Hard stop for the search (the Lambda's deadline). */
  stop?(): boolean;
  /** The run's clock (epoch ms), for the record of when the parameters were tuned. */
  now: number;
}

/** The large path's parameters and where they came from. */
export function chooseParams(d: Dataset, all: Csr, current: ModelManifest | null, o: ChooseOptions): ParamChoice {
  const shape: Shape = { users: d.userIds.length, items: d.itemIds.length, interactions: d.pairUser.length };
  const sample = () => sampleUsers(all, d.userIds, o.sampleInteractions ?? DEFAULT_SAMPLE_INTERACTIONS, o.seed);
  return chooseParamsFrom(shape, d.itemIds, sample, current, o);
}

/** Whether {@link chooseParamsFrom} will draw the tuning sample (tuning on, no served parameters to reuse). */
export const needsSample = (current: ModelManifest | null, shape: Shape, o: Pick<ChooseOptions, 'tune'>): boolean =>
  o.tune && !(current && reuseRule(current, shape));

/**
 * {@link chooseParams} over the data's shape and its tuning sample (the users whose id hashes under
 * `sampleInteractions` / interactions: {@link sampleUsers}'s rows), drawn only when tuning needs it: Prepare
 * streams the data and collects the sample in a pass of its own.
 */
export function chooseParamsFrom(
  shape: Shape,
  itemIds: readonly string[],
  drawSample: () => { ui: Csr; userIds: string[] },
  current: ModelManifest | null,
  o: ChooseOptions,
): ParamChoice {
  const reuse = reuseRule(current, shape);
  if (current && reuse) {
    const t = current.tuning as { shape?: Shape; tunedAt?: string; from?: string } | undefined;
    const tuning = {
      source: 'served',
      reason: reuse,
      from: t?.from ?? current.version,
      tunedAt: t?.tunedAt ?? current.createdAt,
      shape: t?.shape ?? current.counts,
    };
    return { params: pick(servedAls(current)!) as Partial<AlsParams>, tuning };
  }
  if (!o.tune) {
    if (servedAls(current)) {
      const reason = 'tuning off (ATTUNE_TUNE=false): the served ALS model’s parameters';
      return { params: pick(servedAls(current)!) as Partial<AlsParams>, tuning: { source: 'served', reason } };
    }
    return { params: {}, tuning: { source: 'defaults', reason: 'tuning off (ATTUNE_TUNE=false)', shape } };
  }
  const t0 = performance.now();
  const sample = drawSample();
  const tuneSeconds = o.budgetSeconds * TUNE_SHARE;
  const r = tuneKind(
    kindSpec('als'),
    { ui: sample.ui, userIds: sample.userIds, itemIds: [...itemIds] },
    {
      seed: o.seed,
      maxTrials: SAMPLE_TRIALS,
      work: tuneSeconds * SEARCH_SHARE * NOMINAL_MADDS_PER_SECOND,
      budgetSeconds: Math.max(0.05, tuneSeconds * SAFETY_FACTOR),
      stop: o.stop,
      base: { seed: o.seed },
    },
  );
  const params = pick(r.params) as Partial<AlsParams>;
  // α0 is density-scaled: keep its ratio to the data-scaled default from the sample to all the data
  const sampleNnz = sample.ui.indptr[sample.ui.rows]!;
  const cols = shape.items;
  const atSample = alsDefaultsFor({ rows: sample.ui.rows, cols, nnz: sampleNnz }).unobservedWeight;
  const atAll = alsDefaultsFor({ rows: shape.users, cols, nnz: shape.interactions }).unobservedWeight;
  if (typeof params.unobservedWeight === 'number')
    params.unobservedWeight = Math.min(1, (params.unobservedWeight * atAll) / atSample);
  const tuning = {
    source: 'sample',
    reason: `tuned on a seeded sample of ${sample.ui.rows} users (${sampleNnz} interactions)`,
    sample: { users: sample.ui.rows, interactions: sampleNnz },
    shape,
    tunedAt: new Date(o.now).toISOString(),
    metric: 'ndcg10',
    best: r.metric,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    trials: r.log,
  };
  return { params, tuning };
}
