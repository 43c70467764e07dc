import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blendGrid, blendScorer, mixInto, standardize } from '../../../shared/math/blend';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { buildInteractionMatrix } from '../../../shared/math/interactions';
import { holdoutSplit } from '../../../shared/math/hpo';
import { evaluateRanking } from '../../../shared/math/metrics';
import { popularityFromCsr } from '../../../shared/math/popularity';
import { trainEase, scoreEase } from '../../../shared/math/ease';

describe('standardize', () => {
  it('z-scores the finite entries and leaves −∞ alone', () => {
    const v = Float32Array.from([1, 2, 3, -Infinity]);
    standardize(v);
    const sd = Math.sqrt(2 / 3);
    expect(Array.from(v)).toEqual(
      [-1 / sd, 0, 1 / sd, -Infinity].map((x) => (Number.isFinite(x) ? expect.closeTo(x, 6) : x)),
    );
    const c = Float32Array.from([5, 5, 5]);
    standardize(c);
    expect(Array.from(c)).toEqual([0, 0, 0]);
  });

  it('keeps the order of any vector (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 2, maxLength: 50 }), (xs) => {
        const v = Float32Array.from(xs);
        standardize(v);
        for (let i = 0; i < xs.length; i++)
          for (let j = 0; j < xs.length; j++)
            if (Math.fround(xs[i]) < Math.fround(xs[j]) && !(v[i] <= v[j])) return false;
        return true;
      }),
    );
  });
});

describe('blend', () => {
  const d = generateSynthetic({ users: 400, items: 200, clusters: 5, eventsPerUser: 15, seed: 8 });
  const m = buildInteractionMatrix(d.triples).matrix;
  const { fit, valid } = holdoutSplit(m, 0.8, 1, 'user');
  const ease = trainEase(fit, { lambda: 30 });
  const pop = popularityFromCsr(fit);
  const easeScore = (u: number, out: Float32Array) =>
    scoreEase(ease, fit.indices.subarray(fit.indptr[u], fit.indptr[u + 1]), null, out);
  const popScore = (_u: number, out: Float32Array) => out.set(pop);

  it('the grid’s end points are the two scorers alone', () => {
    const grid = blendGrid(fit, valid, easeScore, popScore, [0, 0.5, 1]);
    expect(grid[2]).toBeCloseTo(evaluateRanking(fit, valid, easeScore, 10).ndcg, 10);
    expect(grid[0]).toBeCloseTo(evaluateRanking(fit, valid, popScore, 10).ndcg, 10);
    expect(grid[2]).toBeGreaterThan(grid[0]);
  });

  it('blendScorer mixes the standardized scores and ranks as blendGrid does', () => {
    const s = blendScorer(easeScore, popScore, 0.7, fit.cols);
    const out = new Float32Array(fit.cols);
    s(3, out);
    const a = new Float32Array(fit.cols);
    const b = new Float32Array(fit.cols);
    easeScore(3, a);
    popScore(3, b);
    standardize(a);
    standardize(b);
    const want = new Float32Array(fit.cols);
    mixInto(a, b, 0.7, want);
    expect(Array.from(out)).toEqual(Array.from(want));
    expect(evaluateRanking(fit, valid, s, 10).ndcg).toBeCloseTo(
      blendGrid(fit, valid, easeScore, popScore, [0.7])[0],
      6,
    );
  });
});
