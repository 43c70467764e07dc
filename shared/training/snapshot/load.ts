/**
 * Where a training run's data comes from: the last snapshot plus the events
 * received since its watermark (minus a safety overlap), or a full read when
 * a rebuild is due. Called by the single training job and by the state
 * machine's prepare step alike; the caller writes the returned snapshot
 * ({@link saveTrainingSnapshot}) once it has the data in hand.
 */
import type { Erasure } from '../../ports/interactions';
import type { ModelStore } from '../../ports/model-store';
import type { ReadStats, ReadSummary, TrainingStore } from '../../ports/training';
import { DEFAULT_RATING_RANGE, type Interaction, type RatingRange } from '../../events';
import type { Dataset, UserCap } from '../dataset';
import { CorruptSnapshotError, SNAPSHOT_FORMAT, type TrainingSnapshot } from './format';
import { SnapshotMerger, type BaseIndex, type MergeOptions, type MergeStats } from './merge';
import { PartitionedRebuild, type RebuildResult, type RebuildSizes } from './rebuild';
import { newSnapshotId, openLatestSnapshot, readSnapshot, writeSnapshot, type SnapshotPointer } from './repository';
import { DEFAULT_CHUNK_PAIRS, SnapshotWriter, type OpenSnapshot } from './stream';

const MINUTE = 60_000;
const DAY = 86_400_000;

export const SNAPSHOT_DEFAULTS = {
  /**
   * Re-read this much before the watermark: an event's receivedAt is the
   * ingest function's clock when it wrote, and global indexes are eventually
   * consistent, so an event may become visible after a run that read past its
   * receive time. The overlap's events are deduped by key (ATTUNE_SNAPSHOT_OVERLAP_MINUTES sets it).
   */
  overlapMs: 10 * MINUTE,
  /** Event keys kept for dedupe: the overlap, and client retries within a day. */
  dedupeMs: DAY,
  /** A full rebuild every this many runs (0: only when needed); it also repairs older retries. */
  rebuildEvery: 24,
  /** A watermark older than this many days reads everything again instead of walking the index. */
  maxDeltaDays: 7,
} as const;

/** The configured overlap (JobConfig.snapshotOverlapMinutes) in ms; undefined: the default. */
export function overlapMsOf(c: { snapshotOverlapMinutes?: number }): number | undefined {
  const m = c.snapshotOverlapMinutes;
  return m !== undefined && Number.isFinite(m) && m >= 0 ? m * MINUTE : undefined;
}

export interface LoadOptions {
  erasures: Erasure[];
  cap?: UserCap;
  range?: RatingRange;
  /** Read everything again (on demand). */
  rebuild?: boolean;
  rebuildEvery?: number;
  overlapMs?: number;
  dedupeMs?: number;
  maxDeltaDays?: number;
  now: number;
  onWarning?: (message: string, extra: Record<string, unknown>) => void;
}

