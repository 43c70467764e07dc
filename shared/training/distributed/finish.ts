/**
 * The end of a distributed run: evaluate the holdout fit and judge the full
 * fit with the single path's own evaluation and gate, then publish or reject,
 * or record a failure. Each ends the run: one run record, the lease released,
 * the run's scratch deleted. Nothing is published unless Publish completes,
 * and publishing writes latest.json last (shared/model/repository.ts).
 */
import type { AlsParams } from '../../math/als';
import type { Csr } from '../../math/csr';
import { decayedPopularity } from '../../math/popularity';
import { foldInOf } from '../../model/kinds/als';
import { kindSpec, loadFitted, type FittedModel } from '../../model/kinds';
import { loadModel, newVersion, publishModel } from '../../model/repository';
import type { Calibration, Model, ModelManifest } from '../../model/types';
import { pairsToCsr, type Dataset } from '../dataset';
import { evaluateFitted, makeHoldout } from '../evaluate';
import { toModel } from '../fit';
import { gate } from '../gate';
import { arrayOf } from './blob';
import { joinSide } from './gather';
import { deleteRun, keys, readBlob, readPlan, type RunPlan } from './layout';
import { foldInMetrics, GATE_USERS, sampleHoldout } from './served-gate';
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

interface DataMeta {
  userIds: string[];
  itemIds: string[];
  events: number;
  erasedEvents: number;
  cappedEvents: number;
  watermark: number;
}

async function readDataset(deps: StepDeps, plan: RunPlan): Promise<Dataset> {
  const b = await readBlob<DataMeta>(deps.models, keys(deps.scratch, plan.runId).data);
  return {
    ...b.meta,
    pairUser: arrayOf(b, 'pairUser', Int32Array),
    pairItem: arrayOf(b, 'pairItem', Int32Array),
    pairWeight: arrayOf(b, 'pairWeight', Float32Array),
    pairTime: arrayOf(b, 'pairTime', Float64Array),
  };
}

/** The fitted ALS of one fit after the last iteration, through the kind's own loader. */
async function fitted(deps: StepDeps, plan: RunPlan, problem: 'eval' | 'full') {
  const it = plan.params.iterations;
  const f = plan.params.factors;
  const [users, items] = await Promise.all([
    joinSide(deps.models, deps.scratch, plan.runId, 'user', it, plan.userRanges, plan.users, f, problem),
    joinSide(deps.models, deps.scratch, plan.runId, 'item', it, plan.itemRanges, plan.items, f, problem),
  ]);
  const p: AlsParams = plan.params;
  const model = {
    manifest: { kind: 'als', foldIn: foldInOf(p), hyperParameters: { ...p } },
    factors: f,
    userFactors: users,
    itemFactors: items,
  } as unknown as Model;
  return kindSpec('als').load(model, {});
}

const POPULARITY_HALF_LIFE_DAYS = 14;

const base = (plan: RunPlan): RunBase => ({
  runId: plan.runId,
  startedAt: plan.startedAt,
  current: plan.servedVersion ? { version: plan.servedVersion, createdAt: plan.servedCreatedAt! } : null,
});

async function candidate(
  deps: StepDeps,
  plan: RunPlan,
  d: Dataset,
  all: Csr,
  e: Omit<Evaluation, 'pass' | 'reason'>,
  fit?: FittedModel,
) {
  const now = (deps.now ?? Date.now)();
  return toModel(fit ?? (await fitted(deps, plan, 'full')), d, all, {
    version: newVersion(now),
    createdAt: new Date(now).toISOString(),
    metrics: e.metrics,
    calibration: e.calibration,
    ...(plan.tuning ? { tuning: plan.tuning } : {}),
    note: `distributed ALS: ${plan.userRanges.length} user and ${plan.itemRanges.length} item shards`,
    erasureWatermark: plan.erasureWatermark,
    popularityHalfLifeDays: POPULARITY_HALF_LIFE_DAYS,
  });
}

