/**
 * Bounded reads of the other side's factors. A shard step needs the other
 * side's rows only where its interactions point, plus that side's Gram
 * matrix, so it never reads (or holds) the whole side: the touched rows are
 * planned as runs of consecutive rows within one shard file (small holes
 * fetched rather than split, long runs cut into pieces), fetched by ranged
 * GETs a few at a time, and packed into a compact matrix whose row q is the
 * q-th touched row. The index file says where each shard file's rows start
 * and carries the side's Gram matrix, the sum of the shards' parts in shard
 * order (so it is the same on every machine).
 */
import type { ModelStore } from '../../ports/model-store';
import type { RowRange } from '../../workflow/shards';
import { arrayOf, arraySpan, CorruptScratchError, readBlobLayout, readRange } from './blob';
import { PROBLEMS, keys, readBlob, writeBlob, type Problem, type Side } from './layout';

export interface ReadPlan {
  /** Holes up to this many bytes between touched rows are fetched rather than split into two GETs. */
  holeBytes: number;
  /** Longest single GET; also what one request holds in memory. */
  pieceBytes: number;
  /** GETs in flight at once. */
  concurrency: number;
}

export const DEFAULT_READS: ReadPlan = { holeBytes: 64 * 1024, pieceBytes: 8 * 1024 * 1024, concurrency: 16 };

/** Rows [lo, hi) of shard file `shard`; `first` is the position of row lo among the touched rows. */
export interface RowRun {
  shard: number;
  lo: number;
  hi: number;
  first: number;
}

/** Sorted distinct values of the index arrays (the other side's rows a shard touches). */
export function touchedRows(...lists: Int32Array[]): Int32Array {
  const all = new Int32Array(lists.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of lists) {
    all.set(l, at);
    at += l.length;
  }
  all.sort();
  let w = 0;
  for (let q = 0; q < all.length; q++) if (q === 0 || all[q] !== all[q - 1]) all[w++] = all[q]!;
  return all.slice(0, w);
}

