import { describe, expect, it } from 'vitest';
import { csrFromTriples, csrGet, transpose } from '../../../shared/math/csr';
import { buildInteractionMatrix } from '../../../shared/math/interactions';

describe('csr', () => {
  it('sums duplicates and sorts columns within a row', () => {
    const m = csrFromTriples(3, 4, [2, 0, 0, 2, 0, 1], [3, 2, 0, 3, 2, 1], [1, 2, 3, 4, 5, 6]);
    expect(Array.from(m.indptr)).toEqual([0, 2, 3, 4]);
    expect(Array.from(m.indices)).toEqual([0, 2, 1, 3]);
    expect(Array.from(m.data)).toEqual([3, 7, 6, 5]);
    expect(csrGet(m, 0, 2)).toBe(7);
    expect(csrGet(m, 1, 2)).toBe(0);
  });

  it('transpose round-trips and is sorted', () => {
    const m = csrFromTriples(3, 4, [2, 0, 0, 1, 2], [3, 2, 0, 2, 0], [1, 2, 3, 4, 5]);
    const t = transpose(m);
    expect(t.rows).toBe(4);
    expect(Array.from(t.indptr)).toEqual([0, 2, 2, 4, 5]);
    expect(Array.from(t.indices)).toEqual([0, 2, 0, 1, 2]);
    expect(Array.from(t.data)).toEqual([3, 5, 2, 4, 1]);
    const back = transpose(t);
    expect(back).toEqual(m);
  });

  it('rejects out-of-range entries', () => {
    expect(() => csrFromTriples(2, 2, [2], [0], [1])).toThrow();
  });
});

describe('buildInteractionMatrix', () => {
  // an event never subtracts: weights are bounded ≥ 0
  it('aggregates duplicate pairs and drops non-positive events', () => {
    const r = buildInteractionMatrix([
      { userId: 'u1', itemId: 'a', weight: 1 },
      { userId: 'u2', itemId: 'b', weight: 2 },
      { userId: 'u1', itemId: 'a', weight: 3 },
      { userId: 'u1', itemId: 'b', weight: 1 },
      { userId: 'u1', itemId: 'b', weight: -1 },
      { userId: 'u3', itemId: 'a', weight: -2 },
    ]);
    expect(r.userIds).toEqual(['u1', 'u2']);
    expect(r.itemIds).toEqual(['a', 'b']);
    expect(r.userIndex.get('u2')).toBe(1);
    expect(Array.from(r.matrix.indptr)).toEqual([0, 2, 3]);
    expect(Array.from(r.matrix.indices)).toEqual([0, 1, 1]);
    expect(Array.from(r.matrix.data)).toEqual([4, 1, 2]);
  });
});
