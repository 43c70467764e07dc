/**
 * The state machine's first step: pick the path, and for the large one take
 * the lease, read the data once and lay the run out in the bucket (dataset,
 * user and item shards of both fits, seeded starting factors). Everything
 * after it is a pure function of those files. Both the read (snapshot chunks
 * merged with the delta into the next snapshot's chunks; a rebuild's events
 * partitioned by user through spill files first) and the layout
 * (./partition.ts, from that snapshot) stream: Prepare holds the ids and a
 * chunk, a spill and a shard at a time, never the interactions (docs/scale.md).
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_ALS_PARAMS, type AlsParams } from '../../math/als';
import { gramian } from '../../math/linalg';
import { Rng } from '../../math/rng';
import { CorruptModelError } from '../../model/codec';
import { kindSpec } from '../../model/kinds';
import { readLatestManifest } from '../../model/repository';
import type { ModelManifest } from '../../model/types';
import { shardPairBound, type RowRange } from '../../workflow/shards';
import { DEFAULT_USER_CAP } from '../dataset';
import { MIN_ITEMS, MIN_PAIRS, MIN_USERS } from '../pipeline';
import { overlapMsOf, snapshotPrefixFor, streamTrainingData } from '../snapshot/load';
import { commitSnapshot } from '../snapshot/repository';
import { openSnapshot, type OpenSnapshot } from '../snapshot/stream';
import { writeSideIndex } from './gather';
import { partitionRun, streamSample } from './partition';
import { chooseParamsFrom, DEFAULT_SAMPLE_INTERACTIONS, needsSample } from './tune';
import { keys, writeBlob, writePlan, type RunPlan, type Side } from './layout';
import { recordOutcome, TUNE_RESERVE_MS, type StepDeps, type StepSummary } from './record';

export interface PrepareInput {
  /** true: the large path whatever the size; false: the single Lambda. Absent: by the threshold. */
  distributed?: boolean;
  /** ALS parameters over the defaults (tests, on-demand runs). */
  params?: Partial<AlsParams>;
  /** Read the whole table again (an export on AWS) instead of snapshot + delta. */
  rebuild?: boolean;
}

export type PrepareOutput =
  /** `rebuild` passes an on-demand rebuild on to the single job. */
  | { path: 'single'; reason: string; rebuild: boolean }
  | { path: 'done'; summary: StepSummary }
  | {
      path: 'large';
      runId: string;
      iteration: 0;
      iterations: number;
      userShards: number[];
      itemShards: number[];
    };

/**
 * Picks the path from the size of the last training data (the served model's
 * and the newest run's interaction counts: no read is spent on the choice).
 */
export async function prepare(
  deps: StepDeps,
  input: PrepareInput = {},
  sizes: StreamSizes = {},
): Promise<PrepareOutput> {
  const now = deps.now ?? Date.now;
  let current: ModelManifest | null = null;
  try {
    current = await readLatestManifest(deps.models, deps.prefix);
  } catch (err) {
    if (!(err instanceof CorruptModelError)) throw err;
  }
  const [last] = await deps.store.listRuns(1);
  const known = Math.max(current?.counts.interactions ?? 0, last?.counts?.interactions ?? 0);
  const threshold = deps.config.distributedMinInteractions;
  if (input.distributed === false || (input.distributed !== true && known < threshold)) {
    const reason = `${known} interactions at the last run, below ${threshold}`;
    return { path: 'single', reason, rebuild: input.rebuild === true };
  }

  const runId = randomBytes(8).toString('hex');
  const startedAt = now();
  const base = { runId, startedAt, current };
  if (!(await deps.store.acquireLease(deps.leaseName ?? 'train', runId, deps.config.leaseSeconds, startedAt))) {
    const summary = await recordOutcome(deps, base, { decision: 'locked', reason: 'another run holds the lease' });
    return { path: 'done', summary };
  }
  try {
    return await layOut(deps, base, input, sizes);
  } catch (err) {
    await recordOutcome(deps, base, { decision: 'failed', reason: 'preparing the run failed', error: err });
    throw err;
  }
}

