/**
 * The scheduled training job, pure orchestration over the ports (no SDK):
 * lease → freshness check → read (erased users left out) → tune/evaluate/
 * calibrate/refit (pipeline.ts) → quality gate → publish → run log. The Lambda
 * handler and `attune local invoke Train` both call {@link runTrainingJob}.
 */
import { randomBytes } from 'node:crypto';
import type { RatingRange } from '../events';
import type { ModelStore } from '../ports/model-store';
import type { ReadSummary, RunRecord, TrainingDecision, TrainingStore } from '../ports/training';
import { CorruptModelError } from '../model/codec';
import { newVersion, publishModel, readLatestManifest } from '../model/repository';
import type { ModelKind, ModelManifest } from '../model/types';
import { DEFAULT_USER_CAP, type UserCap } from './dataset';
import { gate } from './gate';
import { type MetadataSource, readTrainingMetadata } from './metadata';
import { SAFETY_FACTOR, trainPipeline } from './pipeline';
import { loadTrainingData, overlapMsOf, saveTrainingSnapshot, snapshotPrefixFor } from './snapshot/load';
import type { Experiment } from '../experiments/schema';
import { experimentModels, fitVariantKinds, kindsToTrainFor } from './variant-kinds';

export interface JobLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

export interface JobConfig {
  keepVersions: number;
  trainBudgetSeconds: number;
  gateTolerance: number;
  leaseSeconds: number;
  tune: boolean;
  /** Per-user events per window that count (default {@link DEFAULT_USER_CAP}; null: no cap). */
  userCap?: UserCap | null;
  /** The kind trained (ATTUNE_MODEL_KIND; default 'als'); 'auto' chooses among als, ease and blend per run. */
  modelKind?: ModelKind;
  /** The rating range ingest accepted (ATTUNE_RATING_MIN/MAX): a rating weighs its value, clamped to it. */
  ratingRange?: RatingRange;
  /** A full rebuild of the training snapshot every this many runs (default 24; 0: only when needed). */
  snapshotRebuildEvery?: number;
  /** Minutes a delta read re-reads before the snapshot's watermark (default 10; ATTUNE_SNAPSHOT_OVERLAP_MINUTES). */
  snapshotOverlapMinutes?: number;
}

export interface JobDeps {
  store: TrainingStore;
  models: ModelStore;
  /** Model key prefix, ending with '/'. */
  prefix: string;
  config: JobConfig;
  /** Trained model kind; overrides config.modelKind (default 'als'). */
  kind?: ModelKind;
  seed?: number;
  logger?: JobLogger;
  now?: () => number;
  leaseName?: string;
  /** Catalog and user attributes for the run (shared/training/metadata.ts); absent: trained on events alone. */
  metadata?: MetadataSource;
  /** Training snapshot prefix (default: "training/" beside the model prefix). */
  snapshotPrefix?: string;
  /** Read the whole table again (an export on AWS) instead of snapshot + delta. */
  rebuild?: boolean;
  /**
   * Hard deadline (epoch ms, on the `now` clock): the Lambda's start plus its
   * remaining time. The job plans its budget from what is left after the read,
   * keeps {@link PUBLISH_RESERVE_MS} for publishing, and no stage runs past it.
   */
  deadline?: number;
  /**
   * The A/B experiments (the table's): versions they pin survive retention, and kinds the
   * running one names are fitted and published to their channels (./variant-kinds.ts).
   */
  experiments?: () => Promise<Experiment[]>;
}

/** Time kept back from the deadline for publishing the version and writing the run log. */
export const PUBLISH_RESERVE_MS = 20_000;
/** Below this much training time before the deadline, a run does not start training. */
export const MIN_TRAIN_MS = 2_000;

export interface JobSummary {
  runId: string;
  decision: TrainingDecision;
  reason: string;
  /** The version published by this run. */
  version?: string;
  /** The version serving uses after the run (published or the previous one). */
  servedVersion?: string;
  /** Age of the served model after the run, seconds (absent when none). */
  modelAgeSeconds?: number;
  metrics?: Record<string, number>;
  /** The served configuration's nDCG@10 on the same holdout, which the gate compared against. */
  baselineNdcg10?: number;
  /** The budget the run planned for, after the deadline's cut (seconds). */
  budgetSeconds?: number;
  timings: Record<string, number>;
  counts?: RunRecord['counts'];
  read?: ReadSummary;
  /** Kinds fitted for A/B variants and the versions published to their channels. */
  variantKinds?: Record<string, string>;
}

const jsonLogger: JobLogger = {
  info: (message, extra) => console.log(JSON.stringify({ level: 'INFO', message, ...extra })),
  warn: (message, extra) => console.warn(JSON.stringify({ level: 'WARN', message, ...extra })),
};

