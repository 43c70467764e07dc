/**
 * The end of a distributed run: evaluate the holdout fit and judge the full
 * fit with the single path's own evaluation and gate, then publish or reject,
 * or record a failure. Each ends the run: one run record, the lease released,
 * the run's scratch deleted. Nothing is published unless Publish completes,
 * and publishing writes latest.json last (shared/model/repository.ts).
 */
import type { AlsParams } from '../../math/als';
import { foldInOf } from '../../model/kinds/als';
import { USER_SIDE_FILES } from '../../model/codec';
import { findKind, kindSpec, loadFitted, type FittedModel, type PartValue } from '../../model/kinds';
import { loadModel, newVersion } from '../../model/repository';
import { publishRun } from './publish-stream';
import type { Calibration, Model, ModelManifest } from '../../model/types';
import type { Dataset } from '../dataset';
import { USER_HISTORIES_FILE, USER_HISTORIES_INDEX_FILE } from '../../model/user-histories';
import { evaluateFitted } from '../evaluate';
import { gate } from '../gate';
import { gatherRows, joinSide, readSideIndex } from './gather';
import { sampleHoldoutFromRun } from './holdout-sample';
import { deleteRun, keys, readPlan, type RunPlan } from './layout';
import { openBlob, openData, readSlice } from './run-files';
import { foldInMetrics } from './served-gate';
import { withRanker } from './ranker';
import { readAlsColdParts } from './cold';
import { sampledExposure } from './exposure';
import { readTrainingMetadata } from '../metadata';
import { recordOutcome, type RunBase, type StepDeps, type StepSummary } from './record';

export interface Evaluation {
  pass: boolean;
  reason: string;
  metrics: Record<string, number>;
  calibration: Calibration;
  /** The gate's comparison (fold-in on sampled holdout users), when the served model was scored. */
  baselineNdcg10?: number;
  candidateNdcg10?: number;
}

/** An ALS over given factors of the run (and its cold-item ridge's files), through the kind's own loader. */
function alsOf(plan: RunPlan, users: Float32Array, items: Float32Array, parts: Record<string, PartValue> = {}) {
  const p: AlsParams = plan.params;
  const model = {
    manifest: { kind: 'als', foldIn: foldInOf(p), hyperParameters: { ...p } },
    factors: p.factors,
    userFactors: users,
    itemFactors: items,
    parts,
  } as unknown as Model;
  return kindSpec('als').load(model, {});
}

/**
 * The fitted ALS of one fit after the last iteration: the whole item side, and `users` or the whole user side;
 * the full fit with the cold-item ridge FitRanker kept for it (./cold.ts), as the single path's ALS has.
 */
async function fitted(deps: StepDeps, plan: RunPlan, problem: 'eval' | 'full', users?: Float32Array) {
  const it = plan.params.iterations;
  const f = plan.params.factors;
  const [u, items, parts] = await Promise.all([
    users ?? joinSide(deps.models, deps.scratch, plan.runId, 'user', it, plan.userRanges, plan.users, f, problem),
    joinSide(deps.models, deps.scratch, plan.runId, 'item', it, plan.itemRanges, plan.items, f, problem),
    problem === 'full' ? readAlsColdParts(deps, plan.runId) : {},
  ]);
  return alsOf(plan, u, items, parts);
}

/** The evaluation fit with only the sampled users' rows (row q: user `users[q]`), fetched by byte ranges. */
async function sampledFit(deps: StepDeps, plan: RunPlan, users: Int32Array) {
  const it = plan.params.iterations;
  const index = await readSideIndex(deps.models, deps.scratch, plan.runId, 'user', it);
  const where = { side: 'user' as const, iteration: it, ranges: plan.userRanges, index };
  const got = await gatherRows(deps.models, deps.scratch, plan.runId, where, users, plan.params.factors);
  return fitted(deps, plan, 'eval', got.rows.eval);
}

/** Whether any user row of the full fit is not finite: one shard's rows at a time. */
async function nonFiniteUserRows(deps: StepDeps, plan: RunPlan): Promise<boolean> {
  const k = keys(deps.scratch, plan.runId);
  const f = plan.params.factors;
  for (let s = 0; s < plan.userRanges.length; s++) {
    const [lo, hi] = plan.userRanges[s]!;
    const blob = await openBlob(deps.models, k.rows('user', plan.params.iterations, s));
    const rows = await readSlice(deps.models, blob, 'full', Float32Array, 0, (hi - lo) * f);
    for (let q = 0; q < rows.length; q++) if (!Number.isFinite(rows[q]!)) return true;
  }
  return false;
}

const POPULARITY_HALF_LIFE_DAYS = 14;

const base = (plan: RunPlan): RunBase => ({
  runId: plan.runId,
  startedAt: plan.startedAt,
  current: plan.servedVersion ? { version: plan.servedVersion, createdAt: plan.servedCreatedAt! } : null,
});

/**
 * The candidate as the gate reads it: its metrics and the arrays it checks for finiteness. The user rows were
 * checked a shard at a time (`badUsers`); popularity is a decayed count of finite times, finite by construction.
 */
