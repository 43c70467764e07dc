/**
 * Prepare's layout, streamed from the run's snapshot (format 2, ../snapshot/stream.ts) a chunk at a time,
 * so Prepare's memory follows the ids and one chunk and one shard, not the interactions:
 *
 * - the shard plans come from the snapshot index's per-user and per-item pair counts;
 * - the holdout split is drawn user by user in user order from one seeded stream: exactly
 *   `makeHoldout(d, 'user', seed)` (stratifiedSplit shuffles each user's rows in that order), so the
 *   evaluation fit's rows are the single path's;
 * - a user shard is written when its last user has streamed by;
 * - the item side is an external partition: every (item, user, weight, in-train) entry goes to a spill
 *   buffer, flushed when full as one file sorted by item shard (stable, so each item's users stay in
 *   user order) with the offsets of each item shard kept; then each item shard is read back from every
 *   spill by one ranged GET each and laid out as the transpose would lay it out;
 * - the dataset file (Evaluate and Publish read it) is written by `putParts`: its columns go to small
 *   per-chunk files during the pass and are streamed into the one file afterwards.
 *
 * Every file has the bytes of the whole-data computation (test/unit/workflow/prepare-bounds.test.ts).
 */
import type { AlsParams } from '../../math/als';
import { confidences } from '../../math/confidence';
import type { Csr } from '../../math/csr';
import { Rng } from '../../math/rng';
import { roundHalfEven } from '../../math/split';
import type { ModelStore } from '../../ports/model-store';
import { planShards, type RowRange } from '../../workflow/shards';
import { Column } from '../snapshot/merge';
import type { OpenSnapshot } from '../snapshot/stream';
import { blobHead, CorruptScratchError, readRange } from './blob';
import { type keys, writeBlob } from './layout';
import { hashFraction } from './tune';

/** makeHoldout's train share (splitPairs' default ratio). */
const HOLDOUT_RATIO = 0.75;
/** Entries a spill buffer holds before it is written: 16 B each, 32 MiB (and as much again while sorting). */
export const DEFAULT_SPILL_ENTRIES = 1 << 21;

/** One user's rows as the snapshot streams them: items ascending (live numbering). */
interface UserRow {
  u: number;
  n: number;
  item: Int32Array;
  weight: Float64Array;
  time: Float64Array;
}

/** The snapshot's users in order, each with its rows (views into the current chunk). */
async function* userRows(open: OpenSnapshot): AsyncGenerator<UserRow & { chunk: number }> {
  let k = 0;
  for await (const c of open.chunks()) {
    let q = 0;
    for (let u = c.userLo; u < c.userHi; u++) {
      const q0 = q;
      while (q < c.pairUser.length && c.pairUser[q] === u) q++;
      const row = { u, n: q - q0, item: c.pairItem.subarray(q0, q), weight: c.pairWeight.subarray(q0, q) };
      yield { ...row, time: c.pairTime.subarray(q0, q), chunk: k };
    }
    k++;
  }
}

const prefixSums = (counts: Int32Array): Int32Array => {
  const out = new Int32Array(counts.length + 1);
  for (let r = 0; r < counts.length; r++) out[r + 1] = out[r]! + counts[r]!;
  return out;
};

/** The tuner's sample, {@link sampleUsers}'s rows drawn from the stream: users whose id hashes under max/nnz. */
export async function streamSample(open: OpenSnapshot, max: number, seed: number) {
  const { index } = open;
  const fraction = Math.min(1, max / Math.max(1, index.pairs));
  const userIds: string[] = [];
  const indptr = new Column(new Int32Array(1024));
  indptr.push(0);
  const indices = new Column(new Int32Array(1024));
  const data = new Column(new Float64Array(1024));
  for await (const r of userRows(open)) {
    if (!(fraction >= 1 || hashFraction(seed, index.userIds[r.u]!) < fraction)) continue;
    userIds.push(index.userIds[r.u]!);
    for (let q = 0; q < r.n; q++) {
      indices.push(r.item[q]!);
      data.push(Math.fround(r.weight[q]!));
    }
    indptr.push(indices.n);
  }
  const ui: Csr = {
    rows: userIds.length,
    cols: index.itemIds.length,
    indptr: indptr.a.slice(0, indptr.n),
    indices: indices.a.slice(0, indices.n),
    data: Float32Array.from(data.a.subarray(0, data.n)),
  };
  return { ui, userIds };
}

