/**
 * What every distributed step needs, and how a distributed run ends: one run
 * record (the same shape the single job writes, so the status page and the
 * alarms read both alike), the lease released, the summary returned.
 */
import type { ModelStore } from '../../ports/model-store';
import type { RunRecord, TrainingDecision, TrainingStore } from '../../ports/training';
import type { ModelManifest } from '../../model/types';
import type { JobConfig, JobLogger, JobSummary } from '../job';
import type { MetadataSource } from '../metadata';

export interface DistributedConfig extends JobConfig {
  /** Interactions (at the last run) from which the large path runs (ATTUNE_DISTRIBUTED_MIN_INTERACTIONS). */
  distributedMinInteractions: number;
  /** Upper bound of interactions per shard (a shard Lambda's work and memory). */
  shardInteractions: number;
  /** The shard Lambda's memory: shards are cut smaller when their worst case would not fit it at the run's f. */
  shardMemoryMb?: number;
  /** Interactions in Prepare's tuning sample (default: ./tune.ts DEFAULT_SAMPLE_INTERACTIONS). */
  tuneSampleInteractions?: number;
  /** Users in FitRanker's sample at most (default: ./ranker.ts RANKER_SAMPLE_USERS; benches). */
  rankerSampleUsers?: number;
  /** Evaluate's sample and Publish's history groups (defaults: ./holdout-sample.ts, ./publish-stream.ts). */
  finishBounds?: { evalUsers?: number; evalPairs?: number; historyGroupBytes?: number; chunkPairs?: number };
}

export interface StepDeps {
  store: TrainingStore;
  /** The model bucket: published versions under `prefix`, the runs' scratch under `scratch`. */
  models: ModelStore;
  prefix: string;
  /** Training snapshot prefix (default: "training/" beside the model prefix, as the single job's). */
  snapshotPrefix?: string;
  scratch: string;
  config: DistributedConfig;
  logger?: JobLogger;
  now?: () => number;
  seed?: number;
  leaseName?: string;
  /** The invocation's deadline (epoch ms): Prepare's tuning stops {@link TUNE_RESERVE_MS} before it. */
  deadline?: number;
  /** Versions A/B experiments pin: retention keeps them (shared/training/variant-kinds.ts). */
  pinned?: () => Promise<Iterable<string>>;
  /** Catalog and user attributes (shared/training/metadata.ts): the neural ranker's input (./ranker.ts). */
  metadata?: MetadataSource;
}

/** What Prepare keeps back from its deadline after tuning: partitioning and writing the run's files. */
export const TUNE_RESERVE_MS = 5 * 60_000;

/** A distributed run's summary: the single job's shape (the local runner and the status page read both). */
export type StepSummary = JobSummary & { path: 'distributed' };

export interface Outcome {
  decision: TrainingDecision;
  reason: string;
  version?: string;
  metrics?: Record<string, number>;
  /** The served model's nDCG@10 in the gate's comparison, when it was scored. */
  baselineNdcg10?: number;
  counts?: RunRecord['counts'];
  timings?: Record<string, number>;
  error?: unknown;
}

export interface RunBase {
  runId: string;
  startedAt: number;
  /** The served model when the run started. */
  current: Pick<ModelManifest, 'version' | 'createdAt'> | null;
}

/** Writes the run record, releases the lease (only if this run holds it) and returns the summary. */
export async function recordOutcome(deps: StepDeps, base: RunBase, o: Outcome): Promise<StepSummary> {
  const now = (deps.now ?? Date.now)();
  const timings = { ...(o.timings ?? {}), total: Math.max(0, now - base.startedAt) };
  const served = o.version ? { version: o.version, createdAt: new Date(now).toISOString() } : base.current;
  const summary: StepSummary = {
    path: 'distributed',
    runId: base.runId,
    decision: o.decision,
    reason: o.reason,
    ...(o.version ? { version: o.version } : {}),
    servedVersion: served?.version,
    modelAgeSeconds: served ? Math.max(0, Math.round((now - Date.parse(served.createdAt)) / 1000)) : undefined,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.baselineNdcg10 !== undefined ? { baselineNdcg10: o.baselineNdcg10 } : {}),
    ...(o.counts ? { counts: o.counts } : {}),
    timings,
  };
  const error = o.error === undefined ? undefined : errorText(o.error);
  const record: RunRecord = {
    runId: base.runId,
    startedAt: new Date(base.startedAt).toISOString(),
    finishedAt: new Date(now).toISOString(),
    decision: o.decision,
    reason: o.reason,
    timings,
    ...(served?.version ? { version: served.version } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.counts ? { counts: o.counts } : {}),
    ...(error ? { error } : {}),
  };
  const log = deps.logger;
  try {
    await deps.store.recordRun(record);
  } catch (err) {
    log?.warn('could not write the run log', { runId: base.runId, error: String(err) });
  }
  if (o.decision !== 'locked') {
    try {
      await deps.store.releaseLease(deps.leaseName ?? 'train', base.runId);
    } catch (err) {
      // the lease expires on its own; a failed release only delays the next run
      log?.warn('could not release the training lease', { runId: base.runId, error: String(err) });
    }
  }
  log?.info('training run', { ...summary, ...(error ? { error } : {}) });
  return summary;
}

/** An error as Step Functions hands it to a Catch ({Error, Cause}) or as thrown. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object') {
    const o = e as { Error?: unknown; Cause?: unknown };
    if (o.Error !== undefined || o.Cause !== undefined) {
      let cause = typeof o.Cause === 'string' ? o.Cause : JSON.stringify(o.Cause ?? '');
      try {
        // a Lambda's error arrives as JSON text {errorType, errorMessage, …}
        const parsed = JSON.parse(cause) as { errorMessage?: string };
        if (parsed.errorMessage) cause = parsed.errorMessage;
      } catch {
        // plain text cause
      }
      return `${String(o.Error ?? 'Error')}: ${cause}`.slice(0, 1000);
    }
  }
  return String(e);
}
