import { describe, expect, it } from 'vitest';
import { csrFromTriples } from '../../../shared/math/csr';
import {
  categoryHeuristic,
  coldItemSplit,
  evaluateColdItems,
  regressFactorsOnTokens,
} from '../../../shared/training/cold-items';

// 3 users × 5 items
const ui = csrFromTriples(3, 5, [0, 0, 0, 1, 1, 2], [0, 1, 3, 2, 4, 4], [1, 1, 1, 1, 1, 1]);

describe('cold-items protocol', () => {
  it('holds out a seeded share of items entirely, warm and test partitioning the entries', () => {
    const s = coldItemSplit(ui, 0.4, 42);
    expect(s.coldItems.length).toBe(2);
    expect(coldItemSplit(ui, 0.4, 42).coldItems).toEqual(s.coldItems);
    const cold = new Set(s.coldItems);
    expect(s.warm.indptr[3] + s.test.indptr[3]).toBe(6);
    for (const q of s.warm.indices) expect(cold.has(q)).toBe(false);
    for (const q of s.test.indices) expect(cold.has(q)).toBe(true);
    // eligible restricts the draw
    const only = coldItemSplit(ui, 0.5, 1, [1, 3]);
    expect(only.coldItems.length).toBe(1);
    expect([1, 3]).toContain(only.coldItems[0]);
  });

  it('ranks only the cold items per user and averages over users with warm and cold entries', () => {
    const split = {
      warm: csrFromTriples(2, 4, [0, 1], [0, 1], [1, 1]),
      test: csrFromTriples(2, 4, [0, 1], [2, 3], [1, 1]),
      coldItems: Int32Array.from([2, 3]),
      isCold: Uint8Array.from([0, 0, 1, 1]),
    };
    // user 0 gets item 2 first (hit at rank 1 → 1), user 1 gets item 2 first too (hit at rank 2 → 1/log2 3)
    const r = evaluateColdItems(
      split,
      (_u, items, out) =>
        items.forEach((i, q) => {
          out[q] = -i;
        }),
      1,
    );
    expect(r.users).toBe(2);
    expect(r.ndcg).toBeCloseTo(0.5, 12);
    expect(r.recall).toBeCloseTo(0.5, 12);
    expect(evaluateColdItems(split, (_u, _items, out) => out.fill(0), 2).ndcg).toBeCloseTo(
      (1 + 1 / Math.log2(3)) / 2,
      12,
    );
  });

  it('category heuristic puts the categories a user interacted with most first', () => {
    const history = csrFromTriples(1, 4, [0, 0, 0], [0, 1, 2], [1, 1, 1]);
    // items' tokens: 0:{a} 1:{a} 2:{b} 3:{b, a}; counts a=2, b=1
    const bags = { indptr: Int32Array.from([0, 1, 2, 3, 5]), indices: Int32Array.from([0, 0, 1, 1, 0]) };
    const out = new Float32Array(2);
    categoryHeuristic(history, bags, 2)(0, Int32Array.from([2, 3]), out);
    expect(out[1]).toBeGreaterThan(out[0]);
  });

  it('ridge regression recovers factors that are an exact function of the tokens', () => {
    // 3 tokens, factor = intercept + Σ token weights; items with every pattern of tokens
    const w = [
      [1, 0],
      [0, 2],
      [-1, 1],
    ];
    const b = [0.5, -0.5];
    const patterns = [[], [0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2]];
    const indptr = [0];
    const indices: number[] = [];
    const V = new Float32Array(patterns.length * 2);
    patterns.forEach((p, i) => {
      indices.push(...p);
      indptr.push(indices.length);
      for (let k = 0; k < 2; k++) V[i * 2 + k] = b[k] + p.reduce((s, t) => s + w[t][k], 0);
    });
    const bags = { indptr: Int32Array.from(indptr), indices: Int32Array.from(indices) };
    const pred = regressFactorsOnTokens(bags, 3, V, 2, [0, 1, 2, 3, 4, 5, 6, 7], 1e-9);
    for (let k = 0; k < V.length; k++) expect(pred[k]).toBeCloseTo(V[k], 5);
  });
});