export interface PartitionOptions {
  params: AlsParams;
  /** The holdout's seed (makeHoldout's). */
  seed: number;
  /** Interactions per shard at most (planShards' bound). */
  perShard: number;
  spillEntries?: number;
  /** The dataset file's extra meta (counts of the read). */
  meta: { erasedEvents: number; cappedEvents: number };
}

export interface PartitionResult {
  userRanges: RowRange[];
  itemRanges: RowRange[];
  /** Spill files written (1 when everything fit one buffer). */
  spills: number;
  /** Largest buffer held at once for a shard, a spill or a chunk's columns, in bytes (for the record). */
  heldBytes: number;
}

const DATA_COLUMNS = [
  ['pairUser', 'i32'],
  ['pairItem', 'i32'],
  ['pairWeight', 'f32'],
  ['pairTime', 'f64'],
] as const;

/** Writes the run's dataset file, user and item shard files from the snapshot (see the file comment). */
export async function partitionRun(
  models: ModelStore,
  k: ReturnType<typeof keys>,
  open: OpenSnapshot,
  o: PartitionOptions,
): Promise<PartitionResult> {
  const { index } = open;
  const nUsers = index.userIds.length;
  const nItems = index.itemIds.length;
  const userIndptr = prefixSums(index.userPairs);
  const itemIndptr = prefixSums(index.itemPairs);
  if (userIndptr[nUsers] !== index.pairs || itemIndptr[nItems] !== index.pairs)
    throw new CorruptScratchError('the snapshot index counts disagree with its pairs');
  const userRanges = planShards(userIndptr, o.perShard);
  const itemRanges = planShards(itemIndptr, o.perShard);
  const itemShard = new Int32Array(nItems);
  for (const [s, [lo, hi]] of itemRanges.entries()) itemShard.fill(s, lo, hi);
  const p = o.params;
  let held = 0;

  // the dataset's columns, a file per chunk and column, joined into one file at the end
  const tmp = (col: string, chunk: number) => `${k.prefix}tmp/data-${col}-${chunk}.bin`;
  let chunks = 0;
  const cols = { pairUser: new Column(new Int32Array(1024)), pairItem: new Column(new Int32Array(1024)) };
  const wcol = new Column(new Float64Array(1024));
  const tcol = new Column(new Float64Array(1024));
  const flushColumns = async () => {
    const w = Float32Array.from(wcol.a.subarray(0, wcol.n));
    const parts = {
      pairUser: cols.pairUser.a.subarray(0, cols.pairUser.n),
      pairItem: cols.pairItem.a.subarray(0, cols.pairItem.n),
      pairWeight: w,
      pairTime: tcol.a.subarray(0, tcol.n),
    };
    for (const [name, a] of Object.entries(parts))
      await models.put(tmp(name, chunks), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    held = Math.max(held, wcol.n * 20);
    chunks++;
    cols.pairUser.n = cols.pairItem.n = wcol.n = tcol.n = 0;
  };

  // the item side's spills: (item, user, weight bits, in train) records
  const E = o.spillEntries && o.spillEntries >= 1 ? Math.floor(o.spillEntries) : DEFAULT_SPILL_ENTRIES;
  const spillBuf = new ArrayBuffer(16 * Math.max(1, Math.min(E, index.pairs)));
  const rec = new Int32Array(spillBuf);
  const recF = new Float32Array(spillBuf);
  let m = 0;
  const spills: Int32Array[] = []; // per spill: where each item shard's records start
  const spillKey = (j: number) => `${k.prefix}tmp/spill-${j}.bin`;
  const S = itemRanges.length;
  const flushSpill = async () => {
    if (m === 0) return;
    const starts = new Int32Array(S + 1);
    for (let e = 0; e < m; e++) starts[itemShard[rec[4 * e]!]! + 1]++;
    for (let s = 0; s < S; s++) starts[s + 1] += starts[s]!;
    const next = starts.slice(0, S);
    const out = new Int32Array(4 * m);
    for (let e = 0; e < m; e++) {
      const at = 4 * next[itemShard[rec[4 * e]!]!]++;
      out.set(rec.subarray(4 * e, 4 * e + 4), at);
    }
    await models.put(spillKey(spills.length), new Uint8Array(out.buffer));
    spills.push(starts);
    held = Math.max(held, 32 * m);
    m = 0;
  };

  // the user side, a shard at a time
  let s = 0;
  const shard = {
    full: new Column(new Int32Array(1024)),
    fullW: new Column(new Float64Array(1024)),
    eval: new Column(new Int32Array(1024)),
    evalW: new Column(new Float64Array(1024)),
    fullPtr: new Column(new Int32Array(1024)),
    evalPtr: new Column(new Int32Array(1024)),
  };
  shard.fullPtr.push(0);
  shard.evalPtr.push(0);
  const writeUserShard = async () => {
    const [lo, hi] = userRanges[s]!;
    const b = shard;
    const f32 = (c: Column<Float64Array>) => Float32Array.from(c.a.subarray(0, c.n));
    await writeBlob(
      models,
      k.shard('user', s),
      { side: 'user', shard: s, lo, hi, cols: nItems },
      {
        evalIndptr: b.evalPtr.a.slice(0, b.evalPtr.n),
        evalIndices: b.eval.a.slice(0, b.eval.n),
        evalConf: confidences(f32(b.evalW), p),
        fullIndptr: b.fullPtr.a.slice(0, b.fullPtr.n),
        fullIndices: b.full.a.slice(0, b.full.n),
        fullConf: confidences(f32(b.fullW), p),
      },
    );
    held = Math.max(held, b.full.n * 24);
    for (const c of [b.full, b.fullW, b.eval, b.evalW, b.fullPtr, b.evalPtr]) c.n = 0;
    b.fullPtr.push(0);
    b.evalPtr.push(0);
    s++;
  };

  const rng = new Rng(o.seed);
  let chunk = 0;
  let pairs = 0;
  let inTrain = new Uint8Array(256);
  let perm = new Int32Array(256);
  for await (const r of userRows(open)) {
    if (r.chunk !== chunk) {
      await flushColumns();
      chunk = r.chunk;
    }
    if (r.n !== index.userPairs[r.u]) throw new CorruptScratchError(`user ${r.u}: ${r.n} pairs, indexed otherwise`);
    // stratifiedSplit's draw for this user: its rows (in item order) shuffled, the first 75% to train
    if (r.n > perm.length) {
      perm = new Int32Array(r.n * 2);
      inTrain = new Uint8Array(r.n * 2);
    }
    for (let q = 0; q < r.n; q++) perm[q] = q;
    inTrain.fill(0, 0, r.n);
    if (r.n > 0) {
      rng.shuffle(perm, 0, r.n);
      const cut = roundHalfEven(HOLDOUT_RATIO * r.n);
      for (let q = 0; q < cut; q++) inTrain[perm[q]!] = 1;
    }
    for (let q = 0; q < r.n; q++) {
      const i = r.item[q]!;
      const w = Math.fround(r.weight[q]!);
      cols.pairUser.push(r.u);
      cols.pairItem.push(i);
      wcol.push(w);
      tcol.push(r.time[q]!);
      shard.full.push(i);
      shard.fullW.push(w);
      if (inTrain[q]) {
        shard.eval.push(i);
        shard.evalW.push(w);
      }
      rec[4 * m] = i;
      rec[4 * m + 1] = r.u;
      recF[4 * m + 2] = w;
      rec[4 * m + 3] = inTrain[q]!;
      if (++m === E || 4 * m === rec.length) await flushSpill();
    }
    pairs += r.n;
    shard.fullPtr.push(shard.full.n);
    shard.evalPtr.push(shard.eval.n);
    if (r.u + 1 === userRanges[s]?.[1]) await writeUserShard();
  }
  if (pairs !== index.pairs) throw new CorruptScratchError(`the snapshot streamed ${pairs} of ${index.pairs} pairs`);
  if (s !== userRanges.length) throw new CorruptScratchError(`${s} of ${userRanges.length} user shards written`);
  await flushColumns();
  await flushSpill();

  // each item shard from its segment of every spill, in spill order: each item's users stay in user order
  for (let t = 0; t < S; t++) {
    const [lo, hi] = itemRanges[t]!;
    const total = itemIndptr[hi]! - itemIndptr[lo]!;
    const recs = new Int32Array(4 * total);
    let at = 0;
    for (let j = 0; j < spills.length; j++) {
      const [a, b] = [spills[j]![t]!, spills[j]![t + 1]!];
      if (b === a) continue;
      const got = await readRange(models, spillKey(j), 16 * a, 16 * b);
      new Uint8Array(recs.buffer).set(got, 16 * at);
      at += b - a;
    }
    if (at !== total) throw new CorruptScratchError(`item shard ${t}: ${at} entries, ${total} indexed`);
    const recsF = new Float32Array(recs.buffer);
    const rows = hi - lo;
    const fullIndptr = new Int32Array(rows + 1);
    for (let r = 0; r < rows; r++) fullIndptr[r + 1] = fullIndptr[r]! + index.itemPairs[lo + r]!;
    const next = fullIndptr.slice(0, rows);
    const fullIndices = new Int32Array(total);
    const fullW = new Float32Array(total);
    const flag = new Uint8Array(total);
    for (let e = 0; e < total; e++) {
      const q = next[recs[4 * e]! - lo]!++;
      fullIndices[q] = recs[4 * e + 1]!;
      fullW[q] = recsF[4 * e + 2]!;
      flag[q] = recs[4 * e + 3]!;
    }
    const evalIndptr = new Int32Array(rows + 1);
    let ne = 0;
    for (let q = 0; q < total; q++) ne += flag[q]!;
    const evalIndices = new Int32Array(ne);
    const evalW = new Float32Array(ne);
    let w = 0;
    for (let r = 0; r < rows; r++) {
      for (let q = fullIndptr[r]!; q < fullIndptr[r + 1]!; q++)
        if (flag[q]) {
          evalIndices[w] = fullIndices[q]!;
          evalW[w++] = fullW[q]!;
        }
      evalIndptr[r + 1] = w;
    }
    await writeBlob(
      models,
      k.shard('item', t),
      { side: 'item', shard: t, lo, hi, cols: nUsers },
      {
        evalIndptr,
        evalIndices,
        evalConf: confidences(evalW, p),
        fullIndptr,
        fullIndices,
        fullConf: confidences(fullW, p),
      },
    );
    held = Math.max(held, total * 41);
  }

  // the dataset file: its head, then each column from the per-chunk files, each padded to 8 bytes
  const { userIds, itemIds, header, events } = { ...index, header: index.header };
  const meta = { userIds, itemIds, events, ...o.meta, watermark: header.watermark };
  const specs = Object.fromEntries(DATA_COLUMNS.map(([name, kind]) => [name, { kind, length: index.pairs }]));
  const { head } = blobHead(meta, specs);
  async function* dataParts() {
    yield head;
    for (const [name, kind] of DATA_COLUMNS) {
      for (let c = 0; c < chunks; c++) {
        const b = await models.get(tmp(name, c));
        if (!b) throw new CorruptScratchError(`${tmp(name, c)} is missing`);
        yield b;
      }
      const bytes = index.pairs * (kind === 'f64' ? 8 : 4);
      if (bytes % 8) yield new Uint8Array(8 - (bytes % 8));
    }
  }
  if (models.putParts) await models.putParts(k.data, dataParts(), 'application/octet-stream');
  else {
    const all: Uint8Array[] = [];
    for await (const b of dataParts()) all.push(b);
    await models.put(k.data, Buffer.concat(all), 'application/octet-stream');
  }
  const temp = await models.list(`${k.prefix}tmp/`);
  for (let q = 0; q < temp.length; q += 1000) await models.delete(temp.slice(q, q + 1000));
  return { userRanges, itemRanges, spills: spills.length, heldBytes: held };
}
