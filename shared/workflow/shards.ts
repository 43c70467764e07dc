/**
 * Shard planning for the distributed ALS path: contiguous row ranges whose
 * interaction counts stay under a bound, so every shard Lambda does about the
 * same work and fits its memory. Pure; the same plan on every machine.
 */

/** Rows [lo, hi) of one shard. */
export type RowRange = [lo: number, hi: number];

/**
 * Splits rows 0..indptr.length-2 into contiguous ranges of at most
 * `maxNnz` interactions each (a single row above the bound gets a shard of its
 * own) and at most `maxShards` ranges (the bound is raised to fit). Never
 * returns an empty range; zero rows give no shards.
 */
export function planShards(indptr: Int32Array, maxNnz: number, maxShards = 10_000): RowRange[] {
  const rows = indptr.length - 1;
  if (rows <= 0) return [];
  const nnz = indptr[rows];
  // Greedy packing: any two neighbouring shards hold more than `bound` together, so
  // shards ≤ 2·nnz/bound + 1; this bound keeps that at maxShards.
  const fit = maxShards > 1 ? Math.ceil((2 * nnz) / (maxShards - 1)) : Infinity;
  const bound = Math.max(1, Math.floor(maxNnz), fit);
  const out: RowRange[] = [];
  let lo = 0;
  for (let r = 0; r < rows; r++) {
    // close the shard before a row that would push it over the bound
    if (r > lo && indptr[r + 1] - indptr[lo] > bound) {
      out.push([lo, r]);
      lo = r;
    }
  }
  out.push([lo, rows]);
  return out;
}

/**
 * Bytes a shard step holds per interaction of its shard in the worst case, at f factors: its rows of
 * both fits' CSRs and their remapped indices (≈ 40 B), its own rows read, solved and written (24·f B
 * a row) and the other side's rows it touches, packed (8·f B a row), with one own and one touched row
 * per interaction at most (docs/scale.md).
 */
export const shardBytesPerPair = (f: number): number => 40 + 32 * f;

/** A shard step's fixed memory: the runtime and its ranged reads in flight (16 × 8 MiB). */
export const SHARD_FIXED_BYTES = 228 * 2 ** 20;

/** Interactions per shard whose worst case fits a shard Lambda of `memoryMb` at f factors. */
export function shardPairBound(memoryMb: number, f: number): number {
  return Math.max(1000, Math.floor((memoryMb * 2 ** 20 - SHARD_FIXED_BYTES) / shardBytesPerPair(f)));
}