/** Runs one training attempt; resolves to its summary, rejects (after logging the run) on failure. */
export async function runTrainingJob(deps: JobDeps): Promise<JobSummary> {
  const now = deps.now ?? Date.now;
  const log = deps.logger ?? jsonLogger;
  const leaseName = deps.leaseName ?? 'train';
  const runId = randomBytes(6).toString('hex');
  const started = now();
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const finish = async (
    s: Omit<JobSummary, 'runId' | 'timings'>,
    current: ModelManifest | null,
    error?: unknown,
  ): Promise<JobSummary> => {
    timings.total = Math.round(performance.now() - t0);
    const served = s.version ? { version: s.version, createdAt: new Date(now()).toISOString() } : current;
    const summary: JobSummary = {
      runId,
      ...s,
      servedVersion: served?.version,
      modelAgeSeconds: served ? Math.max(0, Math.round((now() - Date.parse(served.createdAt)) / 1000)) : undefined,
      timings,
    };
    const record: RunRecord = {
      runId,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(now()).toISOString(),
      decision: s.decision,
      reason: s.reason,
      timings,
      ...(summary.servedVersion ? { version: summary.servedVersion } : {}),
      ...(s.metrics ? { metrics: s.metrics } : {}),
      ...(s.counts ? { counts: s.counts } : {}),
      ...(s.read ? { read: s.read } : {}),
      ...(error ? { error: String((error as Error).message ?? error) } : {}),
    };
    try {
      await deps.store.recordRun(record);
    } catch (err) {
      log.warn('could not write the run log', { runId, error: String(err) });
    }
    log.info('training run', { ...summary, ...(record.error ? { error: record.error } : {}) });
    return summary;
  };

  if (!(await deps.store.acquireLease(leaseName, runId, deps.config.leaseSeconds, started))) {
    return finish({ decision: 'locked', reason: 'another training run holds the lease' }, null);
  }
  let current: ModelManifest | null = null;
  try {
    let s = performance.now();
    try {
      current = await readLatestManifest(deps.models, deps.prefix);
    } catch (err) {
      if (!(err instanceof CorruptModelError)) throw err;
      log.warn('served model is unreadable; training without a baseline', { error: err.message });
    }
    const erasures = await deps.store.listErasures();
    const erasureWatermark = erasures.reduce((m, e) => Math.max(m, e.erasedAt), 0);
    const newErasures = current !== null && erasureWatermark > (current.erasureWatermark ?? 0);
    let pinsUnknown: Error | null = null;
    const wanted = experimentModels(
      (await deps.experiments?.().catch((err) => {
        log.warn('experiments could not be read: no variant kinds, no retention this run', { error: String(err) });
        pinsUnknown = new Error('experiments unreadable: a pinned version could be pruned');
        return [];
      })) ?? [],
    );
    // without the pins nothing is pruned (publishModel reports it and keeps every version until the next run)
    const pinned = async () => {
      if (pinsUnknown) throw pinsUnknown;
      return wanted.pinned;
    };
    // a kind a variant names and nobody has fitted yet is reason enough to train (unless it failed on this data)
    const unfitted = current
      ? await kindsToTrainFor(
          deps.models,
          deps.prefix,
          wanted.kinds.filter((k) => k !== current?.kind),
          wanted.experiment,
        )
      : [];
    if (current) {
      const fresh = await deps.store.hasNewSince(current.watermark, now());
      timings.check = Math.round(performance.now() - s);
      if (!fresh && !newErasures && !deps.rebuild && unfitted.length === 0) {
        return await finish(
          { decision: 'skipped', reason: `nothing new since ${new Date(current.watermark).toISOString()}` },
          current,
        );
      }
    }

    s = performance.now();
    const erased = new Set(erasures.map((e) => e.userId));
    const cap = deps.config.userCap === undefined ? DEFAULT_USER_CAP : deps.config.userCap;
    const snapshotPrefix = deps.snapshotPrefix ?? snapshotPrefixFor(deps.prefix);
    const data = await loadTrainingData(deps.store, deps.models, snapshotPrefix, {
      erasures,
      cap: cap ?? undefined,
      range: deps.config.ratingRange,
      rebuild: deps.rebuild,
      rebuildEvery: deps.config.snapshotRebuildEvery,
      overlapMs: overlapMsOf(deps.config),
      now: now(),
      onWarning: (message, extra) => log.warn(message, { runId, ...extra }),
    });
    const d = data.dataset;
    // item metadata and user attributes for the kinds that use them (never required)
    const meta = await readTrainingMetadata(deps.metadata, erased);
    if (meta.warning) log.warn(meta.warning, { runId });
    if (meta.side) d.side = meta.side;
    const read = data.read;
    try {
      await saveTrainingSnapshot(deps.models, snapshotPrefix, data.snapshot, now());
    } catch (err) {
      // The previous snapshot stays consistent with the table: the next run reads from its watermark.
      log.warn('could not write the training snapshot', { runId, error: String(err) });
    }
    if (d.cappedEvents > 0)
      log.warn('events beyond the per-user cap were left out', { runId, cappedEvents: d.cappedEvents, cap });
    timings.read = Math.round(performance.now() - s);
    const counts = {
      users: d.userIds.length,
      items: d.itemIds.length,
      interactions: d.pairUser.length,
      events: d.events,
      erasedUsers: erased.size,
      itemsRead: read.itemsRead,
    };
    if (d.pairUser.length === 0) {
      return await finish({ decision: 'skipped', reason: 'no interactions to train on', counts, read }, current);
    }
    // Impressions (and repeats of events already counted) are new to the index but not to the model:
    // the snapshot's watermark moves on, the served model stays, and nothing is retrained for them.
    const idle = read.mode === 'incremental' && !newErasures && !deps.rebuild && unfitted.length === 0;
    if (current && idle && data.stats.added === 0) {
      const since = new Date(current.watermark).toISOString();
      const reason = `nothing to train on since ${since}: ${read.eventsRead} events read, none a training signal`;
      return await finish({ decision: 'skipped', reason, counts, read }, current);
    }

    // what is left of the invocation after the read, publishing reserved
    const leftMs = deps.deadline === undefined ? Infinity : deps.deadline - now() - PUBLISH_RESERVE_MS;
    if (leftMs < MIN_TRAIN_MS) {
      const reason = `only ${Math.max(0, Math.round(leftMs / 1000))} s left before the deadline after reading the data`;
      return await finish({ decision: 'failed', reason, counts, read }, current);
    }
    const budgetSeconds = Math.min(deps.config.trainBudgetSeconds, leftMs / 1000 / SAFETY_FACTOR);
    const result = trainPipeline(d, {
      kind: deps.kind ?? deps.config.modelKind ?? 'als',
      tune: deps.config.tune,
      budgetSeconds,
      stopAfterMs: leftMs,
      seed: deps.seed ?? 42,
      split: 'user',
      evaluate: true,
      // the served configuration, refit and scored on the candidate's holdout (see gate.ts)
      baseline: current && !newErasures ? { kind: current.kind, params: current.hyperParameters } : undefined,
      version: newVersion(now()),
      createdAt: new Date(now()).toISOString(),
      erasureWatermark,
    });
    Object.assign(timings, result.timings);
    delete timings.total;
    if (deps.deadline !== undefined && now() > deps.deadline - PUBLISH_RESERVE_MS / 2) {
      return await finish(
        { decision: 'failed', reason: 'training ran into the deadline; nothing published', counts, read },
        current,
      );
    }
    const verdict = gate(result.model, current, {
      tolerance: deps.config.gateTolerance,
      erasureRun: newErasures,
      baseline: result.baselineMetrics,
      baselineNote: result.baselineNote,
    });
    const base = { metrics: result.metrics, counts, read, baselineNdcg10: verdict.baseline, budgetSeconds };
    const why = [verdict.reason, result.note].filter(Boolean).join('; ');
    // kinds the running experiment names beside the one served after this run, on the same data
    const variantKinds = async (served: string | undefined) => {
      const kinds = wanted.kinds.filter((k) => k !== served);
      if (!kinds.length) return {};
      const sv = performance.now();
      const out = await fitVariantKinds(d, {
        experiment: wanted.experiment,
        onInfo: (message, extra) => log.info(message, { runId, ...extra }),
        models: deps.models,
        prefix: deps.prefix,
        kinds,
        budgetSeconds,
        leftMs: () => (deps.deadline === undefined ? Infinity : deps.deadline - now() - PUBLISH_RESERVE_MS),
        seed: deps.seed ?? 42,
        now,
        keep: deps.config.keepVersions,
        pinned,
        erasureWatermark,
        onWarning: (message, extra) => log.warn(message, { runId, ...extra }),
      });
      timings.variantKinds = Math.round(performance.now() - sv);
      return { variantKinds: out };
    };
    if (!verdict.pass) {
      const extra = await variantKinds(current?.kind);
      return await finish({ decision: 'rejected', reason: why, ...base, ...extra }, current);
    }

    s = performance.now();
    const manifest = await publishModel(deps.models, deps.prefix, result.model, {
      keep: deps.config.keepVersions,
      pinned,
      onWarning: (message, err) => log.warn(message, { error: String(err) }),
    });
    timings.publish = Math.round(performance.now() - s);
    const extra = await variantKinds(manifest.kind);
    return await finish({ decision: 'published', reason: why, version: manifest.version, ...base, ...extra }, current);
  } catch (err) {
    await finish({ decision: 'failed', reason: 'training failed' }, current, err);
    throw err;
  } finally {
    try {
      await deps.store.releaseLease(leaseName, runId);
    } catch (err) {
      // The lease expires on its own; a failed release only delays the next run.
      log.warn('could not release the training lease', { runId, error: String(err) });
    }
  }
}
