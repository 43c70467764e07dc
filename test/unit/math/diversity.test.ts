import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type PoolSimilarity,
  categorySimilarity,
  cosineSimilarity,
  intraListDiversity,
  rerank,
  scaled,
  similarItemsSimilarity,
} from '../../../shared/math/diversity';
import { Rng } from '../../../shared/math/rng';

/** A symmetric similarity matrix as a PoolSimilarity. */
const matrix = (m: number[][]): PoolSimilarity => ({ row: (p, out) => out.set(m[p]) });

describe('MMR by hand', () => {
  // relevance 1, 0.9, 0.6 scales to 1, 0.75, 0; items 0 and 1 are near duplicates
  const rel = [1, 0.9, 0.6];
  const sim = matrix([
    [1, 0.9, 0.1],
    [0.9, 1, 0.2],
    [0.1, 0.2, 1],
  ]);

  it('λ = 0.5 puts the dissimilar item second', () => {
    // after item 0: item 1 = 0.5·0.75 − 0.5·0.9 = −0.075, item 2 = 0.5·0 − 0.5·0.1 = −0.05
    expect(rerank(rel, 3, sim, { diversity: 0.5 })).toEqual([0, 2, 1]);
  });

  it('λ = 0.2 keeps the relevance order', () => {
    // item 1 = 0.8·0.75 − 0.2·0.9 = 0.42 beats item 2 = −0.02
    expect(rerank(rel, 3, sim, { diversity: 0.2 })).toEqual([0, 1, 2]);
  });

  it('λ = 1 starts with the most relevant item, then the least similar', () => {
    expect(rerank(rel, 2, sim, { diversity: 1 })).toEqual([0, 2]);
  });

  it('maxPerCategory skips an item whose category is full', () => {
    const cats = [['a'], ['a'], ['b']];
    expect(rerank(rel, 3, null, { maxPerCategory: 1, categoriesOf: (p) => cats[p] })).toEqual([0, 2]);
    expect(rerank(rel, 3, null, { maxPerCategory: 2, categoriesOf: (p) => cats[p] })).toEqual([0, 1, 2]);
  });
});

