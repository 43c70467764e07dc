import { describe, expect, it } from 'vitest';
import { scoreAll } from '../../../shared/math/topk';
import { gramian } from '../../../shared/math/linalg';
import { Rng } from '../../../shared/math/rng';
import { foldInUser, explainScore } from '../../../shared/math/foldin';
import { createKernel } from '../../../shared/serving/simd';
import { UserSystem } from '../../../shared/math/foldin';

const random = (n: number, seed: number) => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
};

describe('scoring kernel', () => {
  it.each([
    [1000, 64],
    [777, 20],
    [513, 10],
    [5, 3],
    [1, 1],
  ])('SIMD scores and YᵀY match the JS reference at %i items × %i factors', (n, f) => {
    const Y = random(n * f, n + f);
    const q = random(f, 3);
    const k = createKernel(Y, n, f);
    expect(k.simd).toBe(true);
    const ref = new Float32Array(n);
    scoreAll(q, Y, f, ref);
    const got = k.scoreAll(q);
    for (let i = 0; i < n; i++) expect(got[i]).toBeCloseTo(ref[i], 4);
    const g = k.gramian();
    const gr = gramian(Y, n, f);
    for (let i = 0; i < f * f; i++) expect(g[i]).toBeCloseTo(gr[i], 2);
    // the kernel's factor view holds the same numbers
    expect(Array.from(k.itemFactors.subarray(0, f))).toEqual(Array.from(Y.subarray(0, f)));
  });

  it('falls back to JS when SIMD is off', () => {
    const Y = random(200 * 8, 1);
    const k = createKernel(Y, 200, 8, { simd: false });
    expect(k.simd).toBe(false);
    const ref = new Float32Array(200);
    scoreAll(random(8, 2), Y, 8, ref);
    expect(Array.from(k.scoreAll(random(8, 2)))).toEqual(Array.from(ref));
  });
});

describe('UserSystem', () => {
  const f = 8;
  const items = 50;
  const Y = random(items * f, 9).map((x) => x * 0.3);
  const yty = gramian(Y, items, f);
  const params = {
    regularization: 0.1,
    alpha: 2,
    confidence: 'linear' as const,
    epsilon: 1,
    unobservedWeight: 1,
    regularizationExponent: 0,
  };
  const history = { itemIdx: Int32Array.from([3, 7, 11, 20]), weights: Float64Array.from([1, 3, 5, 2]) };

  it('folds in exactly as shared/math does and explains with the same parts', () => {
    const sys = new UserSystem(Y, f, yty, history, params);
    const x = sys.solve(new Float32Array(f));
    const ref = foldInUser(Y, f, yty, history.itemIdx, history.weights, params);
    for (let k = 0; k < f; k++) expect(x[k]).toBeCloseTo(ref[k], 5);
    const parts = sys.explain(30, 3);
    const refParts = explainScore(Y, f, yty, history.itemIdx, history.weights, params, 30)
      .filter((p) => p.weight > 0)
      .slice(0, 3);
    expect(parts.map((p) => p.itemIndex)).toEqual(refParts.map((p) => p.itemIndex));
    for (const [i, p] of parts.entries()) expect(p.weight).toBeCloseTo(refParts[i].weight, 5);
  });
});