function gateView(fit: FittedModel, e: Omit<Evaluation, 'pass' | 'reason'>, badUsers: boolean): Model {
  const a = fit.artifact();
  const empty = new Float32Array(0);
  return {
    manifest: { kind: fit.kind, metrics: e.metrics },
    userFactors: badUsers ? Float32Array.of(Number.NaN) : empty,
    itemFactors: a.itemFactors ?? empty,
    popularity: empty,
    ...(a.parts ? { parts: a.parts } : {}),
  } as unknown as Model;
}

/**
 * What Evaluate does not fetch of the served version: its user histories, and its user-side files when its kind
 * folds users in from histories (serving's rule for many users: shared/serving/model-cache.ts servingOmits).
 */
function itemSideOnly(m: ModelManifest): ReadonlySet<string> {
  const omit = new Set([USER_HISTORIES_FILE]);
  const foldsIn =
    findKind(m.kind)?.capabilities.foldIn === true &&
    m.kind !== 'neural' &&
    (m.kind !== 'als' || m.foldIn !== undefined);
  if (foldsIn && m.files?.[USER_HISTORIES_INDEX_FILE]) for (const name of USER_SIDE_FILES) omit.add(name);
  return omit;
}

/** The served version of the run's start, fitted, or why it cannot be the baseline. */
type Served = { model: Model; fit: FittedModel; note?: undefined } | { note: string; model?: undefined };

async function servedModel(deps: StepDeps, plan: RunPlan): Promise<Served> {
  if (!plan.servedVersion) return { note: 'no served model' };
  try {
    // fold-in needs the served item side only: its user rows and histories stay in the store
    const model = await loadModel(deps.models, deps.prefix, plan.servedVersion, undefined, { omit: itemSideOnly });
    return { model, fit: loadFitted(model) };
  } catch (err) {
    return { note: `the served version ${plan.servedVersion} could not be loaded (${String(err)})` };
  }
}

/**
 * Holdout metrics and calibration of the evaluation fit on a seeded sample of the holdout's users, and the
 * gate's verdict on the full fit against the served model, both folded in on the same sampled users
 * (./served-gate.ts). Reads the sample's rows and the item side only (./holdout-sample.ts): the step's memory
 * follows the catalog and the sample, not the run's interactions.
 */
export async function evaluate(deps: StepDeps, input: { runId: string }): Promise<Evaluation> {
  const t = performance.now();
  const plan = await readPlan(deps.models, deps.scratch, input.runId);
  const b = deps.config.finishBounds;
  const sample = await sampleHoldoutFromRun(deps.models, deps.scratch, plan, b?.evalUsers, undefined, b?.evalPairs);
  const { itemIds } = (await openData(deps.models, deps.scratch, plan.runId)).layout.meta;
  const als = evaluateFitted(await sampledFit(deps, plan, sample.users), {} as Dataset, sample.holdout, 10);
  als.metrics.eligibleUsers = sample.eligible;
  // the ranker FitRanker served, if any, is the candidate and its holdout numbers the run's (./ranker.ts)
  const ranked = await withRanker(deps, plan, await fitted(deps, plan, 'full', new Float32Array(0)));
  const [full, ev] = [ranked.fit, ranked.evaluated(als)];
  const bad = await nonFiniteUserRows(deps, plan);
  const model = gateView(full, ev, bad);
  // an erasure run replaces the served model whatever the metrics: no need to score it
  const served: Served = plan.erasureRun ? { note: 'erasure run' } : await servedModel(deps, plan);
  let compared: { candidate: Record<string, number>; baseline: Record<string, number> } | undefined;
  let note = served.note;
  if (served.model) {
    const kind = served.model.manifest.kind;
    let baseline: Record<string, number> | null = null;
    try {
      baseline = foldInMetrics(served.fit, served.model.itemIds, itemIds, sample.gate);
    } catch (err) {
      // a served artifact this step cannot score must not fail the run: the reason says so
      note = `the served ${kind} model could not be scored (${String(err)})`;
    }
    if (baseline) compared = { baseline, candidate: foldInMetrics(full, itemIds, itemIds, sample.gate)! };
    else note ??= `the served ${kind} model cannot fold users in`;
  }
  const current = served.model ? served.model.manifest : plan.servedVersion ? servedStub(plan) : null;
  const verdict = gate(model, current, {
    tolerance: deps.config.gateTolerance,
    erasureRun: plan.erasureRun,
    ...(compared ? { baseline: compared.baseline, candidate: compared.candidate } : {}),
    baselineName: current ? `the served ${current.kind} model` : undefined,
    baselineNote: note,
  });
  const users = compared?.baseline.evalUsers;
  const reason = compared
    ? `served model and candidate folded in on ${users} holdout users: ${verdict.reason}`
    : verdict.reason;
  deps.logger?.info('distributed training evaluated', {
    runId: plan.runId,
    ms: Math.round(performance.now() - t),
    evalUsers: sample.users.length,
    eligibleUsers: sample.eligible,
  });
  return {
    pass: verdict.pass,
    reason,
    metrics: ev.metrics,
    calibration: ev.calibration,
    ...(compared ? { baselineNdcg10: compared.baseline.ndcg10, candidateNdcg10: compared.candidate.ndcg10 } : {}),
  };
}

