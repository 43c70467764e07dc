import { describe, expect, it } from 'vitest';
import { kFold, stratifiedSplit, temporalSplit } from '../../../shared/math/split';
import { Rng } from '../../../shared/math/rng';

function data(n: number, groups: number, seed: number) {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(groups));
}

describe('stratifiedSplit', () => {
  const keys = data(3000, 40, 1);
  const s = stratifiedSplit(keys, 0.75, 42);
  it('is a disjoint cover of all rows', () => {
    const all = [...s.train, ...s.test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: keys.length }, (_, i) => i));
  });
  it('keeps round(0.75·n) of every group in train (half to even)', () => {
    const n = new Map<number, number>();
    const tr = new Map<number, number>();
    for (const k of keys) n.set(k, (n.get(k) ?? 0) + 1);
    for (const t of s.train) tr.set(keys[t], (tr.get(keys[t]) ?? 0) + 1);
    for (const [g, c] of n)
      expect(tr.get(g) ?? 0).toBe(
        Math.round(0.75 * c) - (Math.abs((0.75 * c) % 1) === 0.5 && Math.round(0.75 * c) % 2 ? 1 : 0),
      );
    // n = 2 → 1.5 → 2, n = 6 → 4.5 → 4
    expect(stratifiedSplit([0, 0], 0.75, 1).train.length).toBe(2);
    expect(stratifiedSplit([0, 0, 0, 0, 0, 0], 0.75, 1).train.length).toBe(4);
  });
  it('is deterministic per seed and differs across seeds', () => {
    expect(stratifiedSplit(keys, 0.75, 42)).toEqual(s);
    expect(Array.from(stratifiedSplit(keys, 0.75, 43).test)).not.toEqual(Array.from(s.test));
  });
});

describe('temporalSplit', () => {
  it('puts each user’s newest rows in test', () => {
    const users = [0, 0, 0, 0, 1, 1];
    const times = [40, 10, 30, 20, 5, 1];
    const s = temporalSplit(users, times, 0.75);
    // user 0: 3 of 4 oldest to train; user 1: round(1.5) = 2 (half to even) so both train
    expect(Array.from(s.train).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(s.test).sort()).toEqual([0]);
    const s3 = temporalSplit([0, 0, 0, 0, 1, 1, 1, 1], [40, 10, 30, 20, 5, 1, 7, 3], 0.5);
    expect(Array.from(s3.test).sort()).toEqual([0, 2, 4, 6]);
  });
});

describe('kFold', () => {
  it('assigns balanced folds deterministically', () => {
    const f = kFold(103, 5, 1);
    const counts = [0, 0, 0, 0, 0];
    for (const x of f) counts[x]++;
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(kFold(103, 5, 1)).toEqual(f);
  });
});