export interface TrainingData {
  dataset: Dataset;
  /** The next snapshot: write it with {@link saveTrainingSnapshot}. */
  snapshot: TrainingSnapshot;
  read: ReadSummary;
  stats: MergeStats;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Why this run must read everything, or null when snapshot + delta will do. */
function rebuildReason(base: BaseIndex, o: LoadOptions, every: number, maxDays: number): string | null {
  const h = base.header;
  if (o.rebuild) return 'rebuild requested';
  if (h.format !== SNAPSHOT_FORMAT) return `snapshot format ${h.format}, this code reads ${SNAPSHOT_FORMAT}`;
  if (!sameJson(h.cap, o.cap ?? null)) return 'the per-user cap changed';
  if (!sameJson(h.ratingRange, o.range ?? DEFAULT_RATING_RANGE)) return 'the rating range changed';
  if (every > 0 && h.runsSinceRebuild + 1 >= every) return `periodic rebuild (every ${every} runs)`;
  if (o.now - h.watermark > maxDays * DAY) return `the snapshot's watermark is more than ${maxDays} days old`;
  return null;
}

/** Where a read's events go: a merger, or (the streamed rebuild) a partitioner; each read attempt gets its own. */
interface Sink {
  add(batch: Interaction[]): void | Promise<void>;
  /** Lets go of a failed read's events (memory and scratch). */
  discard?(): Promise<void>;
}

interface EventsRead<B, K extends Sink = SnapshotMerger> {
  sink: K;
  /** The base the sink's merge is built on (null: a full read). */
  base: B | null;
  mode: ReadSummary['mode'];
  reason: string | null;
  stats: ReadStats;
}

/** The merge's options from the load's. */
function mergeOptions(o: LoadOptions): MergeOptions {
  return {
    erased: new Set(o.erasures.map((e) => e.userId)),
    cap: o.cap,
    range: o.range,
    dedupeMs: Math.max(o.dedupeMs ?? SNAPSHOT_DEFAULTS.dedupeMs, o.overlapMs ?? SNAPSHOT_DEFAULTS.overlapMs),
    erasureWatermark: o.erasures.reduce((m, e) => Math.max(m, e.erasedAt), 0),
    now: o.now,
  };
}

/**
 * The base (when snapshot + delta will do) and the events read into a sink made by `sinkFor`: the delta, or
 * everything. A read that fails discards its sink and the fallback reads into a new one, so a reader still running from the failed attempt cannot add to the next.
 */
async function readEvents<B extends BaseIndex, K extends Sink>(
  store: TrainingStore,
  o: LoadOptions,
  found: B | null,
  why: string | null,
  sinkFor: (base: B | null) => K,
): Promise<EventsRead<B, K>> {
  let reason = why;
  if (found)
    reason = rebuildReason(
      found,
      o,
      o.rebuildEvery ?? SNAPSHOT_DEFAULTS.rebuildEvery,
      o.maxDeltaDays ?? SNAPSHOT_DEFAULTS.maxDeltaDays,
    );
  const full = reason !== null;
  let base = full ? null : found;
  let sink = sinkFor(base);
  const visitor = (s: K) => (batch: Interaction[]) => s.add(batch);
  const incremental = () => {
    const h = found!.header;
    // never re-read further back than the base remembers keys for: those events would count twice
    const overlap = Math.min(o.overlapMs ?? SNAPSHOT_DEFAULTS.overlapMs, h.dedupeMs);
    return store.readReceivedSince(Math.max(0, h.watermark - overlap), visitor(sink), o.now);
  };
  let stats: ReadStats;
  let mode: ReadSummary['mode'] = full ? 'rebuild' : 'incremental';
  if (!full) stats = await incremental();
  else {
    try {
      stats = await store.readAll(visitor(sink));
    } catch (err) {
      // An export that fails or outlasts its wait must not stop training for good: a due periodic
      // rebuild waits for the next run; any other rebuild reads the table by Scan. The reason says so.
      const failed = `full read failed (${(err as Error).message})`;
      o.onWarning?.('full read failed; falling back', { error: (err as Error).message, reason });
      await sink.discard?.();
      const periodic = found !== null && reason?.startsWith('periodic');
      base = periodic ? found : null;
      sink = sinkFor(base);
      if (periodic) {
        mode = 'incremental';
        reason = `${failed}; snapshot + delta this run, the rebuild stays due`;
        stats = await incremental();
      } else {
        reason = `${reason}; ${failed}, read by Scan instead`;
        stats = await store.readAll(visitor(sink), { scan: true });
      }
    }
  }
  return { sink, base, mode, reason, stats };
}

function summary(
  r: EventsRead<unknown, Sink>,
  duplicates: number,
  snapshotPairs: number,
  watermark: number,
): ReadSummary {
  const { stats } = r;
  return {
    mode: r.mode,
    via: stats.via,
    reason: r.reason ?? 'snapshot + events since its watermark',
    itemsRead: stats.itemsRead,
    eventsRead: stats.events,
    duplicates,
    ...(stats.readUnits !== undefined ? { readUnits: stats.readUnits } : {}),
    ...(stats.index !== undefined ? { index: stats.index } : {}),
    snapshotPairs,
    watermark,
  };
}

export async function loadTrainingData(
  store: TrainingStore,
  models: ModelStore,
  snapshotPrefix: string,
  o: LoadOptions,
): Promise<TrainingData> {
  let base: TrainingSnapshot | null = null;
  let reason: string | null = 'first run: no snapshot yet';
  try {
    base = (await readSnapshot(models, snapshotPrefix))?.snapshot ?? null;
  } catch (err) {
    if (!(err instanceof CorruptSnapshotError)) throw err;
    o.onWarning?.('training snapshot unreadable; reading everything', { error: err.message });
    reason = `snapshot unreadable (${err.message})`;
  }
  const opts = mergeOptions(o);
  const r = await readEvents(store, o, base, reason, (from) => new SnapshotMerger(from, opts));
  const m = r.sink.result();
  return {
    dataset: m.dataset,
    snapshot: m.snapshot,
    stats: m.stats,
    read: summary(r, m.stats.duplicates, m.snapshot.pairUser.length, m.snapshot.header.watermark),
  };
}

export interface StreamedData {
  /** The next snapshot, written (chunks and index) but not yet committed: {@link commitSnapshot} it. */
  pointer: SnapshotPointer;
  read: ReadSummary;
  stats: MergeStats;
  /** A rebuild's partition (spill files, groups, records a ranged GET read). */
  rebuild?: RebuildResult['shape'];
}

/** A streamed read's sizes and the scratch of a rebuild's spill files. */
export interface StreamOptions {
  /** Pairs a snapshot chunk holds (./stream.ts). */
  chunkPairs?: number;
  /**
   * Where a rebuild spills (ends with '/'; a folder per read attempt under it, deleted after): the run's
   * scratch. Default: inside the new snapshot's folder, which a later commit removes if a crash leaves it.
   */
  rebuildScratch?: string;
  /** A rebuild's spill buffer and group sizes, in events (./rebuild.ts). */
  rebuildSizes?: RebuildSizes;
}

/**
 * The same read and merge as {@link loadTrainingData}, a chunk at a time: the base snapshot's chunks are
 * merged with the new events (held in memory: the delta) user by user and written as the next snapshot's
 * chunks as they fill. Holds the ids, the per-user and per-item counts, the new events and about two chunks.
 * A rebuild holds no more: its events are partitioned by user through spill files first (./rebuild.ts).
 * A base chunk that fails its check mid-way makes the run a full read, as an unreadable snapshot does.
 */
export async function streamTrainingData(
  store: TrainingStore,
  models: ModelStore,
  snapshotPrefix: string,
  o: LoadOptions & StreamOptions,
): Promise<StreamedData> {
  let open: OpenSnapshot | null = null;
  let reason: string | null = 'first run: no snapshot yet';
  try {
    open = await openLatestSnapshot(models, snapshotPrefix);
  } catch (err) {
    if (!(err instanceof CorruptSnapshotError)) throw err;
    o.onWarning?.('training snapshot unreadable; reading everything', { error: err.message });
    reason = `snapshot unreadable (${err.message})`;
  }
  const opts = mergeOptions(o);
  // at most about a chunk of merged pairs between two flushes
  const step = o.chunkPairs ?? DEFAULT_CHUNK_PAIRS;
  const rebuilds: PartitionedRebuild[] = [];
  const attempt = async (from: OpenSnapshot | null, why: string | null) => {
    const writer = new SnapshotWriter(models, snapshotPrefix, newSnapshotId(o.now), o.chunkPairs);
    const scratch = o.rebuildScratch ?? `${snapshotPrefix}${writer.id}/`;
    const r = await readEvents(store, o, from?.index ?? null, why, (base) => {
      if (base) return new SnapshotMerger(base, opts);
      const p = new PartitionedRebuild(models, `${scratch}rebuild-${rebuilds.length}/`, opts, o.rebuildSizes);
      rebuilds.push(p);
      return p;
    });
    if (r.sink instanceof PartitionedRebuild) {
      const w = await r.sink.write(writer, step);
      const pointer = await writer.finish({ header: w.header, ...w.plan, ...w.tail });
      const read = summary(r, w.stats.duplicates, writer.pairCount, w.tail.watermark);
      return { pointer, stats: w.stats, read, rebuild: w.shape };
    }
    const merger = r.sink;
    const plan = merger.begin((m) => writer.user(m));
    if (r.base) {
      for await (const chunk of from!.chunks()) {
        while (!merger.feed(chunk, step)) await writer.flush();
        await writer.flush();
      }
    }
    while (!merger.feed(null, step)) await writer.flush();
    const tail = merger.tail();
    const header = merger.header();
    const pointer = await writer.finish({ header, ...plan, recentKey: tail.recentKey, recentAt: tail.recentAt });
    const stats = merger.counts();
    return { pointer, stats, read: summary(r, stats.duplicates, writer.pairCount, tail.watermark) };
  };
  try {
    return await attempt(open, reason);
  } catch (err) {
    if (!(err instanceof CorruptSnapshotError) || open === null) throw err;
    o.onWarning?.('training snapshot chunk unreadable; reading everything', { error: err.message });
    return await attempt(null, `snapshot unreadable (${err.message})`);
  } finally {
    // every attempt's spills go, read or failed (an erased user's events must not outlive the run either)
    for (const p of rebuilds) await p.discard();
  }
}

/**
 * Writes the next snapshot and deletes the previous one: an erased user's
 * rows must not outlive the run that dropped them.
 */
export function saveTrainingSnapshot(
  models: ModelStore,
  snapshotPrefix: string,
  snapshot: TrainingSnapshot,
  now: number,
): Promise<SnapshotPointer> {
  return writeSnapshot(models, snapshotPrefix, snapshot, { keep: 1, now });
}

/** The snapshot prefix beside a model prefix: "models/" → "training/", "t1/models/" → "t1/training/". */
export function snapshotPrefixFor(modelPrefix: string): string {
  return `${modelPrefix.replace(/[^/]*\/$/, '')}training/`;
}
