import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_ALPHA,
  calibratedRerank,
  categoryDistribution,
  miscalibration,
} from '../../../shared/math/calibrated-rerank';
import { Rng } from '../../../shared/math/rng';

describe('category distributions and miscalibration', () => {
  it('p(g|u) splits an item over its categories and weighs items', () => {
    const p = categoryDistribution([{ categories: ['a', 'b'], weight: 2 }, { categories: ['b'] }, { categories: [] }]);
    expect(p.get('a')).toBeCloseTo(1 / 3, 12);
    expect(p.get('b')).toBeCloseTo(2 / 3, 12);
  });

  it('a list matching p costs 0; one category of two costs what the formula says', () => {
    expect(miscalibration(new Map([['a', 1]]), [['a'], ['a']])).toBeCloseTo(0, 12);
    const p = new Map([
      ['a', 0.5],
      ['b', 0.5],
    ]);
    const a = CALIBRATION_ALPHA;
    const expected = 0.5 * Math.log(0.5 / (1 - a + a * 0.5)) + 0.5 * Math.log(0.5 / (a * 0.5));
    expect(miscalibration(p, [['a']])).toBeCloseTo(expected, 12);
    expect(miscalibration(p, [['a'], ['b']])).toBeCloseTo(0, 12);
  });
});

describe('calibrated re-rank', () => {
  // the three most relevant are all comedy; the user is half comedy, half drama
  const rel = [1, 0.95, 0.9, 0.5, 0.45, 0.4];
  const cats = [['comedy'], ['comedy'], ['comedy'], ['drama'], ['drama'], ['drama']];
  const p = new Map([
    ['comedy', 0.5],
    ['drama', 0.5],
  ]);

  it('λ = 0 is the plain top-k', () => {
    expect(calibratedRerank(rel, (c) => cats[c], p, 4, 0)).toEqual([0, 1, 2, 3]);
  });

  it('λ = 0.5 brings one drama up, then prefers relevance over the second', () => {
    // second pick: comedy = 0.5·0.917 − 0.5·C_KL(2:0) ≈ −0.52 loses to drama = 0.5·0.167 ≈ 0.083;
    // last pick: comedy = 0.5·0.833 − 0.5·C_KL(3:1) ≈ 0.346 beats drama = 0.5·0.083 ≈ 0.042
    expect(calibratedRerank(rel, (c) => cats[c], p, 4, 0.5)).toEqual([0, 3, 1, 2]);
  });

  it('λ = 0.9 gives a 2 + 2 list, alternating as C_KL asks', () => {
    const out = calibratedRerank(rel, (c) => cats[c], p, 4, 0.9);
    expect(out).toEqual([0, 3, 1, 4]);
    expect(
      miscalibration(
        p,
        out.map((c) => cats[c]),
      ),
    ).toBeCloseTo(0, 12);
  });

  it('properties: subset, no repeats, λ = 0 is top-k, and λ = 1 never more miscalibrated than λ = 0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 1e6 }),
        (n, k, seed) => {
          const rng = new Rng(seed);
          const r = Array.from({ length: n }, () => rng.next()).sort((a, b) => b - a);
          const cs = Array.from({ length: n }, () => (rng.int(5) === 0 ? [] : [`g${rng.int(4)}`]));
          const target = categoryDistribution(Array.from({ length: 5 }, () => ({ categories: [`g${rng.int(4)}`] })));
          const plain = calibratedRerank(r, (c) => cs[c], target, k, 0);
          expect(plain).toEqual(Array.from({ length: Math.min(n, k) }, (_, i) => i));
          const cal = calibratedRerank(r, (c) => cs[c], target, k, 1);
          expect(cal.length).toBe(Math.min(n, k));
          expect(new Set(cal).size).toBe(cal.length);
          // greedy is not optimal in general, so only the first pick is compared exactly:
          // at λ = 1 it is the item whose category lowers C_KL most
          const first = (l: number[]) => miscalibration(target, [cs[l[0]]]);
          expect(first(cal)).toBeLessThanOrEqual(first(plain) + 1e-12);
        },
      ),
    );
  });

  it('every pick is a greedy best by a brute-force objective over miscalibration() (ties within 1e-9)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 15 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 1e6 }),
        (n, k, lambda, seed) => {
          const rng = new Rng(seed);
          const r = Array.from({ length: n }, () => rng.next()).sort((a, b) => b - a);
          const cs = Array.from({ length: n }, () =>
            rng.int(6) === 0 ? [] : Array.from({ length: 1 + rng.int(3) }, () => `g${rng.int(6)}`),
          );
          const target = categoryDistribution(
            Array.from({ length: 6 }, () => ({ categories: [`g${rng.int(5)}`], weight: 1 + rng.int(3) })),
          );
          const lo = r[n - 1];
          const span = r[0] - lo;
          const rel = r.map((x) => (span > 0 ? (x - lo) / span : 1));
          const objective = (list: number[]) =>
            (1 - lambda) * list.reduce((a, q) => a + rel[q], 0) -
            lambda *
              miscalibration(
                target,
                list.map((q) => cs[q]),
              );
          const out = calibratedRerank(r, (c) => cs[c], target, k, lambda);
          expect(out).toHaveLength(Math.min(n, k));
          for (let t = 0; t < out.length; t++) {
            const prefix = out.slice(0, t);
            let best = -Infinity;
            for (let c = 0; c < n; c++) if (!prefix.includes(c)) best = Math.max(best, objective([...prefix, c]));
            expect(objective(out.slice(0, t + 1))).toBeGreaterThanOrEqual(best - 1e-9);
          }
        },
      ),
    );
  });
});
