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
