/**
 * Evaluate's holdout without the run's interactions: a seeded sample of the
 * holdout's users, read row by row from the run's files (./run-files.ts), so
 * the step holds O(users) row pointers and the sample's rows, not O(pairs).
 *
 * The holdout is the one the fits ran on: a user's eval row (in the user
 * shard file) is their train part, the rest of their full row their test
 * part. Users with both parts are eligible, as the single path's evaluation
 * counts them; the sample is the longest prefix of a seeded shuffle of them
 * within {@link EVAL_USERS} users and {@link EVAL_PAIRS} pairs, and the gate's
 * users the first {@link GATE_USERS} of the same shuffle (those sampleHoldout
 * picks: ./served-gate.ts), so the gate's users are among the evaluated ones. With the data within both bounds every
 * eligible user is evaluated, exactly as on the single path.
 */
import type { Csr } from '../../math/csr';
import { Rng } from '../../math/rng';
import type { ModelStore } from '../../ports/model-store';
import type { Holdout } from '../evaluate';
import { coalesce, openData, readSlice, userShardRows, type RangedBlob, type UserShardRows } from './run-files';
import type { RunPlan } from './layout';
import { GATE_USERS } from './served-gate';

/**
 * Holdout users Evaluate scores at most: nDCG@10's standard error over 20,000 users is ≈ 0.002
 * (per-user nDCG has a standard deviation ≤ 0.35), well inside the gate's tolerance.
 */
export const EVAL_USERS = 20_000;

/**
 * Pairs (train and test) of the sampled users at most: what the sample's rows cost Evaluate (~30 bytes a pair
 * as compact rows and their scratch), so long histories cannot make the sample as large as the data.
 */
export const EVAL_PAIRS = 2_000_000;

/** Holes up to this many pairs between wanted rows are fetched rather than split into two GETs. */
const HOLE_PAIRS = 16_384;
/** User shards whose sampled rows are read at once. */
const SHARDS_AT_ONCE = 8;
/** Pairs per GET at most (what one response holds). */
const PIECE_PAIRS = 1 << 20;

export interface SampledHoldout {
  /** Row q of the holdout is user `users[q]` (ascending). */
  users: Int32Array;
  holdout: Holdout;
  /** The same rows with the test part kept only for the gate's users. */
  gate: Holdout;
  /** Users with both a train and a test part (what was sampled from). */
  eligible: number;
}

/** A user's pairs (full row length), from the shards' row pointers. */
function rowLength(shards: UserShardRows[]) {
  let s = 0;
  return (u: number) => {
    // users come in any order: find the shard by a short walk from the last one, or a binary search
    if (u < shards[s]!.lo || u >= shards[s]!.hi) {
      let lo = 0;
      let hi = shards.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (shards[mid]!.lo <= u) lo = mid;
        else hi = mid - 1;
      }
      s = lo;
    }
    const sh = shards[s]!;
    return sh.fullIndptr[u - sh.lo + 1]! - sh.fullIndptr[u - sh.lo]!;
  };
}

interface Rows {
  trainItems: Int32Array[];
  trainWeights: Float32Array[];
  testItems: Int32Array[];
  testWeights: Float32Array[];
}

/** The sampled users' rows of one shard: eval rows from the shard file, full rows (raw weights) from data.bin. */
async function shardRows(
  store: ModelStore,
  data: RangedBlob<unknown>,
  sh: UserShardRows,
  local: number[],
  out: Rows,
  at: number,
): Promise<void> {
  const evalRuns = coalesce(local, sh.evalIndptr, HOLE_PAIRS, PIECE_PAIRS);
  const fullRuns = coalesce(local, sh.fullIndptr, HOLE_PAIRS, PIECE_PAIRS);
  const evalIdx = new Map<number, Int32Array>();
  for (const run of evalRuns) {
    const got = await readSlice(store, sh.blob, 'evalIndices', Int32Array, run.lo, run.hi);
    for (const r of run.rows) evalIdx.set(r, got.subarray(sh.evalIndptr[r]! - run.lo, sh.evalIndptr[r + 1]! - run.lo));
  }
  let q = at;
  for (const run of fullRuns) {
    const [items, weights] = await Promise.all([
      readSlice(store, data, 'pairItem', Int32Array, sh.pairStart + run.lo, sh.pairStart + run.hi),
      readSlice(store, data, 'pairWeight', Float32Array, sh.pairStart + run.lo, sh.pairStart + run.hi),
    ]);
    for (const r of run.rows) {
      const a = sh.fullIndptr[r]! - run.lo;
      const b = sh.fullIndptr[r + 1]! - run.lo;
      const train = evalIdx.get(r)!;
      const ti: number[] = [];
      const tw: number[] = [];
      const si: number[] = [];
      const sw: number[] = [];
      // both rows are sorted by item: one merge splits the full row into its two parts
      let e = 0;
      for (let p = a; p < b; p++) {
        while (e < train.length && train[e]! < items[p]!) e++;
        if (e < train.length && train[e] === items[p]) ti.push(items[p]!), tw.push(weights[p]!);
        else si.push(items[p]!), sw.push(weights[p]!);
      }
      if (ti.length !== train.length) throw new RangeError(`user ${sh.lo + r}: eval row is not part of the full row`);
      out.trainItems[q] = Int32Array.from(ti);
      out.trainWeights[q] = Float32Array.from(tw);
      out.testItems[q] = Int32Array.from(si);
      out.testWeights[q] = Float32Array.from(sw);
      q++;
    }
  }
}