/**
 * The candidate as the gate reads it: its metrics and the arrays it checks for finiteness (factors,
 * popularity, the kind's parts), without the artifact's seen lists and user histories, which Publish builds;
 * so Evaluate holds no copy of the interactions beyond the dataset and its holdout.
 */
function gateView(fit: FittedModel, d: Dataset, e: Omit<Evaluation, 'pass' | 'reason'>): Model {
  const a = fit.artifact();
  let newest = 0;
  for (let q = 0; q < d.pairTime.length; q++) if (d.pairTime[q]! > newest) newest = d.pairTime[q]!;
  // as toModel draws it (the same half-life as candidate's), so the finiteness verdict is the artifact's
  const popularity = decayedPopularity(d.pairItem, null, d.pairTime, d.itemIds.length, {
    halfLifeMs: POPULARITY_HALF_LIFE_DAYS * 86_400_000,
    now: newest,
  });
  const empty = new Float32Array(0);
  return {
    manifest: { kind: fit.kind, metrics: e.metrics },
    userFactors: a.userFactors ?? empty,
    itemFactors: a.itemFactors ?? empty,
    popularity,
    ...(a.parts ? { parts: a.parts } : {}),
  } as unknown as Model;
}

/** The served version of the run's start, fitted, or why it cannot be the baseline. */
type Served = { model: Model; fit: FittedModel; note?: undefined } | { note: string; model?: undefined };

async function servedModel(deps: StepDeps, plan: RunPlan): Promise<Served> {
  if (!plan.servedVersion) return { note: 'no served model' };
  try {
    const model = await loadModel(deps.models, deps.prefix, plan.servedVersion);
    return { model, fit: loadFitted(model) };
  } catch (err) {
    return { note: `the served version ${plan.servedVersion} could not be loaded (${String(err)})` };
  }
}

/**
 * Holdout metrics and calibration of the evaluation fit; the gate's verdict on the full fit against the
 * served model, both scored by fold-in on the same sampled holdout users (./served-gate.ts).
 */
export async function evaluate(deps: StepDeps, input: { runId: string }): Promise<Evaluation> {
  const t = performance.now();
  const plan = await readPlan(deps.models, deps.scratch, input.runId);
  const d = await readDataset(deps, plan);
  const h = makeHoldout(d, 'user', plan.params.seed);
  const ev = evaluateFitted(await fitted(deps, plan, 'eval'), d, h, 10);
  const full = await fitted(deps, plan, 'full');
  const model = gateView(full, d, ev);
  // an erasure run replaces the served model whatever the metrics: no need to score it
  const served: Served = plan.erasureRun ? { note: 'erasure run' } : await servedModel(deps, plan);
  let compared: { candidate: Record<string, number>; baseline: Record<string, number> } | undefined;
  let note = served.note;
  if (served.model) {
    const sample = sampleHoldout(h, GATE_USERS, plan.params.seed);
    const kind = served.model.manifest.kind;
    let baseline: Record<string, number> | null = null;
    try {
      baseline = foldInMetrics(served.fit, served.model.itemIds, d.itemIds, sample);
    } catch (err) {
      // a served artifact this step cannot score must not fail the run: the reason says so
      note = `the served ${kind} model could not be scored (${String(err)})`;
    }
    if (baseline) compared = { baseline, candidate: foldInMetrics(full, d.itemIds, d.itemIds, sample)! };
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
  deps.logger?.info('distributed training evaluated', { runId: plan.runId, ms: Math.round(performance.now() - t) });
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
  const d = await readDataset(deps, plan);
  const t = performance.now();
  const model = await candidate(deps, plan, d, pairsToCsr(d), input.evaluation);
  const manifest = await publishModel(deps.models, deps.prefix, model, {
    keep: deps.config.keepVersions,
    pinned: deps.pinned,
    onWarning: (message, err) => deps.logger?.warn(message, { error: String(err) }),
  });
  const timings = { ...plan.timings, publish: Math.round(performance.now() - t) };
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