/** Sizes of Prepare's streaming (tests shrink them to cut many chunks, spills and shards from little data). */
export interface StreamSizes {
  /** Pairs a snapshot chunk holds (../snapshot/stream.ts). */
  chunkPairs?: number;
  /** Entries an item-side spill buffer holds (./partition.ts). */
  spillEntries?: number;
  /** Events a rebuild's spill buffer and merge group hold (../snapshot/rebuild.ts); default: spillEntries's. */
  rebuildEvents?: number;
}

async function layOut(
  deps: StepDeps,
  base: { runId: string; startedAt: number; current: ModelManifest | null },
  input: PrepareInput,
  sizes: StreamSizes,
): Promise<PrepareOutput> {
  const { runId, current } = base;
  const timings: Record<string, number> = {};
  let t = performance.now();
  const erasures = await deps.store.listErasures();
  const erasureWatermark = erasures.reduce((m, e) => Math.max(m, e.erasedAt), 0);
  const erasureRun = current !== null && erasureWatermark > (current.erasureWatermark ?? 0);
  if (current && !erasureRun && !input.rebuild && !(await deps.store.hasNewSince(current.watermark, base.startedAt))) {
    const reason = `nothing new since ${new Date(current.watermark).toISOString()}`;
    return { path: 'done', summary: await recordOutcome(deps, base, { decision: 'skipped', reason }) };
  }
  // the single job's read (the last snapshot plus the events since its watermark, or a rebuild when due),
  // merged and written as the next snapshot a chunk at a time; then everything else streams from that snapshot
  const cap = deps.config.userCap === undefined ? DEFAULT_USER_CAP : deps.config.userCap;
  const snapshotPrefix = deps.snapshotPrefix ?? snapshotPrefixFor(deps.prefix);
  const rebuild = sizes.rebuildEvents ?? sizes.spillEntries;
  const read = await streamTrainingData(deps.store, deps.models, snapshotPrefix, {
    erasures,
    cap: cap ?? undefined,
    range: deps.config.ratingRange,
    rebuild: input.rebuild,
    rebuildEvery: deps.config.snapshotRebuildEvery,
    overlapMs: overlapMsOf(deps.config),
    now: base.startedAt,
    onWarning: (message, extra) => deps.logger?.warn(message, { runId, ...extra }),
    chunkPairs: sizes.chunkPairs,
    // a rebuild partitions the events by user through spill files in the run's scratch
    rebuildScratch: `${keys(deps.scratch, runId).prefix}rebuild/`,
    rebuildSizes: { spillEntries: rebuild, groupEvents: rebuild },
  });
  try {
    await commitSnapshot(deps.models, snapshotPrefix, read.pointer, 1);
  } catch (err) {
    // the previous snapshot stays in force, consistent with the table: the next run reads from its watermark
    deps.logger?.warn('could not write the training snapshot', { runId, error: String(err) });
  }
  // the snapshot's index (ids, counts, recent keys) is let go once the run's files are written
  let open: OpenSnapshot | null = await openSnapshot(deps.models, snapshotPrefix, read.pointer);
  const snapshotChunks = open.index.chunks.length;
  timings.read = Math.round(performance.now() - t);
  const counts = {
    users: open.index.userIds.length,
    items: open.index.itemIds.length,
    interactions: open.index.pairs,
    events: open.index.events,
    erasedUsers: erasures.length,
  };
  if (counts.users < MIN_USERS || counts.items < MIN_ITEMS || counts.interactions < MIN_PAIRS) {
    // too little for factors: the single job publishes popularity; it takes the lease itself
    await deps.store.releaseLease(deps.leaseName ?? 'train', runId);
    const reason = `${counts.interactions} interactions: too few to shard`;
    return { path: 'single', reason, rebuild: input.rebuild === true };
  }

  t = performance.now();
  const seed = deps.seed ?? 42;
  const stats = { users: counts.users, items: counts.items, interactions: counts.interactions };
  const tune = {
    tune: deps.config.tune,
    seed,
    budgetSeconds: deps.config.trainBudgetSeconds,
    sampleInteractions: deps.config.tuneSampleInteractions,
    now: base.startedAt,
    stop: deps.deadline === undefined ? undefined : () => Date.now() > deps.deadline! - TUNE_RESERVE_MS,
  };
  // the tuner's sample is a pass of its own over the snapshot, drawn only when the tuner will search
  let sample =
    needsSample(current, stats, tune) && !input.params
      ? await streamSample(open, tune.sampleInteractions ?? DEFAULT_SAMPLE_INTERACTIONS, seed)
      : null;
  const chosen = input.params
    ? { params: {}, tuning: { source: 'explicit', reason: 'parameters given with the execution input' } }
    : chooseParamsFrom(stats, open.index.itemIds, () => sample!, current, tune);
  timings.tune = Math.round(performance.now() - t);
  t = performance.now();
  // resolved as the single path resolves them (pipeline defaults, then the kind's fit), the choice over them
  const params: AlsParams = {
    ...DEFAULT_ALS_PARAMS,
    ...kindSpec('als').defaults(stats),
    seed,
    ...chosen.params,
    ...(input.params ?? {}),
  };
  const k = keys(deps.scratch, runId);
  // the configured shard size, cut where its worst case would not fit the shard Lambda at this f
  const mb = deps.config.shardMemoryMb;
  const perShard = Math.min(deps.config.shardInteractions, mb ? shardPairBound(mb, params.factors) : Infinity);
  const laid = await partitionRun(deps.models, k, open, {
    params,
    seed,
    perShard,
    spillEntries: sizes.spillEntries,
    meta: { erasedEvents: read.stats.erasedEvents, cappedEvents: read.stats.cappedEvents },
  });
  const { userRanges, itemRanges } = laid;
  open = sample = null;
  await writeStart(deps, k, { users: counts.users, items: counts.items }, userRanges, itemRanges, params);
  timings.partition = Math.round(performance.now() - t);
  const plan: RunPlan = {
    runId,
    startedAt: base.startedAt,
    params,
    tuning: chosen.tuning,
    users: counts.users,
    items: counts.items,
    userRanges,
    itemRanges,
    servedVersion: current?.version ?? null,
    servedCreatedAt: current?.createdAt ?? null,
    erasureWatermark,
    erasureRun,
    counts,
    timings,
  };
  await writePlan(deps.models, deps.scratch, plan);
  deps.logger?.info('distributed training prepared', {
    runId,
    userShards: userRanges.length,
    itemShards: itemRanges.length,
    shardInteractions: perShard,
    snapshotChunks,
    spills: laid.spills,
    heldBytes: laid.heldBytes,
    read: { mode: read.read.mode, reason: read.read.reason, eventsRead: read.read.eventsRead },
    ...(read.rebuild ? { rebuild: read.rebuild } : {}),
    ...counts,
  });
  return {
    path: 'large',
    runId,
    iteration: 0,
    iterations: params.iterations,
    userShards: userRanges.map((_, s) => s),
    itemShards: itemRanges.map((_, s) => s),
  };
}

