/**
 * Ranged reads of a run's files for Evaluate and Publish, which must not hold
 * a run's interactions whole: a blob's header first (a few KB, or the id lists
 * of data.bin), then only the slices of its arrays a step asks for. The one
 * place that knows what Prepare leaves for them:
 * - data.bin: ids and counts in the header; pairs sorted by user then item, so
 *   a user shard's pairs are one contiguous slice (raw weights, times);
 * - shards/user-<s>.bin: the shard's rows of both fits (eval rows = the
 *   holdout's train part; a user's test part is the full row minus the eval row).
 */
import type { ModelStore } from '../../ports/model-store';
import type { RowRange } from '../../workflow/shards';
import { CorruptScratchError, readBlobLayout, readRange, type BlobLayout, type Numeric } from './blob';
import { keys } from './layout';

/** The element types a run file holds (the blob codec's). */
export type Typed = Numeric;
export type TypedCtor<T extends Typed> = { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number };

export interface RangedBlob<M> {
  key: string;
  layout: BlobLayout<M>;
}

/** A blob's layout from its header alone. */
export async function openBlob<M>(store: ModelStore, key: string): Promise<RangedBlob<M>> {
  return { key, layout: await readBlobLayout<M>(store, key) };
}

const KIND = new Map<unknown, string>([
  [Float32Array, 'f32'],
  [Float64Array, 'f64'],
  [Int32Array, 'i32'],
]);

/** Elements [lo, hi) of a named array of a blob, fetched by one ranged GET into an aligned buffer of their own. */
export async function readSlice<T extends Typed>(
  store: ModelStore,
  blob: RangedBlob<unknown>,
  name: string,
  type: TypedCtor<T>,
  lo: number,
  hi: number,
): Promise<T> {
  const e = blob.layout.entries.find((x) => x.name === name);
  if (!e || e.kind !== KIND.get(type) || lo < 0 || hi > e.length || hi < lo)
    throw new CorruptScratchError(`${blob.key}: array ${name} is missing, of another type or shorter than ${hi}`);
  const w = type.BYTES_PER_ELEMENT;
  const at = blob.layout.base + e.offset;
  const got = await readRange(store, blob.key, at + lo * w, at + hi * w);
  const own = got.byteOffset % w === 0 ? got : got.slice();
  return new type(own.buffer as ArrayBuffer, own.byteOffset, hi - lo);
}

/** The length of a named array (from the header). */
export function lengthOf(blob: RangedBlob<unknown>, name: string): number {
  const e = blob.layout.entries.find((x) => x.name === name);
  if (!e) throw new CorruptScratchError(`${blob.key}: array ${name} is missing`);
  return e.length;
}

export interface DataMeta {
  userIds: string[];
  itemIds: string[];
  events: number;
  erasedEvents: number;
  cappedEvents: number;
  watermark: number;
}

/** data.bin's header: the ids and counts, no pairs. */
export const openData = (store: ModelStore, scratch: string, runId: string) =>
  openBlob<DataMeta>(store, keys(scratch, runId).data);

/** One user shard's row pointers of both fits, and where its pairs start in data.bin. */
export interface UserShardRows {
  shard: number;
  lo: number;
  hi: number;
  blob: RangedBlob<unknown>;
  evalIndptr: Int32Array;
  fullIndptr: Int32Array;
  /** Position of the shard's first pair in data.bin (pairs are sorted by user). */
  pairStart: number;
}

/** Row pointers of every user shard (O(users) integers), a few shards at a time. */
export async function userShardRows(
  store: ModelStore,
  scratch: string,
  runId: string,
  ranges: RowRange[],
  concurrency = 16,
): Promise<UserShardRows[]> {
  const k = keys(scratch, runId);
  const out: UserShardRows[] = new Array(ranges.length);
  for (let s0 = 0; s0 < ranges.length; s0 += concurrency) {
    const batch = ranges.slice(s0, s0 + concurrency).map(async ([lo, hi], j) => {
      const s = s0 + j;
      const blob = await openBlob(store, k.shard('user', s));
      const [evalIndptr, fullIndptr] = await Promise.all([
        readSlice(store, blob, 'evalIndptr', Int32Array, 0, hi - lo + 1),
        readSlice(store, blob, 'fullIndptr', Int32Array, 0, hi - lo + 1),
      ]);
      out[s] = { shard: s, lo, hi, blob, evalIndptr, fullIndptr, pairStart: 0 };
    });
    await Promise.all(batch);
  }
  let at = 0;
  for (const r of out) {
    r.pairStart = at;
    at += r.fullIndptr[r.hi - r.lo]!;
  }
  return out;
}

/**
 * Runs of rows to fetch with one GET each: consecutive wanted rows merged while the
 * hole between them is at most `holeElems` entries and the run at most `maxElems`.
 */
export function coalesce(
  rows: ArrayLike<number>,
  indptr: Int32Array,
  holeElems: number,
  maxElems: number,
): { lo: number; hi: number; rows: number[] }[] {
  const runs: { lo: number; hi: number; rows: number[] }[] = [];
  for (let q = 0; q < rows.length; q++) {
    const r = rows[q]!;
    const a = indptr[r]!;
    const b = indptr[r + 1]!;
    const last = runs[runs.length - 1];
    if (last && a - last.hi <= holeElems && b - last.lo <= maxElems) {
      last.hi = b;
      last.rows.push(r);
    } else runs.push({ lo: a, hi: b, rows: [r] });
  }
  return runs;
}
