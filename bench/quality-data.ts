/** MovieLens 100K loading for the quality bench: read in place, never copied. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AlsParams, DEFAULT_ALS_PARAMS } from '../shared/math/als';
import { csrFromTriples, type Csr } from '../shared/math/csr';

export interface Ratings {
  users: number;
  items: number;
  user: Int32Array;
  item: Int32Array;
  rating: Float32Array;
  time: Float64Array;
}

/** Parses u.data (user, item, rating, unix time; tab-separated) into 0-based dense indices. */
export function loadMl100k(dir: string): Ratings {
  const text = readFileSync(join(dir, 'u.data'), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const n = lines.length;
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  const rating = new Float32Array(n);
  const time = new Float64Array(n);
  const uMap = new Map<string, number>();
  const iMap = new Map<string, number>();
  lines.forEach((line, t) => {
    const [u, i, r, ts] = line.split('\t');
    if (!uMap.has(u)) uMap.set(u, uMap.size);
    if (!iMap.has(i)) iMap.set(i, iMap.size);
    user[t] = uMap.get(u)!;
    item[t] = iMap.get(i)!;
    rating[t] = Number(r);
    time[t] = Number(ts);
  });
  return { users: uMap.size, items: iMap.size, user, item, rating, time };
}

/** CSR of the chosen rows; `value` maps a rating to the stored strength. */
export function toCsr(d: Ratings, rows: ArrayLike<number>, value: (rating: number) => number = (r) => r): Csr {
  const u = new Int32Array(rows.length);
  const i = new Int32Array(rows.length);
  const v = new Float32Array(rows.length);
  for (let q = 0; q < rows.length; q++) {
    u[q] = d.user[rows[q]];
    i[q] = d.item[rows[q]];
    v[q] = value(d.rating[rows[q]]);
  }
  return csrFromTriples(d.users, d.items, u, i, v);
}

/** docs/quality.md's tuned configuration (tuning seed 7): 256 factors, ν 1, binary, 10 iterations, λ 0.0216, α0 0.225. */
export const TUNED_ML100K_ALS: AlsParams = {
  ...DEFAULT_ALS_PARAMS,
  factors: 256,
  iterations: 10,
  regularization: 0.0216,
  unobservedWeight: 0.225,
  regularizationExponent: 1,
  alpha: 0,
};
