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
 * Memory: O(users) row pointers (to find users with pairs), the sample's rows
 * (their factor rows, their seen items), one score per item and the lists.
 */
import type { FittedModel } from '../../model/kinds';
import { TopK } from '../../math/topk';
import { EXPOSURE_MAX_USERS, evenlySpaced, exposureOfLists, type ModelExposure } from '../exposure';
import { itemPairCounts } from './cold';
import { gatherRows, readSideIndex } from './gather';
import { holdoutRows } from './holdout-sample';
import type { RunPlan } from './layout';
import type { StepDeps } from './record';
import { userShardRows } from './run-files';

/**
 * Users × items scored at most (f multiply-adds each, plus the ranker's forward passes when it is served):
 * ≈ 10-20 s at 64 factors on one quiet core. 5,000 users up to 40,000 items, 200 users at 1M.
 */
export const EXPOSURE_SCORES = 200_000_000;
/** Slots per list, as the single path's. */
const K = 10;

/** Users measured at most over a catalog of `items`: the single path's 5,000, cut by {@link EXPOSURE_SCORES}. */
export const exposureUserCap = (items: number) =>
  Math.max(1, Math.min(EXPOSURE_MAX_USERS, Math.floor(EXPOSURE_SCORES / Math.max(1, items))));

/** The measured users: evenly spaced over users with pairs (the single path's pick), at most `max`. */
export async function exposureUsers(deps: StepDeps, plan: RunPlan, max: number): Promise<Int32Array> {
  const shards = await userShardRows(deps.models, deps.scratch, plan.runId, plan.userRanges);
  let n = 0;
  for (const sh of shards) for (let r = 0; r < sh.hi - sh.lo; r++) if (sh.fullIndptr[r + 1]! > sh.fullIndptr[r]!) n++;
  const active = new Int32Array(n);
  n = 0;
  for (const sh of shards)
    for (let r = 0; r < sh.hi - sh.lo; r++) if (sh.fullIndptr[r + 1]! > sh.fullIndptr[r]!) active[n++] = sh.lo + r;
  return Int32Array.from(evenlySpaced(active, max));
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
  const users = await exposureUsers(deps, plan, exposureUserCap(items));
  const it = plan.params.iterations;
  const index = await readSideIndex(deps.models, deps.scratch, plan.runId, 'user', it);
  const where = { side: 'user' as const, iteration: it, ranges: plan.userRanges, index };
  const [rows, seen, counts] = await Promise.all([
    gatherRows(deps.models, deps.scratch, plan.runId, where, users, plan.params.factors),
    // a user's full row is their holdout's train and test parts: both are seen
    holdoutRows(deps.models, deps.scratch, plan, users),
    itemPairCounts(deps, plan),
  ]);
  const fit = await fitFor(users, rows.rows.full);
  const scores = new Float32Array(items);
  const heap = new TopK(K);
  const idx = new Int32Array(K);
  const val = new Float32Array(K);
  const lists: Int32Array[] = [];
  for (let q = 0; q < users.length; q++) {
    fit.user(q).scoreAll(scores);
    for (const part of [seen.train, seen.test])
      for (let p = part.indptr[q]!; p < part.indptr[q + 1]!; p++) scores[part.indices[p]!] = -Infinity;
    heap.reset(K);
    for (let i = 0; i < items; i++) if (scores[i]! > -Infinity) heap.push(i, scores[i]!);
    lists.push(idx.slice(0, heap.drain(idx, val)));
  }
  return exposureOfLists(lists, K, Float64Array.from(counts), data);
}
