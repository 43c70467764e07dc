import { describe, expect, it } from 'vitest';
import { alsDefaultsFor, DEFAULT_ALS_PARAMS, trainAls, type AlsParams } from '../../../shared/math/als';
import { ratingMember } from '../../../shared/math/als-pair';
import { blendScorer } from '../../../shared/math/blend';
import { type Csr, csrFromTriples } from '../../../shared/math/csr';
import { holdoutSplit } from '../../../shared/math/hpo';
import { evaluateRanking } from '../../../shared/math/metrics';
import { Rng } from '../../../shared/math/rng';
import { scoreAll } from '../../../shared/math/topk';
import { userFoldNdcg, userFolds } from '../../../shared/math/user-folds';
import { gatePair, graded, pairGateSeconds, pairStep } from '../../../shared/training/select-pair';

const entries = (m: Csr) => {
  const out: string[] = [];
  for (let u = 0; u < m.rows; u++)
    for (let q = m.indptr[u]; q < m.indptr[u + 1]; q++) out.push(`${u},${m.indices[q]},${m.data[q]}`);
  return out.sort();
};

/**
 * Planted clusters whose ratings carry the signal: every user rates 10 items of their cluster 4 or 5 and
 * 10 items of other clusters 1. Binary confidence weighs the noise like the taste; the rating member does not.
 */
function plantedRatings(users = 240, items = 120, seed = 4): Csr {
  const rng = new Rng(seed);
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let u = 0; u < users; u++) {
    const seen = new Set<number>();
    const add = (i: number, rating: number) => {
      if (seen.has(i)) return;
      seen.add(i);
      r.push(u);
      c.push(i);
      v.push(rating);
    };
    while (seen.size < 10) add(4 * Math.floor(rng.next() * (items / 4)) + (u % 4), 4 + (rng.next() < 0.5 ? 1 : 0));
    while (seen.size < 20) {
      const i = Math.floor(rng.next() * items);
      if (i % 4 !== u % 4) add(i, 1);
    }
  }
  return csrFromTriples(users, items, r, c, v);
}

const small = (m: Csr): AlsParams => ({
  ...DEFAULT_ALS_PARAMS,
  ...alsDefaultsFor({ rows: m.rows, cols: m.cols, nnz: m.indptr[m.rows] }),
  factors: 16,
  iterations: 8,
});

describe('user folds', () => {
  const m = plantedRatings(30, 48, 9);
  const folds = userFolds(m, { folds: 4, seed: 5, by: 'user' });
  const { valid } = holdoutSplit(m, 0.75, 5, 'user');

  it('hold out one label split, each user’s labels in exactly one fold, the rest of the data fitted', () => {
    const owner = new Int32Array(m.rows).fill(-1);
    folds.forEach((f, k) => {
      for (let u = 0; u < m.rows; u++) {
        if (f.valid.indptr[u + 1] === f.valid.indptr[u]) continue;
        expect(owner[u]).toBe(-1);
        owner[u] = k;
      }
      // fit ∪ valid = all of the data, disjoint
      expect([...entries(f.fit), ...entries(f.valid)].sort()).toEqual(entries(m));
    });
    expect(folds.flatMap((f) => entries(f.valid)).sort()).toEqual(entries(valid));
    expect(entries(userFolds(m, { folds: 4, seed: 5, by: 'user' })[2].valid)).toEqual(entries(folds[2].valid));
    expect(entries(userFolds(m, { folds: 4, seed: 6, by: 'user' })[2].valid)).not.toEqual(entries(folds[2].valid));
  });

  it('scores each user once: the user-weighted mean of the folds’ nDCG', () => {
    const pop = new Float32Array(m.cols);
    for (let q = 0; q < m.indptr[m.rows]; q++) pop[m.indices[q]]++;
    const byPop = (_: number, out: Float32Array) => out.set(pop);
    const [got] = userFoldNdcg(folds, () => [byPop]);
    let sum = 0;
    let users = 0;
    for (const f of folds) {
      const r = evaluateRanking(f.fit, f.valid, byPop, 10);
      sum += r.ndcg * r.users;
      users += r.users;
    }
    expect(users).toBeGreaterThan(20);
    expect(got).toBeCloseTo(sum / users, 12);
  });
});

describe('the ALS pair gate', () => {
  const data = plantedRatings();
  const { fit: train, valid: test } = holdoutSplit(data, 0.75, 99, 'user');
  const a = small(train);

  it('serves the pair where the ratings carry the taste, and the pair wins on held-out data too', () => {
    const g = gatePair(train, a, { seed: 3, by: 'user' });
    expect(g.b).toEqual(ratingMember(a));
    expect(g.pair).toBeGreaterThan(g.als);
    expect(g.serve).toBe(true);
    const score = (m: ReturnType<typeof trainAls>) => (u: number, out: Float32Array) =>
      scoreAll(m.userFactors.subarray(u * m.factors, (u + 1) * m.factors), m.itemFactors, m.factors, out);
    const ma = score(trainAls(train, a));
    const mb = score(trainAls(train, g.b));
    const alone = evaluateRanking(train, test, ma, 10).ndcg;
    const pair = evaluateRanking(train, test, blendScorer(ma, mb, 0.5, train.cols), 10).ndcg;
    expect(pair).toBeGreaterThan(alone * 1.02);
  });

  it('is not tried after another kind’s win, on all-equal strengths, or past the clock, and says why', () => {
    const binary = { ...train, data: new Float32Array(train.data.length).fill(1) };
    expect(graded(train)).toBe(true);
    expect(graded(binary)).toBe(false);
    const cases: [Csr, string, boolean, RegExp][] = [
      [train, 'ease', false, /it pairs the ALS winner and ease won/],
      [binary, 'als', false, /same strength/],
      [train, 'als', true, /clock safety stop/],
    ];
    for (const [m, winner, pastDeadline, why] of cases) {
      const recorded: { validation: number | null; note: string }[] = [];
      const r = pairStep(
        m,
        winner,
        a,
        { seed: 3, by: 'user', allowed: true, pastDeadline, k: 10, budgetSeconds: 600 },
        (c) => recorded.push(c),
        () => {},
      );
      expect(r!.serve).toBe(false);
      expect(recorded).toHaveLength(1);
      expect(recorded[0].validation).toBeNull();
      expect(recorded[0].note).toMatch(why);
    }
    // planned by counted work: a budget that does not pay for its fits skips it on any machine
    const planned = pairGateSeconds(train, a);
    const recorded: { note: string }[] = [];
    const cut = { seed: 3, by: 'user' as const, allowed: true, pastDeadline: false, k: 10 };
    expect(
      pairStep(
        train,
        'als',
        a,
        { ...cut, budgetSeconds: planned * 0.99 },
        (c) => recorded.push(c),
        () => {},
      )!.serve,
    ).toBe(false);
    expect(recorded[0].note).toMatch(/fits are planned at \d+ nominal s, over the \d+ s budget/);
    expect(
      pairStep(
        train,
        'als',
        a,
        { seed: 3, by: 'user', allowed: false, pastDeadline: false, k: 10, budgetSeconds: 600 },
        () => {},
        () => {},
      ),
    ).toBeNull();
  });
});
