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
import { DEFAULT_RATING_RANGE, type RatingRange } from '../../events';
import type { Dataset, UserCap } from '../dataset';
import { CorruptSnapshotError, SNAPSHOT_FORMAT, type TrainingSnapshot } from './format';
import { SnapshotMerger, type BaseIndex, type MergeStats } from './merge';
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

interface EventsRead<B> {
  merger: SnapshotMerger;
  /** The base the merger was built on (null: a full read). */
  base: B | null;
  mode: ReadSummary['mode'];
  reason: string | null;
  stats: ReadStats;
}

/** The base (when snapshot + delta will do) and the events read into a merger: the delta, or everything. */
async function readEvents<B extends BaseIndex>(
  store: TrainingStore,
  o: LoadOptions,
  found: B | null,
  why: string | null,
): Promise<EventsRead<B>> {
  let reason = why;
  if (found)
    reason = rebuildReason(
      found,
      o,
      o.rebuildEvery ?? SNAPSHOT_DEFAULTS.rebuildEvery,
      o.maxDeltaDays ?? SNAPSHOT_DEFAULTS.maxDeltaDays,
    );
  const full = reason !== null;
  const erased = new Set(o.erasures.map((e) => e.userId));
  const erasureWatermark = o.erasures.reduce((m, e) => Math.max(m, e.erasedAt), 0);
  const dedupeMs = Math.max(o.dedupeMs ?? SNAPSHOT_DEFAULTS.dedupeMs, o.overlapMs ?? SNAPSHOT_DEFAULTS.overlapMs);
  const mergerFor = (from: B | null) =>
    new SnapshotMerger(from, { erased, cap: o.cap, range: o.range, dedupeMs, erasureWatermark, now: o.now });
  let base = full ? null : found;
  let merger = mergerFor(base);
  const visit = (batch: Parameters<SnapshotMerger['add']>[0]) => merger.add(batch);
  const incremental = () => {
    const h = found!.header;
    // never re-read further back than the base remembers keys for: those events would count twice
    const overlap = Math.min(o.overlapMs ?? SNAPSHOT_DEFAULTS.overlapMs, h.dedupeMs);
    return store.readReceivedSince(Math.max(0, h.watermark - overlap), visit, o.now);
  };
  let stats: ReadStats;
  let mode: ReadSummary['mode'] = full ? 'rebuild' : 'incremental';
  if (!full) stats = await incremental();
  else {
    try {
      stats = await store.readAll(visit);
    } catch (err) {
      // An export that fails or outlasts its wait must not stop training for good: a due periodic
      // rebuild waits for the next run; any other rebuild reads the table by Scan. The reason says so.
      const failed = `full read failed (${(err as Error).message})`;
      o.onWarning?.('full read failed; falling back', { error: (err as Error).message, reason });
      const periodic = found !== null && reason?.startsWith('periodic');
      base = periodic ? found : null;
      merger = mergerFor(base);
      if (periodic) {
        mode = 'incremental';
        reason = `${failed}; snapshot + delta this run, the rebuild stays due`;
        stats = await incremental();
      } else {
        reason = `${reason}; ${failed}, read by Scan instead`;
        stats = await store.readAll(visit, { scan: true });
      }
    }
  }
  return { merger, base, mode, reason, stats };
}

function summary(r: EventsRead<unknown>, duplicates: number, snapshotPairs: number, watermark: number): ReadSummary {
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
  const r = await readEvents(store, o, base, reason);
  const m = r.merger.result();
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
}

/**
 * The same read and merge as {@link loadTrainingData}, a chunk at a time: the base snapshot's chunks are
 * merged with the new events (held in memory: the delta) user by user and written as the next snapshot's
 * chunks as they fill. Holds the ids, the per-user and per-item counts, the new events and about two chunks.
 * A base chunk that fails its check mid-way makes the run a full read, as an unreadable snapshot does.
 */
export async function streamTrainingData(
  store: TrainingStore,
  models: ModelStore,
  snapshotPrefix: string,
  o: LoadOptions & { chunkPairs?: number },
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
  const attempt = async (from: OpenSnapshot | null, why: string | null) => {
    const r = await readEvents(store, o, from?.index ?? null, why);
    const writer = new SnapshotWriter(models, snapshotPrefix, newSnapshotId(o.now), o.chunkPairs);
    const plan = r.merger.begin((m) => writer.user(m));
    // at most about a chunk of merged pairs between two flushes (a rebuild merges every user at the end)
    const step = o.chunkPairs ?? DEFAULT_CHUNK_PAIRS;
    if (r.base) {
      for await (const chunk of from!.chunks()) {
        while (!r.merger.feed(chunk, step)) await writer.flush();
        await writer.flush();
      }
    }
    while (!r.merger.feed(null, step)) await writer.flush();
    const tail = r.merger.tail();
    const header = r.merger.header();
    const pointer = await writer.finish({ header, ...plan, recentKey: tail.recentKey, recentAt: tail.recentAt });
    const stats = r.merger.counts();
    return { pointer, stats, read: summary(r, stats.duplicates, writer.pairCount, tail.watermark) };
  };
  try {
    return await attempt(open, reason);
  } catch (err) {
    if (!(err instanceof CorruptSnapshotError) || open === null) throw err;
    o.onWarning?.('training snapshot chunk unreadable; reading everything', { error: err.message });
    return attempt(null, `snapshot unreadable (${err.message})`);
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
