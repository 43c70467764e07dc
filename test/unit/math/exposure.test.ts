import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exposureReport, gini, headItems } from '../../../shared/math/exposure';

describe('Gini of known distributions', () => {
  it('equal amounts: 0', () => expect(gini([3, 3, 3, 3])).toBe(0));
  it('one holds everything: (n − 1)/n', () => expect(gini([0, 0, 0, 5])).toBeCloseTo(3 / 4, 12));
  it('1, 2, 3, 4: 0.25', () => expect(gini([4, 1, 3, 2])).toBeCloseTo(0.25, 12));
  it('empty or all zero: 0', () => {
    expect(gini([])).toBe(0);
    expect(gini([0, 0])).toBe(0);
  });

  it('lies in [0, (n − 1)/n], ignores scale and order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 9 }),
        (x, c) => {
          const g = gini(x);
          expect(g).toBeGreaterThanOrEqual(0);
          expect(g).toBeLessThanOrEqual((x.length - 1) / x.length + 1e-12);
          expect(gini(x.map((v) => v * c))).toBeCloseTo(g, 10);
          expect(gini([...x].reverse())).toBeCloseTo(g, 10);
        },
      ),
    );
  });
});

describe('exposure report', () => {
  it('head is the top 20% by popularity, ties to the lower index, unused items never head', () => {
    expect(Array.from(headItems([5, 9, 9, 1, 0, 0, 0, 0, 0, 0]))).toEqual([0, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(headItems([0, 0, 0, 0, 0]))).toEqual([0, 0, 0, 0, 0]);
  });

  it('a tiny catalog by hand', () => {
    // 5 items; item 0 is the head (ceil(0.2·5) = 1); 3 lists of 2
    const r = exposureReport({
      lists: [
        [0, 1],
        [0, 2],
        [0, 1],
      ],
      k: 2,
      items: 5,
      interactions: [10, 4, 3, 2, 1],
      groupsOf: (i) => (i === 0 ? ['pop'] : i <= 2 ? ['mid', 'x'] : ['tail']),
    });
    expect(r.users).toBe(3);
    expect(r.coverage).toBeCloseTo(3 / 5, 12);
    expect(r.longTail).toBeCloseTo(3 / 6, 12); // slots of items 1 and 2
    expect(r.longTailInteractions).toBeCloseTo(10 / 20, 12);
    expect(r.gini).toBeCloseTo(gini([3, 2, 1, 0, 0]), 12);
    expect(r.groups).toEqual([
      { group: 'pop', exposure: 0.5, interactions: 0.5, ratio: 1 },
      { group: 'mid', exposure: 0.5, interactions: 0.35, ratio: 1.4286 },
      { group: 'x', exposure: 0.5, interactions: 0.35, ratio: 1.4286 },
      { group: 'tail', exposure: 0, interactions: 0.15, ratio: 0 },
    ]);
  });

  it('groups beyond maxGroups are summed into (other)', () => {
    const r = exposureReport({
      lists: [[0, 1, 2]],
      k: 3,
      items: 3,
      interactions: [1, 1, 1],
      groupsOf: (i) => [`g${i}`],
      maxGroups: 1,
    });
    expect(r.groups?.map((g) => g.group)).toEqual(['g0', '(other)']);
    expect(r.groups?.[1].exposure).toBeCloseTo(2 / 3, 4);
  });
});