/**
 * The seeded starting factors, drawn exactly as trainAls draws them (Y first, then X) but a shard at a time in
 * row order: the same stream of draws, so the same bytes, without holding either side whole. Then the items' index.
 */
async function writeStart(
  deps: StepDeps,
  k: ReturnType<typeof keys>,
  ids: { users: number; items: number },
  userRanges: RowRange[],
  itemRanges: RowRange[],
  p: AlsParams,
): Promise<void> {
  const f = p.factors;
  const rng = new Rng(p.seed);
  const scale = p.initScale / Math.sqrt(f);
  // both fits start from the same draw, as the single path's two trainAls calls do
  const rows = async (side: Side, ranges: RowRange[], n: number) => {
    let at = 0;
    for (let s = 0; s < ranges.length; s++) {
      const [lo, hi] = ranges[s]!;
      if (lo !== at) throw new RangeError(`${side} shards are not contiguous at ${lo}`);
      const part = new Float32Array((hi - lo) * f);
      for (let q = 0; q < part.length; q++) part[q] = rng.normal() * scale;
      at = hi;
      const g = gramian(part, hi - lo, f);
      const arrays = { eval: part, full: part, evalGram: g, fullGram: g };
      await writeBlob(deps.models, k.rows(side, 0, s), { side, shard: s, iteration: 0 }, arrays);
    }
    if (at !== n) throw new RangeError(`${side} shards cover ${at} of ${n} rows`);
  };
  await rows('item', itemRanges, ids.items);
  await rows('user', userRanges, ids.users);
  // the first user half-step solves against these items: their index and Gram matrix
  await writeSideIndex(deps.models, deps.scratch, k.runId, 'item', 0, itemRanges, f);
}
