/**
 * The manifest's `exposure` block on the large path (shared/training/exposure.ts
 * on the single path): the published model's top-10 of unseen items for a
 * sample of its users, measured by the same report. The users are the ones
 * the single path measures: evenly spaced by index over the users with pairs,
 * at most {@link EXPOSURE_MAX_USERS} — fewer when users × items would pass
 * {@link EXPOSURE_SCORES}, since each measured user scores every item. The
 * pick is deterministic (no seed): on the same data both paths measure the
 * same users. Each item's interactions (the long tail, the categories'
 * shares) count every user's pairs, from the item shard files.
 *
 * Memory: O(users) row pointers (to find users with pairs), the sample's
 * factor rows (≤ 5,000 × f), one score per item, the lists, and the seen
 * items of at most `chunkPairs` pairs of data.bin at a time (Publish's read
 * unit): never the sample's whole histories.
 */
import { TopK } from '../../math/topk';
import type { FittedModel } from '../../model/kinds';
import { EXPOSURE_MAX_USERS, evenlySpaced, exposureOfLists, type ModelExposure } from '../exposure';
import { itemPairCounts } from './cold';
import { gatherRows, pool, readSideIndex } from './gather';
import type { RunPlan } from './layout';
import { CHUNK_PAIRS } from './publish-stream';
import type { StepDeps } from './record';
import { coalesce, openData, readSlice, userShardRows, type UserShardRows } from './run-files';

/**
 * Users × items scored at most (f multiply-adds each, plus the ranker's forward passes when it is served):
 * ≈ 10-20 s at 64 factors on one quiet core. 5,000 users up to 40,000 items, 200 users at 1M.
 */
export const EXPOSURE_SCORES = 200_000_000;
/** Slots per list, as the single path's. */
const K = 10;
/** Holes up to this many pairs between measured users' rows are fetched rather than split into two GETs. */
const HOLE_PAIRS = 16_384;
/** Ranged GETs in flight. */
const READS = 16;

/** Users measured at most over a catalog of `items`: the single path's 5,000, cut by {@link EXPOSURE_SCORES}. */
export const exposureUserCap = (items: number) =>
  Math.max(1, Math.min(EXPOSURE_MAX_USERS, Math.floor(EXPOSURE_SCORES / Math.max(1, items))));

/** The measured users (ascending), and the user shards' row pointers they were picked by. */
async function measuredUsers(deps: StepDeps, plan: RunPlan, max: number) {
  const shards = await userShardRows(deps.models, deps.scratch, plan.runId, plan.userRanges);
  const active: number[] = [];
  for (const sh of shards)
    for (let r = 0; r < sh.hi - sh.lo; r++) if (sh.fullIndptr[r + 1]! > sh.fullIndptr[r]!) active.push(sh.lo + r);
  return { users: Int32Array.from(evenlySpaced(active, max)), shards };
}

/** A run of data.bin's pairs holding some measured users' rows: `rows` are shard-local, `first` the first's q. */
interface Run {
  sh: UserShardRows;
  lo: number;
  hi: number;
  rows: number[];
  first: number;
}

/** The measured users' rows as runs of data.bin (at most `chunk` pairs each), in user order. */
function runsOf(shards: UserShardRows[], users: Int32Array, chunk: number): Run[] {
  const out: Run[] = [];
  let q = 0;
  for (const sh of shards) {
    const local: number[] = [];
    const first = q;
    while (q < users.length && users[q]! < sh.hi) local.push(users[q++]! - sh.lo);
    let at = first;
    for (const run of coalesce(local, sh.fullIndptr, HOLE_PAIRS, chunk)) {
      out.push({ sh, lo: run.lo, hi: run.hi, rows: run.rows, first: at });
      at += run.rows.length;
    }
  }
  return out;
}

/**
 * The published model's exposure. `fitFor` returns the model over the given users' full-fit rows (row q: user
 * `users[q]`): ALS, or ALS + the ranker FitRanker served. `data` is the run's items and catalog metadata.
 */
export async function sampledExposure(
  deps: StepDeps,
  plan: RunPlan,
  fitFor: (users: Int32Array, rows: Float32Array) => Promise<FittedModel>,
  data: { itemIds: string[]; side?: Readonly<Record<string, unknown>> },
): Promise<ModelExposure> {
  const items = plan.items;
  const chunk = deps.config.finishBounds?.chunkPairs ?? CHUNK_PAIRS;
  const { users, shards } = await measuredUsers(deps, plan, exposureUserCap(items));
  const it = plan.params.iterations;
  const index = await readSideIndex(deps.models, deps.scratch, plan.runId, 'user', it);
  const where = { side: 'user' as const, iteration: it, ranges: plan.userRanges, index };
  const rows = await gatherRows(deps.models, deps.scratch, plan.runId, where, users, plan.params.factors);
  const fit = await fitFor(users, rows.rows.full);
  const dataBin = await openData(deps.models, deps.scratch, plan.runId);
  const scores = new Float32Array(items);
  const heap = new TopK(K);
  const idx = new Int32Array(K);
  const val = new Float32Array(K);
  const lists: Int32Array[] = [];
  const runs = runsOf(shards, users, chunk);
  // a wave of runs of at most `chunk` pairs in all, read a few at a time, then its users scored
  for (let w = 0; w < runs.length; ) {
    let end = w + 1;
    let pairs = runs[w]!.hi - runs[w]!.lo;
    while (end < runs.length && pairs + runs[end]!.hi - runs[end]!.lo <= chunk)
      pairs += runs[end]!.hi - runs[end++]!.lo;
    const wave = runs.slice(w, end);
    const seen = await pool(wave.length, READS, (j) => {
      const r = wave[j]!;
      return readSlice(deps.models, dataBin, 'pairItem', Int32Array, r.sh.pairStart + r.lo, r.sh.pairStart + r.hi);
    });
    wave.forEach((r, j) => {
      r.rows.forEach((row, n) => {
        fit.user(r.first + n).scoreAll(scores);
        for (let p = r.sh.fullIndptr[row]!; p < r.sh.fullIndptr[row + 1]!; p++) scores[seen[j]![p - r.lo]!] = -Infinity;
        heap.reset(K);
        for (let i = 0; i < items; i++) if (scores[i]! > -Infinity) heap.push(i, scores[i]!);
        lists.push(idx.slice(0, heap.drain(idx, val)));
      });
    });
    w = end;
  }
  const counts = await itemPairCounts(deps, plan);
  return exposureOfLists(lists, K, Float64Array.from(counts), data);
}
