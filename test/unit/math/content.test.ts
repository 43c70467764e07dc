/** shared/math/content.ts: tiny exact cases and the invariants (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contentCosine,
  contentProfile,
  cosineLine,
  inverseDocumentFrequency,
  profileWeights,
  rowCosineWith,
  scaleFit,
  strongestShare,
  tokenMeans,
  transferScore,
} from '../../../shared/math/content';

// items: 0 {a, b}, 1 {a}, 2 {a, c}; tokens a = 0, b = 1, c = 2
const bags = { indptr: Int32Array.from([0, 2, 3, 5]), indices: Int32Array.from([0, 1, 0, 0, 2]) };

describe('content scoring', () => {
  it('idf: a token on every item weighs 1, a rarer one more', () => {
    const idf = inverseDocumentFrequency(bags, 3);
    expect(idf[0]).toBeCloseTo(1, 6);
    expect(idf[1]).toBeCloseTo(Math.log(4 / 2) + 1, 6);
    expect(idf[2]).toBeCloseTo(Math.log(4 / 2) + 1, 6);
  });

  it('cosine: 1 for the history’s own bag, 0 for a disjoint one, and the rare token carries the share', () => {
    const idf = inverseDocumentFrequency(bags, 3);
    const p = contentProfile(bags, idf, [0]);
    expect(contentCosine(p, [0, 1], idf)).toBeCloseTo(1, 6);
    expect(contentCosine(p, [2], idf)).toBe(0);
    expect(contentCosine(p, [], idf)).toBe(0);
    // profile of {a, b}: a ∝ 1, b ∝ 1.69; item {a, c}: only a is shared
    const w = idf[1];
    expect(contentCosine(p, [0, 2], idf)).toBeCloseTo(1 / Math.sqrt(1 + w * w) / Math.sqrt(1 + w * w), 6);
    expect(strongestShare(p, [0, 1], idf, () => true)).toBe(1);
    expect(strongestShare(p, [0, 1], idf, (t) => t !== 1)).toBe(0);
    expect(strongestShare(p, [2], idf, () => true)).toBe(-1);
  });

  it('token means and their transfer: the mean score of the items carrying each token', () => {
    const m = tokenMeans(bags, 3, [3, 1, Number.NEGATIVE_INFINITY], 3);
    expect(m.mean[0]).toBe(2);
    expect(m.mean[1]).toBe(3);
    expect(Number.isNaN(m.mean[2])).toBe(true);
    expect(m.overall).toBe(2);
    const idf = Float32Array.from([1, 2, 2]);
    expect(transferScore([0, 1], idf, m)).toBeCloseTo((2 + 2 * 3) / 3, 6);
    expect(Number.isNaN(transferScore([2], idf, m))).toBe(true);
  });

  it('scale fit: recovers an exact line, skips non-finite scores, keeps order when content does not predict', () => {
    expect(scaleFit([0, 1, 2], [2, 5, 8], 3)).toEqual({ a: 2, b: 3 });
    const skip = scaleFit([0, 1, 2, 9], [2, 5, 8, Number.NEGATIVE_INFINITY], 4);
    expect(skip.a).toBeCloseTo(2, 9);
    expect(skip.b).toBeCloseTo(3, 9);
    const down = scaleFit([0, 1, 2], [8, 5, 2], 3);
    expect(down.b).toBeGreaterThan(0);
    expect(down.b).toBeLessThan(1e-5);
  });

  it('the one-pass cosine line equals the scale fit over the cosines it would compute', () => {
    const idf = inverseDocumentFrequency(bags, 3);
    const p = contentProfile(bags, idf, [1, 2]);
    const w = profileWeights(p, idf);
    const norms = Float32Array.from([0, 1, 2], (i) => {
      let n = 0;
      for (let q = bags.indptr[i]; q < bags.indptr[i + 1]; q++) n += idf[bags.indices[q]] ** 2;
      return Math.sqrt(n);
    });
    const cos = [0, 1, 2].map((i) => contentCosine(p, bags.indices.subarray(bags.indptr[i], bags.indptr[i + 1]), idf));
    [0, 1, 2].forEach((i) => {
      expect(rowCosineWith(bags, i, w, norms[i])).toBeCloseTo(cos[i], 6);
    });
    const y = [0.5, 2, -1];
    const one = cosineLine(bags, norms, w, y, 3);
    const two = scaleFit(cos, y, 3);
    expect(one.a).toBeCloseTo(two.a, 5);
    expect(one.b).toBeCloseTo(two.b, 5);
  });

  it('properties: cosine within [0, 1] for any history, and the fitted line is increasing', () => {
    const bag = fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 4 });
    fc.assert(
      fc.property(fc.array(bag, { minLength: 1, maxLength: 8 }), bag, (rows, query) => {
        const indptr = Int32Array.from([0, ...rows.map((_, r) => rows.slice(0, r + 1).flat().length)]);
        const b = { indptr, indices: Int32Array.from(rows.flat()) };
        const idf = inverseDocumentFrequency(b, 6);
        const c = contentCosine(
          contentProfile(
            b,
            idf,
            rows.map((_, r) => r),
          ),
          query,
          idf,
        );
        return c >= 0 && c <= 1 + 1e-6;
      }),
    );
    const finite = fc.double({ min: -100, max: 100, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(finite, finite), { minLength: 1, maxLength: 20 }), (pairs) => {
        const { b } = scaleFit(
          pairs.map((p) => p[0]),
          pairs.map((p) => p[1]),
          pairs.length,
        );
        return b > 0;
      }),
    );
  });
});