describe('similarities', () => {
  it('cosine over factors, zero vectors similar to nothing', () => {
    const y = Float32Array.from([1, 0, 0, 2, 3, 3, 0, 0]); // 4 items × 2
    const s = cosineSimilarity(y, 2, [0, 1, 2, 3]);
    const out = new Float64Array(4);
    s.row(2, out);
    expect(out[0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(out[1]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(out[2]).toBeCloseTo(1, 12);
    expect(out[3]).toBe(0);
  });

  it('similarItems rows scaled by their largest value over the pool, -Infinity as 0', () => {
    const table = [
      [-Infinity, 4, 2, 8],
      [4, -Infinity, 1, 0],
    ];
    const s = similarItemsSimilarity((i, out) => out.set(table[i]), 4, [0, 1, 2]);
    const out = new Float64Array(3);
    s.row(0, out);
    expect(Array.from(out)).toEqual([0, 1, 0.5]); // item 3 is outside the pool
  });

  it('category Jaccard', () => {
    const cats = [['a', 'b'], ['b', 'c'], []];
    const out = new Float64Array(3);
    categorySimilarity((p) => cats[p], 3).row(0, out);
    expect(Array.from(out)).toEqual([1, 1 / 3, 0]);
  });

  it('scaled maps to [0, 1]; a constant pool to 1; non-finite to 0', () => {
    expect(Array.from(scaled([3, 1, 2]))).toEqual([1, 0, 0.5]);
    expect(Array.from(scaled([2, 2]))).toEqual([1, 1]);
    expect(Array.from(scaled([-Infinity, 1, 3]))).toEqual([0, 0, 1]);
  });
});

const pool = fc
  .record({
    n: fc.integer({ min: 1, max: 40 }),
    k: fc.integer({ min: 1, max: 45 }),
    cap: fc.integer({ min: 1, max: 4 }),
    cats: fc.integer({ min: 1, max: 6 }),
    lambda: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.integer({ min: 1, max: 1e6 }),
  })
  .map(({ n, k, cap, cats, lambda, seed }) => {
    const rng = new Rng(seed);
    const rel = Array.from({ length: n }, () => rng.int(6)).sort((a, b) => b - a); // best-first, with ties
    const f = 3;
    const y = Float32Array.from({ length: n * f }, () => rng.normal());
    const itemCats = Array.from({ length: n }, () => {
      const r = rng.int(cats + 1);
      return r === cats ? [] : rng.int(4) === 0 ? [`c${r}`, `c${(r + 1) % cats}`] : [`c${r}`];
    });
    return { n, k, cap, lambda, rel, sim: cosineSimilarity(y, f, Array.from(rel.keys())), itemCats };
  });

describe('rerank properties', () => {
  it('λ = 0 is the plain top-k, whatever the similarity', () => {
    fc.assert(
      fc.property(pool, ({ n, k, rel, sim }) => {
        expect(rerank(rel, k, sim, { diversity: 0 })).toEqual(Array.from({ length: Math.min(n, k) }, (_, i) => i));
      }),
    );
  });

  it('a subset of the pool, no repeats, no category over the cap, k when enough qualify', () => {
    fc.assert(
      fc.property(pool, ({ n, k, cap, lambda, rel, sim, itemCats }) => {
        const out = rerank(rel, k, sim, { diversity: lambda, maxPerCategory: cap, categoriesOf: (p) => itemCats[p] });
        expect(new Set(out).size).toBe(out.length);
        for (const p of out) expect(p >= 0 && p < n).toBe(true);
        const used = new Map<string, number>();
        for (const p of out) for (const g of new Set(itemCats[p])) used.set(g, (used.get(g) ?? 0) + 1);
        for (const v of used.values()) expect(v).toBeLessThanOrEqual(cap);
        // stopping short of k means every candidate left has a full category
        if (out.length < k) {
          for (let c = 0; c < n; c++)
            if (!out.includes(c)) expect(itemCats[c].some((g) => (used.get(g) ?? 0) >= cap)).toBe(true);
        }
      }),
    );
  });

  it('lazy MMR (pairs on demand) answers exactly what the eager loop over full rows answers', () => {
    fc.assert(
      fc.property(pool, ({ k, cap, lambda, rel, sim, itemCats }) => {
        const eager: PoolSimilarity = { row: (p, out) => sim.row(p, out) };
        const categoriesOf = (p: number) => itemCats[p];
        expect(rerank(rel, k, sim, { diversity: lambda })).toEqual(rerank(rel, k, eager, { diversity: lambda }));
        const capped = { diversity: lambda, maxPerCategory: cap, categoriesOf };
        expect(rerank(rel, k, sim, capped)).toEqual(rerank(rel, k, eager, capped));
      }),
      { numRuns: 300 },
    );
  });

  it('single-category pools give exactly min(k, Σ min(cap, n_c) + uncategorised)', () => {
    fc.assert(
      fc.property(pool, ({ k, cap, lambda, rel, sim, itemCats }) => {
        const one = itemCats.map((c) => c.slice(0, 1));
        const sizes = new Map<string, number>();
        let free = 0;
        for (const c of one) c.length ? sizes.set(c[0], (sizes.get(c[0]) ?? 0) + 1) : free++;
        const reachable = [...sizes.values()].reduce((a, v) => a + Math.min(cap, v), free);
        const out = rerank(rel, k, sim, { diversity: lambda, maxPerCategory: cap, categoriesOf: (p) => one[p] });
        expect(out.length).toBe(Math.min(k, reachable));
      }),
    );
  });
});

describe('MMR trade-off on planted clusters', () => {
  it('more diversity: mean intra-list diversity never falls, mean relevance never rises', () => {
    // 6 clusters of 30 items in 8 dims; each user prefers one cluster, a second one less
    const rng = new Rng(11);
    const f = 8;
    const clusters = 6;
    const per = 30;
    const n = clusters * per;
    const centers = Array.from({ length: clusters }, () => Array.from({ length: f }, () => rng.normal()));
    const y = new Float32Array(n * f);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < f; j++) y[i * f + j] = centers[Math.floor(i / per)][j] + 0.4 * rng.normal();
    const lambdas = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
    const ild = new Float64Array(lambdas.length);
    const relevance = new Float64Array(lambdas.length);
    const users = 150;
    const k = 10;
    for (let u = 0; u < users; u++) {
      const fav = rng.int(clusters);
      const second = (fav + 1 + rng.int(clusters - 1)) % clusters;
      const scores = Array.from({ length: n }, (_, i) => {
        const c = Math.floor(i / per);
        return (c === fav ? 2 : c === second ? 1 : 0) + 0.8 * rng.next();
      });
      // the pool as serving builds it: the best 4k, best-first
      const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
      const items = order.slice(0, 4 * k);
      const rel = items.map((i) => scores[i]);
      const sim = cosineSimilarity(y, f, items);
      lambdas.forEach((lambda, l) => {
        const out = rerank(rel, k, sim, { diversity: lambda });
        ild[l] += intraListDiversity(out, sim, items.length) / users;
        relevance[l] += out.reduce((a, p) => a + rel[p], 0) / users;
      });
    }
    for (let l = 1; l < lambdas.length; l++) {
      expect(ild[l]).toBeGreaterThanOrEqual(ild[l - 1] - 1e-12);
      expect(relevance[l]).toBeLessThanOrEqual(relevance[l - 1] + 1e-12);
    }
    // and the trade-off is real, not flat
    expect(ild[lambdas.length - 1]).toBeGreaterThan(ild[0] + 0.3);
    expect(relevance[lambdas.length - 1]).toBeLessThan(relevance[0] - 2);
  });
});