function csrOf(items: Int32Array[], weights: Float32Array[], cols: number, keep?: Uint8Array): Csr {
  const rows = items.length;
  const indptr = new Int32Array(rows + 1);
  for (let r = 0; r < rows; r++) indptr[r + 1] = indptr[r]! + (keep && !keep[r] ? 0 : items[r]!.length);
  const indices = new Int32Array(indptr[rows]!);
  const data = new Float32Array(indptr[rows]!);
  for (let r = 0; r < rows; r++) {
    if (keep && !keep[r]) continue;
    indices.set(items[r]!, indptr[r]);
    data.set(weights[r]!, indptr[r]);
  }
  return { rows, cols, indptr, indices, data };
}

/** The holdout rows of `users` (ascending), a shard at a time. */
async function readRows(
  store: ModelStore,
  data: RangedBlob<unknown>,
  shards: UserShardRows[],
  users: Int32Array,
): Promise<Rows> {
  const n = users.length;
  const rows: Rows = {
    trainItems: new Array(n),
    trainWeights: new Array(n),
    testItems: new Array(n),
    testWeights: new Array(n),
  };
  const jobs: { sh: UserShardRows; local: number[]; at: number }[] = [];
  let q = 0;
  let s = 0;
  while (q < n) {
    while (users[q]! >= shards[s]!.hi) s++;
    const sh = shards[s]!;
    const job = { sh, local: [] as number[], at: q };
    while (q < n && users[q]! < sh.hi) job.local.push(users[q++]! - sh.lo);
    jobs.push(job);
  }
  // a few shards at a time (each fills its own rows): the GETs overlap, memory stays the sample's
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const j = jobs[next++]!;
      await shardRows(store, data, j.sh, j.local, rows, j.at);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SHARDS_AT_ONCE, jobs.length) }, worker));
  return rows;
}

/** The holdout's train and test rows of any users (ascending; eligible or not): the ranker's sample (./ranker.ts). */
export async function holdoutRows(store: ModelStore, scratch: string, plan: RunPlan, users: Int32Array) {
  const shards = await userShardRows(store, scratch, plan.runId, plan.userRanges);
  const rows = await readRows(store, await openData(store, scratch, plan.runId), shards, users);
  return {
    train: csrOf(rows.trainItems, rows.trainWeights, plan.items),
    test: csrOf(rows.testItems, rows.testWeights, plan.items),
  };
}

/** The seeded sample's holdout, read from the run's files. */
export async function sampleHoldoutFromRun(
  store: ModelStore,
  scratch: string,
  plan: RunPlan,
  max = EVAL_USERS,
  gateMax = GATE_USERS,
  maxPairs = EVAL_PAIRS,
): Promise<SampledHoldout> {
  const shards = await userShardRows(store, scratch, plan.runId, plan.userRanges);
  const data = await openData(store, scratch, plan.runId);
  let n = 0;
  for (const sh of shards)
    for (let r = 0; r < sh.hi - sh.lo; r++) {
      const e = sh.evalIndptr[r + 1]! - sh.evalIndptr[r]!;
      if (e > 0 && sh.fullIndptr[r + 1]! - sh.fullIndptr[r]! > e) n++;
    }
  const eligible = new Int32Array(n);
  n = 0;
  for (const sh of shards)
    for (let r = 0; r < sh.hi - sh.lo; r++) {
      const e = sh.evalIndptr[r + 1]! - sh.evalIndptr[r]!;
      if (e > 0 && sh.fullIndptr[r + 1]! - sh.fullIndptr[r]! > e) eligible[n++] = sh.lo + r;
    }
  const length = rowLength(shards);
  let pairs = 0;
  for (let q = 0; q < eligible.length && pairs <= maxPairs; q++) pairs += length(eligible[q]!);
  let users = eligible;
  let gateUsers = eligible;
  if (eligible.length > Math.min(max, gateMax) || pairs > maxPairs) {
    const order = eligible.slice();
    new Rng(plan.params.seed).shuffle(order);
    // a prefix of the shuffle within both budgets (at least one user), so the gate's prefix is inside it
    let take = 0;
    pairs = 0;
    while (take < Math.min(max, order.length) && (take === 0 || pairs + length(order[take]!) <= maxPairs))
      pairs += length(order[take++]!);
    users = take === eligible.length ? eligible : order.slice(0, take).sort();
    gateUsers = Math.min(take, gateMax) === eligible.length ? eligible : order.slice(0, Math.min(take, gateMax)).sort();
  }
  const rows = await readRows(store, data, shards, users);
  const cols = plan.items;
  const train = csrOf(rows.trainItems, rows.trainWeights, cols);
  const test = csrOf(rows.testItems, rows.testWeights, cols);
  const keep = new Uint8Array(users.length);
  for (let g = 0, u = 0; g < gateUsers.length; g++) {
    while (users[u] !== gateUsers[g]) u++;
    keep[u] = 1;
  }
  const gateTest = csrOf(rows.testItems, rows.testWeights, cols, keep);
  const none = new Int32Array(0);
  return {
    users,
    holdout: { train, test, evalUsers: users.length, testRows: none },
    gate: { train, test: gateTest, evalUsers: gateUsers.length, testRows: none },
    eligible: eligible.length,
  };
}
