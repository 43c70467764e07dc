import { describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/math/rng';
import { Scratch } from '../../../shared/serving/prepared';
import { probability, scoreFloor, selectTop } from '../../../shared/serving/select';
import { trainFixture } from './fixture';

describe('selectTop', () => {
  const pm = new Scratch(trainFixture({ users: 60, items: 200, factors: 8 }).model.itemIds.length);
  const rng = new Rng(5);
  const scores = Float32Array.from({ length: pm.items }, () => Math.round(rng.normal() * 20) / 10); // many ties

  it('equals a full sort with every filter, ties to the lower index', () => {
    for (let trial = 0; trial < 30; trial++) {
      const gen = pm.nextGeneration();
      const blocked = new Uint8Array(pm.items);
      const excluded = new Set<number>();
      const only = new Set<number>();
      const restrict = trial % 3 === 0;
      for (let j = 0; j < 40; j++) {
        const a = rng.int(pm.items);
        pm.excl[a] = gen;
        excluded.add(a);
        blocked[rng.int(pm.items)] = 1;
        const b = rng.int(pm.items);
        pm.incl[b] = gen;
        only.add(b);
      }
      const floor = trial % 2 ? -Infinity : 0.3;
      const k = 1 + rng.int(30);
      const n = selectTop(pm, scores, k, { restrict, blocked, floor });
      const expected = Array.from({ length: pm.items }, (_, i) => i)
        .filter((i) => !excluded.has(i) && !blocked[i] && (!restrict || only.has(i)) && scores[i] >= floor)
        .sort((a, b) => scores[b] - scores[a] || a - b)
        .slice(0, k);
      expect(Array.from(pm.outIndex.subarray(0, n))).toEqual(expected);
    }
  });

  it('forgets the previous request’s marks by generation alone', () => {
    const g1 = pm.nextGeneration();
    pm.excl.fill(g1);
    const g2 = pm.nextGeneration();
    expect(g2).not.toBe(g1);
    expect(selectTop(pm, scores, 5, { restrict: false, blocked: null, floor: -Infinity })).toBe(5);
  });
});

describe('probabilities', () => {
  const cal = { a: 4, b: -2 };
  it('σ(a·score + b) and its inverse as a score floor', () => {
    expect(probability(cal, 0.5)).toBeCloseTo(0.5, 12);
    const floor = scoreFloor(cal, 0.7)!;
    expect(probability(cal, floor)).toBeCloseTo(0.7, 12);
    expect(scoreFloor(cal, undefined)).toBe(-Infinity);
    expect(scoreFloor(cal, 1)).toBe(Infinity);
    expect(scoreFloor({ a: -1, b: 0 }, 0.5)).toBeNull();
  });
});
