/**
 * The end of a distributed run: evaluate the holdout fit and judge the full
 * fit with the single path's own evaluation and gate, then publish or reject,
 * or record a failure. Each ends the run: one run record, the lease released,
 * the run's scratch deleted. Nothing is published unless Publish completes,
 * and publishing writes latest.json last (shared/model/repository.ts).
 */
import type { AlsParams } from '../../math/als';
import type { Csr } from '../../math/csr';
import { foldInOf } from '../../model/kinds/als';
import { kindSpec } from '../../model/kinds';
import { newVersion, publishModel } from '../../model/repository';
import type { Calibration, Model, ModelManifest } from '../../model/types';
import { pairsToCsr, type Dataset } from '../dataset';
import { evaluateFitted, makeHoldout } from '../evaluate';
import { toModel } from '../fit';
import { gate } from '../gate';
import { arrayOf } from './blob';
import { joinSide } from './gather';
import { deleteRun, keys, readBlob, readPlan, type RunPlan } from './layout';
import { recordOutcome, type RunBase, type StepDeps, type StepSummary } from './record';

export interface Evaluation {
  pass: boolean;
  reason: string;
  metrics: Record<string, number>;
  calibration: Calibration;
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
    joinSide(deps.models, deps.scratch, plan.runId, 'user', it, plan.userRanges, plan.users, f),
    joinSide(deps.models, deps.scratch, plan.runId, 'item', it, plan.itemRanges, plan.items, f),
  ]);
  const p: AlsParams = plan.params;
  const model = {
    manifest: { kind: 'als', foldIn: foldInOf(p), hyperParameters: { ...p } },
    factors: f,
    userFactors: users[problem],
    itemFactors: items[problem],
  } as unknown as Model;
  return kindSpec('als').load(model, {});
}

const base = (plan: RunPlan): RunBase => ({
  runId: plan.runId,
  startedAt: plan.startedAt,
  current: plan.servedVersion ? { version: plan.servedVersion, createdAt: plan.servedCreatedAt! } : null,
});

function candidate(deps: StepDeps, plan: RunPlan, d: Dataset, all: Csr, e: Omit<Evaluation, 'pass' | 'reason'>) {
  return fitted(deps, plan, 'full').then((fit) =>
    toModel(fit, d, all, {
      version: newVersion((deps.now ?? Date.now)()),
      createdAt: new Date((deps.now ?? Date.now)()).toISOString(),
      metrics: e.metrics,
      calibration: e.calibration,
      note: `distributed ALS: ${plan.userRanges.length} user and ${plan.itemRanges.length} item shards`,
      erasureWatermark: plan.erasureWatermark,
      popularityHalfLifeDays: 14,
    }),
  );
}

/** Holdout metrics and calibration of the evaluation fit; the gate's verdict on the full fit. */
export async function evaluate(deps: StepDeps, input: { runId: string }): Promise<Evaluation> {
  const t = performance.now();
  const plan = await readPlan(deps.models, deps.scratch, input.runId);
  const d = await readDataset(deps, plan);
  const h = makeHoldout(d, 'user', plan.params.seed);
  const ev = evaluateFitted(await fitted(deps, plan, 'eval'), d, h, 10);
  const model = await candidate(deps, plan, d, pairsToCsr(d), ev);
  // The single path also refits the served configuration on this holdout; here that would be a second
  // distributed loop, so the gate judges finiteness (and erasures), and the run says so.
  const served = plan.servedVersion ? ({ kind: 'als', version: plan.servedVersion } as ModelManifest) : null;
  const verdict = gate(model, served, {
    tolerance: deps.config.gateTolerance,
    erasureRun: plan.erasureRun,
    baselineNote: 'the distributed path does not refit the served configuration',
  });
  deps.logger?.info('distributed training evaluated', { runId: plan.runId, ms: Math.round(performance.now() - t) });
  return { pass: verdict.pass, reason: verdict.reason, metrics: ev.metrics, calibration: ev.calibration };
}

export async function publish(deps: StepDeps, input: { runId: string; evaluation: Evaluation }): Promise<StepSummary> {
  const plan = await readPlan(deps.models, deps.scratch, input.runId);
  const d = await readDataset(deps, plan);
  const t = performance.now();
  const model = await candidate(deps, plan, d, pairsToCsr(d), input.evaluation);
  const manifest = await publishModel(deps.models, deps.prefix, model, {
    keep: deps.config.keepVersions,
    onWarning: (message, err) => deps.logger?.warn(message, { error: String(err) }),
  });
  const timings = { ...plan.timings, publish: Math.round(performance.now() - t) };
  await cleanUp(deps, plan.runId);
  return recordOutcome(deps, base(plan), {
    decision: 'published',
    reason: input.evaluation.reason,
    version: manifest.version,
    metrics: input.evaluation.metrics,
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
