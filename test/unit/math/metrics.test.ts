import { describe, expect, it } from 'vitest';
import {
  averagePrecisionAtK,
  catalogCoverage,
  evaluateRanking,
  mae,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  rmse,
} from '../../../shared/math/metrics';
import { csrFromTriples } from '../../../shared/math/csr';

describe('ranking metrics on hand-computed cases', () => {
  const ranked = [5, 1, 7, 3, 9];
  const rel = new Set([1, 3, 4]);
  it('precision, recall', () => {
    expect(precisionAtK(ranked, rel, 5)).toBeCloseTo(2 / 5, 12);
    expect(precisionAtK(ranked, rel, 2)).toBeCloseTo(1 / 2, 12);
    expect(recallAtK(ranked, rel, 5)).toBeCloseTo(2 / 3, 12);
  });
  it('nDCG with binary gains, ideal over min(|rel|, k)', () => {
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(5);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAtK(ranked, rel, 5)).toBeCloseTo(dcg / idcg, 12);
    // k = 2: ideal has 2 hits
    expect(ndcgAtK(ranked, rel, 2)).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 12);
    expect(ndcgAtK([1, 3, 4], rel, 3)).toBeCloseTo(1, 12);
  });
  it('MAP@k divides by min(|rel|, k)', () => {
    expect(averagePrecisionAtK(ranked, rel, 5)).toBeCloseTo((1 / 2 + 2 / 4) / 3, 12);
    expect(averagePrecisionAtK(ranked, rel, 2)).toBeCloseTo(1 / 2 / 2, 12);
  });
  it('coverage, RMSE, MAE', () => {
    expect(
      catalogCoverage(
        [
          [0, 1],
          [1, 2],
        ],
        8,
      ),
    ).toBeCloseTo(3 / 8, 12);
    expect(rmse([1, 2, 3], [1, 4, 3])).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(mae([1, 2, 3], [2, 4, 3])).toBeCloseTo(1, 12);
  });
});

describe('evaluateRanking', () => {
  it('excludes train items and averages over test users that have train rows', () => {
    // 3 users × 5 items; user 2 has no train rows and is skipped
    const train = csrFromTriples(3, 5, [0, 0, 1], [0, 1, 4], [1, 1, 1]);
    const test = csrFromTriples(3, 5, [0, 1, 2], [2, 3, 0], [1, 1, 1]);
    // scores favour items 0, 1 (train for user 0), then 2 > 3 > 4
    const fixed = Float32Array.from([10, 9, 8, 7, 6]);
    const rep = evaluateRanking(train, test, (_u, out) => out.set(fixed), 1);
    expect(rep.users).toBe(2);
    // user 0: top-1 after exclusion is item 2 (hit); user 1: item 0 (miss)
    expect(rep.precision).toBeCloseTo(0.5, 12);
    expect(rep.ndcg).toBeCloseTo(0.5, 12);
    expect(rep.coverage).toBeCloseTo(2 / 5, 12);
  });
});
