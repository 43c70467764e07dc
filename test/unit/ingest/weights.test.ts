/** The one (type, value) → weight function: bounded, so one absurd row cannot dominate. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, EVENT_WEIGHTS, eventWeight, maxEventWeight, valueIssue } from '../../../shared/events';
import { Rng } from '../../../shared/math/rng';

describe('eventWeight', () => {
  it('exact cases: fixed weights, a rating weighs its value, clamped to the range, never negative', () => {
    expect(eventWeight('view')).toBe(1);
    expect(eventWeight('purchase', 1e9)).toBe(EVENT_WEIGHTS.purchase); // revenue is not a weight
    expect(eventWeight('rating', 4.5)).toBe(4.5);
    expect(eventWeight('rating', 1e9)).toBe(5);
    expect(eventWeight('rating', 1e9, { min: 1, max: 10 })).toBe(10);
    expect(eventWeight('rating', -3)).toBe(0);
    expect(eventWeight('rating', Number.NaN)).toBe(0);
    expect(eventWeight('rating', Number.POSITIVE_INFINITY)).toBe(0);
    expect(eventWeight('rating', null)).toBe(0);
  });

  it('property: every weight is finite, in [0, maxEventWeight]', () => {
    fc.assert(
      fc.property(fc.constantFrom(...EVENT_TYPES), fc.option(fc.double()), (type, value) => {
        const w = eventWeight(type, value);
        expect(Number.isFinite(w)).toBe(true);
        expect(w).toBeGreaterThanOrEqual(0);
        expect(w).toBeLessThanOrEqual(maxEventWeight());
      }),
    );
  });

  it('valueIssue accepts exactly what eventWeight takes at face value for ratings', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: -10, max: 10 }), (v) => {
        expect(valueIssue('rating', v) === null).toBe(v >= 0.5 && v <= 5);
        if (valueIssue('rating', v) === null) expect(eventWeight('rating', v)).toBe(v);
      }),
    );
  });
});

/**
 * Ratings with planted structure (users rate their own cluster 4..5, others 1..2),
 * summarised as training sees them: per-item popularity and each user's best item.
 */
function plantedRatings(seed: number) {
  const rng = new Rng(seed);
  const rows: { user: number; item: number; value: number }[] = [];
  for (let u = 0; u < 200; u++) {
    for (let k = 0; k < 15; k++) {
      const item = Math.floor(rng.next() * 60);
      const own = item % 4 === u % 4;
      rows.push({
        user: u,
        item,
        value: own ? 4 + Math.round(rng.next() * 2) / 2 : 1 + Math.round(rng.next() * 2) / 2,
      });
    }
  }
  return rows;
}

function summary(rows: { user: number; item: number; value: number }[], weight: (v: number) => number) {
  const popularity = new Float64Array(60);
  const best = new Map<number, { item: number; w: number }>();
  for (const r of rows) {
    const w = weight(r.value);
    popularity[r.item] += w;
    const b = best.get(r.user);
    if (!b || w > b.w) best.set(r.user, { item: r.item, w });
  }
  const top10 = [...popularity.keys()].sort((a, b) => popularity[b] - popularity[a] || a - b).slice(0, 10);
  const ownClusterBest = [...best].filter(([u, b]) => b.item % 4 === u % 4).length / best.size;
  return { top10, ownClusterBest };
}

describe('one absurd value does not move the metrics (weight level)', () => {
  const rows = plantedRatings(11);
  // A tail item, rated 1e9 once by a user from another cluster (a CSV typo, a hostile client).
  const absurd = [...rows, { user: 1, item: 58, value: 1e9 }];

  it('bounded weights: popular top-10 and each user’s best-item cluster precision are unchanged', () => {
    const bounded = (v: number) => eventWeight('rating', v);
    const before = summary(rows, bounded);
    const after = summary(absurd, bounded);
    expect(after.top10).toEqual(before.top10);
    expect(before.ownClusterBest).toBeGreaterThan(0.9);
    expect(Math.abs(after.ownClusterBest - before.ownClusterBest)).toBeLessThanOrEqual(1 / 200);
  });

  it('control: the unbounded weight (value as is) lets that row take the top of the popular list', () => {
    const after = summary(absurd, (v) => v);
    expect(after.top10[0]).toBe(58);
  });
});
