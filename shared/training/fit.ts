/**
 * Fitting any model kind with progress and a stop switch, and turning a fitted
 * recommender into the artifact {@link Model}. Wraps shared/math's Recommender
 * classes so the job and the CLI train exactly the same way.
 */
import type { Csr } from '../math/csr';
import { DEFAULT_ALS_PARAMS, trainAls, type AlsParams } from '../math/als';
import { DEFAULT_MF_PARAMS, trainBiasedMf, type MfParams } from '../math/mf';
import { gramian } from '../math/linalg';
import { decayedPopularity } from '../math/popularity';
import {
  AlsRecommender,
  ItemKnnRecommender,
  MfRecommender,
  UserKnnRecommender,
  createRecommender,
  type Recommender,
} from '../math/recommender';
import type { Calibration, FoldInParams, Model, ModelKind } from '../model/types';
import type { Dataset } from './dataset';

export interface FitHooks {
  /** Epoch-level progress (ALS iterations, MF epochs). */
  onEpoch?(epoch: number, loss: number | undefined): void;
  /** Polled between epochs: true ends training early with the factors so far. */
  shouldStop?(): boolean;
}

class HookedAls extends AlsRecommender {
  constructor(params: Partial<AlsParams>, private readonly hooks: FitHooks) {
    super(params);
  }
  override fit(ui: Csr): void {
    this.ui = ui;
    this.model = trainAls(ui, this.params, {
      shouldStop: this.hooks.shouldStop,
      computeLoss: Boolean(this.hooks.onEpoch),
      onProgress: (p) => this.hooks.onEpoch?.(p.iteration, p.loss),
    });
  }
}

class HookedMf extends MfRecommender {
  constructor(params: Partial<MfParams>, private readonly hooks: FitHooks) {
    super(params);
  }
  override fit(ui: Csr): void {
    this.ui = ui;
    this.model = trainBiasedMf(ui, this.params, { shouldStop: this.hooks.shouldStop, onEpoch: (e, rmse) => this.hooks.onEpoch?.(e, rmse) });
  }
}

/** A fitted recommender of `kind` on `ui`. */
export function fitRecommender(kind: ModelKind, params: Record<string, unknown>, ui: Csr, hooks: FitHooks = {}): Recommender {
  const rec =
    kind === 'als' ? new HookedAls(params as Partial<AlsParams>, hooks) : kind === 'mf' ? new HookedMf(params as Partial<MfParams>, hooks) : createRecommender(kind, params);
  rec.fit(ui);
  return rec;
}

/** The full parameter set a kind trains with (defaults filled in), for the manifest. */
export function resolvedParams(kind: ModelKind, params: Record<string, unknown>): Record<string, unknown> {
  if (kind === 'als') return { ...DEFAULT_ALS_PARAMS, ...params };
  if (kind === 'mf') return { ...DEFAULT_MF_PARAMS, ...params };
  if (kind === 'item-knn') return { k: 100, ...params };
  if (kind === 'user-knn') return { k: 50, ...params };
  return { ...params };
}

export function foldInOf(p: AlsParams): FoldInParams {
  return {
    regularization: p.regularization,
    alpha: p.alpha,
    confidence: p.confidence,
    epsilon: p.epsilon,
    unobservedWeight: p.unobservedWeight,
    regularizationExponent: p.regularizationExponent,
  };
}

/** A calibration that claims nothing: P ≈ 0.1 for every score, no bins (not measured). */
export const UNCALIBRATED: Calibration = { a: 0, b: -Math.log(9) };

export interface ArtifactInfo {
  version: string;
  createdAt: string;
  hyperParameters: Record<string, unknown>;
  metrics: Record<string, unknown>;
  calibration: Calibration;
  tuning?: Record<string, unknown>;
  note?: string;
  erasureWatermark?: number;
  /** Half-life of the popularity decay (days); Infinity = plain counts. */
  popularityHalfLifeDays: number;
}

/**
 * The artifact of a recommender fitted on all of `d` (`ui` = pairsToCsr(d)):
 * factors of its kind, the seen CSR, time-decayed popularity, fold-in params.
 */
export function toModel(rec: Recommender, d: Dataset, ui: Csr, info: ArtifactInfo): Model {
  const empty: Float32Array = new Float32Array(0);
  let factors = 0;
  let userFactors: Float32Array = empty;
  let itemFactors: Float32Array = empty;
  let foldIn: FoldInParams | undefined;
  const extra: Partial<Model> = {};
  if (rec instanceof AlsRecommender && rec.model) {
    ({ factors, userFactors, itemFactors } = rec.model);
    foldIn = foldInOf(rec.params);
    // Shipped so serving's first fold-in does not compute it (≈ 30 ms at 100k × 64).
    extra.itemGramian = gramian(itemFactors, d.itemIds.length, factors);
  } else if (rec instanceof MfRecommender && rec.model) {
    ({ factors, userFactors, itemFactors } = rec.model);
    extra.userBias = rec.model.userBias;
    extra.itemBias = rec.model.itemBias;
    extra.globalBias = rec.model.globalBias;
  } else if ((rec instanceof ItemKnnRecommender || rec instanceof UserKnnRecommender) && rec.neighbors) {
    extra.neighbors = rec.neighbors;
  }
  let newest = 0;
  for (let q = 0; q < d.pairTime.length; q++) if (d.pairTime[q] > newest) newest = d.pairTime[q];
  const halfLifeMs = info.popularityHalfLifeDays * 86_400_000;
  const popularity = decayedPopularity(d.pairItem, null, d.pairTime, d.itemIds.length, { halfLifeMs, now: newest });
  return {
    manifest: {
      formatVersion: 1,
      version: info.version,
      createdAt: info.createdAt,
      kind: rec.kind,
      factors,
      hyperParameters: { ...info.hyperParameters, popularityHalfLifeDays: info.popularityHalfLifeDays },
      counts: { users: d.userIds.length, items: d.itemIds.length, interactions: ui.indptr[ui.rows] },
      metrics: info.metrics,
      watermark: d.watermark,
      calibration: info.calibration,
      ...(foldIn ? { foldIn } : {}),
      ...(info.tuning ? { tuning: info.tuning } : {}),
      ...(info.note ? { note: info.note } : {}),
      ...(info.erasureWatermark !== undefined ? { erasureWatermark: info.erasureWatermark } : {}),
      files: {},
    },
    userIds: d.userIds,
    itemIds: d.itemIds,
    factors,
    userFactors,
    itemFactors,
    seenIndptr: ui.indptr,
    seenIndices: ui.indices,
    popularity,
    ...extra,
  };
}

/** Names of the numeric arrays of a model holding NaN or ±Infinity (empty when clean). */
export function nonFiniteParts(m: Model): string[] {
  const parts: [string, Float32Array | undefined][] = [
    ['userFactors', m.userFactors],
    ['itemFactors', m.itemFactors],
    ['userBias', m.userBias],
    ['itemBias', m.itemBias],
    ['popularity', m.popularity],
    ['neighbors', m.neighbors?.weights],
  ];
  const bad = parts.filter(([, a]) => a && a.some((x) => !Number.isFinite(x))).map(([n]) => n);
  if (m.globalBias !== undefined && !Number.isFinite(m.globalBias)) bad.push('globalBias');
  return bad;
}