/** Position of each index in `touched` (sorted, distinct, containing every index). */
export function localIndices(indices: Int32Array, touched: Int32Array): Int32Array {
  const out = new Int32Array(indices.length);
  for (let q = 0; q < indices.length; q++) {
    const v = indices[q]!;
    let lo = 0;
    let hi = touched.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (touched[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    out[q] = lo;
  }
  return out;
}

/** Runs covering every touched row, each within one shard's range, holes ≤ holeBytes, ≤ pieceBytes long. */
export function planRuns(touched: Int32Array, ranges: RowRange[], rowBytes: number, plan: ReadPlan): RowRun[] {
  const maxHole = Math.floor(plan.holeBytes / rowBytes);
  const maxRows = Math.max(1, Math.floor(plan.pieceBytes / rowBytes));
  const runs: RowRun[] = [];
  let s = 0;
  for (let q = 0; q < touched.length; q++) {
    const r = touched[q]!;
    while (s < ranges.length && r >= ranges[s]![1]) s++;
    if (s >= ranges.length || r < ranges[s]![0]) throw new CorruptScratchError(`row ${r} is in no shard`);
    const last = runs[runs.length - 1];
    if (last && last.shard === s && r - last.hi <= maxHole && r + 1 - last.lo <= maxRows) last.hi = r + 1;
    else runs.push({ shard: s, lo: r, hi: r + 1, first: q });
  }
  return runs;
}

/** Byte offsets of each fit's rows in every shard file of a side, and the side's Gram matrices. */
export interface SideIndex {
  offsets: Record<Problem, number>[];
  gram: Record<Problem, Float64Array>;
}

/** `work(0..count-1)`, at most `concurrency` at once; results in order. */
export async function pool<T>(count: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

/** A typed view of fetched bytes (copied once when the response is not aligned for it). */
const aligned = (b: Uint8Array, width: number) => (b.byteOffset % width === 0 ? b : b.slice());
const f64 = (b: Uint8Array) => {
  const a = aligned(b, 8);
  return new Float64Array(a.buffer, a.byteOffset, a.length / 8);
};
const f32 = (b: Uint8Array) => {
  const a = aligned(b, 4);
  return new Float32Array(a.buffer, a.byteOffset, a.length / 4);
};

/**
 * Writes the index of a side's shard files after `iteration`: from each file only its header and its
 * part of the Gram matrix are read (a few KB), so the step's memory does not grow with the side.
 */
export async function writeSideIndex(
  store: ModelStore,
  scratch: string,
  runId: string,
  side: Side,
  iteration: number,
  ranges: RowRange[],
  f: number,
  plan: ReadPlan = DEFAULT_READS,
): Promise<void> {
  const k = keys(scratch, runId);
  const offsets: Record<Problem, number>[] = [];
  const gram = { eval: new Float64Array(f * f), full: new Float64Array(f * f) };
  // a batch at a time, summed in shard order: the same matrix whatever order the reads finish in,
  // and memory for one batch of Gram parts, not one per shard
  for (let s0 = 0; s0 < ranges.length; s0 += plan.concurrency) {
    const count = Math.min(plan.concurrency, ranges.length - s0);
    const parts = await pool(count, count, async (j) => {
      const s = s0 + j;
      const key = k.rows(side, iteration, s);
      const layout = await readBlobLayout(store, key);
      const rows = ranges[s]![1] - ranges[s]![0];
      const at = {} as Record<Problem, number>;
      const part = {} as Record<Problem, Float64Array>;
      for (const p of PROBLEMS) {
        at[p] = arraySpan(layout, p, 'f32', rows * f, key).start;
        const g = arraySpan(layout, `${p}Gram`, 'f64', f * f, key);
        part[p] = f64(await readRange(store, key, g.start, g.end));
      }
      return { at, part };
    });
    for (const x of parts) {
      offsets.push(x.at);
      for (const p of PROBLEMS) for (let q = 0; q < f * f; q++) gram[p][q]! += x.part[p][q]!;
    }
  }
  await writeBlob(
    store,
    k.index(side, iteration),
    { side, iteration, offsets },
    { evalGram: gram.eval, fullGram: gram.full },
  );
}

export async function readSideIndex(store: ModelStore, scratch: string, runId: string, side: Side, it: number) {
  const b = await readBlob<{ offsets: Record<Problem, number>[] }>(store, keys(scratch, runId).index(side, it));
  const index: SideIndex = {
    offsets: b.meta.offsets,
    gram: { eval: arrayOf(b, 'evalGram', Float64Array), full: arrayOf(b, 'fullGram', Float64Array) },
  };
  return index;
}

/** The touched rows of both fits of a side after `iteration`, packed; and the bytes fetched for them. */
export async function gatherRows(
  store: ModelStore,
  scratch: string,
  runId: string,
  where: { side: Side; iteration: number; ranges: RowRange[]; index: SideIndex },
  touched: Int32Array,
  f: number,
  plan: ReadPlan = DEFAULT_READS,
): Promise<{ rows: Record<Problem, Float32Array>; bytes: number; requests: number }> {
  const k = keys(scratch, runId);
  const rowBytes = f * 4;
  const runs = planRuns(touched, where.ranges, rowBytes, plan);
  const rows = { eval: new Float32Array(touched.length * f), full: new Float32Array(touched.length * f) };
  let bytes = 0;
  const jobs = runs.flatMap((run) => PROBLEMS.map((p) => ({ run, p })));
  await pool(jobs.length, plan.concurrency, async (j) => {
    const { run, p } = jobs[j]!;
    const key = k.rows(where.side, where.iteration, run.shard);
    const offsets = where.index.offsets[run.shard];
    if (!offsets) throw new CorruptScratchError(`the ${where.side} index has no shard ${run.shard}`);
    const start = offsets[p] + (run.lo - where.ranges[run.shard]![0]) * rowBytes;
    const got = f32(await readRange(store, key, start, start + (run.hi - run.lo) * rowBytes));
    bytes += got.byteLength;
    for (let q = run.first; q < touched.length && touched[q]! < run.hi; q++) {
      const at = (touched[q]! - run.lo) * f;
      rows[p].set(got.subarray(at, at + f), q * f);
    }
  });
  return { rows, bytes, requests: jobs.length };
}

/**
 * A whole side's rows of one fit after `iteration` (evaluate and publish, which hold the model anyway);
 * only the asked fit is allocated, so a step holds one copy of the side, not both fits'.
 */
export async function joinSide(
  store: ModelStore,
  scratch: string,
  runId: string,
  side: Side,
  iteration: number,
  ranges: RowRange[],
  n: number,
  f: number,
  problem: Problem,
): Promise<Float32Array> {
  const k = keys(scratch, runId);
  const all = new Float32Array(n * f);
  await pool(ranges.length, 16, async (s) => {
    const b = await readBlob(store, k.rows(side, iteration, s));
    const [lo, hi] = ranges[s]!;
    const part = arrayOf(b, problem, Float32Array);
    if (part.length !== (hi - lo) * f) throw new CorruptScratchError(`${side} shard ${s} has the wrong size`);
    all.set(part, lo * f);
  });
  return all;
}
