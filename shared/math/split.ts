/**
 * Seeded train/test splits over interaction rows, returned as row indices so
 * callers keep whatever row layout they have (triples, parallel arrays).
 */
import { Rng } from './rng';

export interface SplitIndices {
  train: Int32Array;
  test: Int32Array;
}

/** Python's round(): half to even, as the reference (Microsoft Recommenders) uses. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Row indices grouped by key, groups in ascending key order, rows in input order. */
function groupRows(keys: ArrayLike<number>): { order: Int32Array; starts: Int32Array } {
  let max = -1;
  for (let t = 0; t < keys.length; t++) if (keys[t] > max) max = keys[t];
  const starts = new Int32Array(max + 2);
  for (let t = 0; t < keys.length; t++) starts[keys[t] + 1]++;
  for (let g = 0; g <= max; g++) starts[g + 1] += starts[g];
  const next = starts.slice(0, max + 1);
  const order = new Int32Array(keys.length);
  for (let t = 0; t < keys.length; t++) order[next[keys[t]]++] = t;
  return { order, starts };
}

/**
 * Stratified random split with the semantics of Microsoft Recommenders'
 * `python_stratified_split`: rows are grouped by `groupKeys` (user index for a
 * per-user split, item index for per-item), each group's rows are shuffled and
 * the first round(ratio·n) go to train. Every group keeps ≈ `ratio` of its rows
 * in train. The shuffle stream is ours, so the exact rows differ from pandas'.
 */
export function stratifiedSplit(groupKeys: ArrayLike<number>, ratio: number, seed: number): SplitIndices {
  const { order, starts } = groupRows(groupKeys);
  const rng = new Rng(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (let g = 0; g + 1 < starts.length; g++) {
    const a = starts[g];
    const b = starts[g + 1];
    if (a === b) continue;
    rng.shuffle(order, a, b);
    const cut = a + roundHalfEven(ratio * (b - a));
    for (let q = a; q < b; q++) (q < cut ? train : test).push(order[q]);
  }
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/**
 * Temporal split per user: each user's oldest round(ratio·n) rows go to train,
 * the newest to test (ties in time broken by input order, so it is deterministic).
 */
export function temporalSplit(userKeys: ArrayLike<number>, timestamps: ArrayLike<number>, ratio: number): SplitIndices {
  const { order, starts } = groupRows(userKeys);
  const train: number[] = [];
  const test: number[] = [];
  for (let g = 0; g + 1 < starts.length; g++) {
    const a = starts[g];
    const b = starts[g + 1];
    const rows = Array.from(order.subarray(a, b)).sort((x, y) => timestamps[x] - timestamps[y] || x - y);
    const cut = roundHalfEven(ratio * (b - a));
    rows.forEach((row, q) => {
      (q < cut ? train : test).push(row);
    });
  }
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/** Seeded k-fold assignment: fold[t] ∈ [0, k), folds as equal as possible (Surprise's KFold idea). */
export function kFold(n: number, k: number, seed: number): Int32Array {
  const perm = new Int32Array(n);
  for (let t = 0; t < n; t++) perm[t] = t;
  new Rng(seed).shuffle(perm);
  const fold = new Int32Array(n);
  for (let q = 0; q < n; q++) fold[perm[q]] = Math.floor((q * k) / n);
  return fold;
}

/** Picks rows[idx] for each idx: a small helper to materialize a split of parallel arrays. */
export function take<T>(rows: ArrayLike<T>, idx: ArrayLike<number>): T[] {
  const out = new Array<T>(idx.length);
  for (let q = 0; q < idx.length; q++) out[q] = rows[idx[q]];
  return out;
}