/** The served version as the gate names it when it could not be loaded. */
const servedStub = (plan: RunPlan) => ({ kind: 'als', version: plan.servedVersion }) as ModelManifest;

export async function publish(deps: StepDeps, input: { runId: string; evaluation: Evaluation }): Promise<StepSummary> {
  const plan = await readPlan(deps.models, deps.scratch, input.runId);
  const t = performance.now();
  const now = (deps.now ?? Date.now)();
  const e = input.evaluation;
  // the item side whole; the user side, the pairs and the histories stream a shard at a time (./publish-stream.ts)
  // ALS + the ranker when FitRanker served it (./ranker.ts): the artifact the single path publishes
  const als = await fitted(deps, plan, 'full', new Float32Array(0));
  // before the full model is loaded: the sample's id lookups are garbage by then, never held beside its ids
  const te = performance.now();
  const exposure = await publishedExposure(deps, plan, als);
  const exposureMs = Math.round(performance.now() - te);
  const ranked = await withRanker(deps, plan, als);
  const full = ranked.fit;
  const info = {
    version: newVersion(now),
    createdAt: new Date(now).toISOString(),
    metrics: e.metrics,
    calibration: e.calibration,
    tuning: ranked.tuning(plan.tuning),
    note: `distributed ALS: ${plan.userRanges.length} user and ${plan.itemRanges.length} item shards`,
    erasureWatermark: plan.erasureWatermark,
    popularityHalfLifeDays: POPULARITY_HALF_LIFE_DAYS,
    exposure,
  };
  const manifest = await publishRun(deps.models, deps.prefix, deps.scratch, plan, full, info, {
    keep: deps.config.keepVersions,
    pinned: deps.pinned,
    onWarning: (message, err) => deps.logger?.warn(message, { error: String(err) }),
    historyGroupBytes: deps.config.finishBounds?.historyGroupBytes,
    chunkPairs: deps.config.finishBounds?.chunkPairs,
  });
  const timings = { ...plan.timings, publish: Math.round(performance.now() - t), exposure: exposureMs };
  await cleanUp(deps, plan.runId);
  return recordOutcome(deps, base(plan), {
    decision: 'published',
    reason: input.evaluation.reason,
    version: manifest.version,
    metrics: input.evaluation.metrics,
    baselineNdcg10: input.evaluation.baselineNdcg10,
    counts: plan.counts,
    timings,
  });
}

/**
 * What the published model does to exposure (./exposure.ts): ALS over the sampled users' rows, or ALS + the
 * ranker when FitRanker served it; the categories' shares from the catalog as it is now (item records only).
 */
async function publishedExposure(deps: StepDeps, plan: RunPlan, als: FittedModel) {
  const items = als.artifact().itemFactors!;
  const fitFor = async (users: Int32Array, rows: Float32Array) =>
    (await withRanker(deps, plan, alsOf(plan, rows, items), users)).fit;
  const catalog = deps.metadata && { listCatalog: () => deps.metadata!.listCatalog() };
  const meta = await readTrainingMetadata(catalog, new Set());
  if (meta.warning) deps.logger?.warn(`exposure: ${meta.warning}`, { runId: plan.runId });
  const { itemIds } = (await openData(deps.models, deps.scratch, plan.runId)).layout.meta;
  return sampledExposure(deps, plan, fitFor, { itemIds, ...(meta.side ? { side: meta.side } : {}) });
}

export async function reject(deps: StepDeps, input: { runId: string; evaluation: Evaluation }): Promise<StepSummary> {
  const plan = await readPlan(deps.models, deps.scratch, input.runId);
  await cleanUp(deps, plan.runId);
  return recordOutcome(deps, base(plan), {
    decision: 'rejected',
    reason: input.evaluation.reason,
    metrics: input.evaluation.metrics,
    baselineNdcg10: input.evaluation.baselineNdcg10,
    counts: plan.counts,
    timings: plan.timings,
  });
}

/** A step failed for good (after the state machine's retries): log the run, free the lease, keep the served model. */
export async function fail(deps: StepDeps, input: { runId: string; error: unknown }): Promise<StepSummary> {
  // an unreadable plan must not stop the run being logged and the lease freed
  const plan = await readPlan(deps.models, deps.scratch, input.runId).catch(() => null);
  await cleanUp(deps, input.runId);
  const b = plan ? base(plan) : { runId: input.runId, startedAt: (deps.now ?? Date.now)(), current: null };
  return recordOutcome(deps, b, {
    decision: 'failed',
    reason: 'a distributed training step failed; nothing was published',
    ...(plan ? { counts: plan.counts, timings: plan.timings } : {}),
    error: input.error,
  });
}

async function cleanUp(deps: StepDeps, runId: string): Promise<void> {
  try {
    await deleteRun(deps.models, deps.scratch, runId);
  } catch (err) {
    // leftovers cost storage only; the bucket's lifecycle rule on the scratch prefix removes them
    deps.logger?.warn('could not delete the run scratch', { runId, error: String(err) });
  }
}
