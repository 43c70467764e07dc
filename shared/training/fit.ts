/**
 * Fitting any registered model kind on a dataset, and turning a fitted model
 * into the artifact {@link Model}. The job, the CLI and the benchmarks all fit
 * through here, so they train exactly the same way.
 */
import type { Csr } from '../math/csr';
import { decayedPopularity } from '../math/popularity';
import { kindSpec, type FitOptions, type FittedModel } from '../model/kinds';
import type { Calibration, Model, ModelKind } from '../model/types';
import { encodeUserHistories, USER_HISTORIES_FILE, USER_HISTORIES_INDEX_FILE } from '../model/user-histories';
import type { Dataset } from './dataset';

export interface FitHooks {
  /** Epoch-level progress (ALS iterations, MF epochs). */
  onEpoch?(epoch: number, loss: number | undefined): void;
  /** Polled between epochs: true ends training early with the factors so far. */
  shouldStop?(): boolean;
  /** Cap on the kind's unit of work (see FitOptions.workBudget). */
  workBudget?: number;
}

/** A fitted model of `kind` on `ui` (a matrix over `d`'s users and items). */
export function fitKind(
  kind: ModelKind,
  params: Record<string, unknown>,
  ui: Csr,
  d: Pick<Dataset, 'userIds' | 'itemIds' | 'side'>,
  hooks: FitHooks = {},
): FittedModel {
  const seed = typeof params.seed === 'number' ? params.seed : 42;
  const opts: FitOptions = { seed, shouldStop: hooks.shouldStop, onEpoch: hooks.onEpoch, workBudget: hooks.workBudget };
  return kindSpec(kind).fit({ ui, userIds: d.userIds, itemIds: d.itemIds, side: d.side }, params, opts);
}

/** A calibration that claims nothing: P ≈ 0.1 for every score, no bins (not measured). */
export const UNCALIBRATED: Calibration = { a: 0, b: -Math.log(9) };

export interface ArtifactInfo {
  version: string;
  createdAt: string;
  metrics: Record<string, unknown>;
  calibration: Calibration;
  tuning?: Record<string, unknown>;
  note?: string;
  erasureWatermark?: number;
  /** Half-life of the popularity decay (days); Infinity = plain counts. */
  popularityHalfLifeDays: number;
}

/**
 * The artifact of a model fitted on all of `d` (`ui` = pairsToCsr(d)): the
 * kind's own part (factors, neighbours, files), plus what every kind ships:
 * ids, the seen CSR, time-decayed popularity (distinct users per item), and
 * every user's weighted history by bucket (serving fetches one user's by a
 * ranged read when it does not hold all users: shared/model/user-histories.ts).
 */
export function toModel(fitted: FittedModel, d: Dataset, ui: Csr, info: ArtifactInfo): Model {
  const a = fitted.artifact();
  const empty = new Float32Array(0);
  let newest = 0;
  for (let q = 0; q < d.pairTime.length; q++) if (d.pairTime[q] > newest) newest = d.pairTime[q];
  const halfLifeMs = info.popularityHalfLifeDays * 86_400_000;
  // one pair per (user, item): an item's popularity counts users, never one user's repeats
  const popularity = decayedPopularity(d.pairItem, null, d.pairTime, d.itemIds.length, { halfLifeMs, now: newest });
  const model: Model = {
    manifest: {
      formatVersion: 1,
      version: info.version,
      createdAt: info.createdAt,
      kind: fitted.kind,
      factors: a.factors,
      hyperParameters: { ...fitted.params, popularityHalfLifeDays: info.popularityHalfLifeDays },
      counts: { users: d.userIds.length, items: d.itemIds.length, interactions: ui.indptr[ui.rows] },
      metrics: info.metrics,
      watermark: d.watermark,
      calibration: info.calibration,
      ...(a.manifest ?? {}),
      ...(info.tuning ? { tuning: info.tuning } : {}),
      ...(info.note ? { note: info.note } : {}),
      ...(info.erasureWatermark !== undefined ? { erasureWatermark: info.erasureWatermark } : {}),
      files: {},
    },
    userIds: d.userIds,
    itemIds: d.itemIds,
    factors: a.factors,
    userFactors: a.userFactors ?? empty,
    itemFactors: a.itemFactors ?? empty,
    seenIndptr: ui.indptr,
    seenIndices: ui.indices,
    popularity,
  };
  if (a.userBias) model.userBias = a.userBias;
  if (a.itemBias) model.itemBias = a.itemBias;
  if (a.globalBias !== undefined) model.globalBias = a.globalBias;
  if (a.itemGramian) model.itemGramian = a.itemGramian;
  if (a.neighbors) model.neighbors = a.neighbors;
  const histories = encodeUserHistories(d.userIds, ui);
  model.parts = {
    ...(a.parts ?? {}),
    [USER_HISTORIES_FILE]: histories.body,
    [USER_HISTORIES_INDEX_FILE]: histories.index,
  };
  return model;
}

/** Names of the numeric arrays of a model holding NaN or ±Infinity (empty when clean). */
export function nonFiniteParts(m: Model): string[] {
  const parts: [string, unknown][] = [
    ['userFactors', m.userFactors],
    ['itemFactors', m.itemFactors],
    ['userBias', m.userBias],
    ['itemBias', m.itemBias],
    ['popularity', m.popularity],
    ['neighbors', m.neighbors?.weights],
    ...Object.entries(m.parts ?? {}),
  ];
  const bad = parts
    .filter(([, a]) => (a instanceof Float32Array || a instanceof Float64Array) && a.some((x) => !Number.isFinite(x)))
    .map(([n]) => n);
  if (m.globalBias !== undefined && !Number.isFinite(m.globalBias)) bad.push('globalBias');
  return bad;
}
