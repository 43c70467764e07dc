import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { buildInteractionMatrix } from '../../../shared/math/interactions';
import { csrFromTriples } from '../../../shared/math/csr';
import { itemNeighbors, userNeighbors } from '../../../shared/math/knn';
import { decayedPopularity, popularityFromCsr } from '../../../shared/math/popularity';
import { predictRating, trainBiasedMf, DEFAULT_MF_PARAMS } from '../../../shared/math/mf';
import { rmse } from '../../../shared/math/metrics';
import { createRecommender } from '../../../shared/model/kinds/recommender';
import { evaluateRanking } from '../../../shared/math/metrics';
import { holdoutSplit, tuneAls } from '../../../shared/math/hpo';
import { Rng } from '../../../shared/math/rng';
import type { ModelKind } from '../../../shared/model/types';

const d = generateSynthetic({ users: 300, items: 400, clusters: 5, eventsPerUser: 25, seed: 9 });
const im = buildInteractionMatrix(d.triples);
const uc = (u: number) => d.userCluster[Number(im.userIds[u].slice(1))];
const ic = (i: number) => d.itemCluster[Number(im.itemIds[i].slice(1))];

describe('synthetic generator', () => {
  it('is deterministic and plants the requested structure', () => {
    const again = generateSynthetic({ users: 300, items: 400, clusters: 5, eventsPerUser: 25, seed: 9 });
    expect(again.triples).toEqual(d.triples);
    const inCluster = d.triples.filter(
      (t) => d.userCluster[Number(t.userId.slice(1))] === d.itemCluster[Number(t.itemId.slice(1))],
    ).length;
    expect(inCluster / d.triples.length).toBeGreaterThan(0.8);
    expect(d.triples.length / 300).toBeGreaterThan(18);
    expect(d.triples.length / 300).toBeLessThan(32);
    expect(new Set(d.triples.map((t) => t.eventType))).toEqual(new Set(['view', 'cart', 'purchase']));
  });
});

describe('kNN', () => {
  it('item and user neighbours mostly share clusters', () => {
    for (const [nb, cl] of [
      [itemNeighbors(im.matrix, { k: 10 }), ic],
      [userNeighbors(im.matrix, { k: 10 }), uc],
    ] as const) {
      let same = 0;
      let total = 0;
      for (let a = 0; a + 1 < nb.indptr.length; a++)
        for (let p = nb.indptr[a]; p < nb.indptr[a + 1]; p++) {
          expect(nb.indices[p]).not.toBe(a);
          if (p > nb.indptr[a]) expect(nb.weights[p]).toBeLessThanOrEqual(nb.weights[p - 1]);
          same += cl(nb.indices[p]) === cl(a) ? 1 : 0;
          total++;
        }
      expect(same / total).toBeGreaterThan(0.75);
    }
  });

  it('cosine values match a hand computation', () => {
    // items 0 and 1 share user 0; item 0 has users {0,1}, item 1 has {0}
    const m = csrFromTriples(2, 3, [0, 0, 1, 1], [0, 1, 0, 2], [1, 1, 1, 1]);
    const nb = itemNeighbors(m, { k: 2 });
    expect(Array.from(nb.indices.subarray(nb.indptr[0], nb.indptr[1]))).toEqual([1, 2]);
    expect(nb.weights[nb.indptr[0]]).toBeCloseTo(1 / Math.SQRT2, 6);
  });
});

describe('popularity', () => {
  it('counts users and halves contributions per half-life', () => {
    const m = csrFromTriples(2, 3, [0, 1, 1], [2, 2, 0], [5, 1, 1]);
    expect(Array.from(popularityFromCsr(m))).toEqual([1, 0, 2]);
    const p = decayedPopularity([0, 1, 1], null, [1000, 0, 1000], 2, { halfLifeMs: 1000 });
    expect(p[0]).toBeCloseTo(1, 6);
    expect(p[1]).toBeCloseTo(1.5, 6);
  });
});

describe('biased MF', () => {
  it('beats the global-mean baseline clearly on planted ratings', () => {
    // ratings from a planted rank-2 structure plus noise, on the 1..5 scale
    const rng = new Rng(3);
    const U = 200;
    const I = 150;
    const pu = Array.from({ length: U }, () => [rng.normal(), rng.normal()]);
    const qi = Array.from({ length: I }, () => [rng.normal(), rng.normal()]);
    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    for (let u = 0; u < U; u++)
      for (let i = 0; i < I; i++)
        if (rng.next() < 0.2) {
          rows.push(u);
          cols.push(i);
          vals.push(
            Math.min(
              5,
              Math.max(1, Math.round(3 + 0.8 * (pu[u][0] * qi[i][0] + pu[u][1] * qi[i][1]) + 0.3 * rng.normal())),
            ),
          );
        }
    const test = rows.map((_, t) => t % 5 === 0);
    const pick = (keep: boolean) => rows.map((_, t) => t).filter((t) => test[t] === keep);
    const tr = pick(false);
    const te = pick(true);
    const m = trainBiasedMf(
      csrFromTriples(
        U,
        I,
        tr.map((t) => rows[t]),
        tr.map((t) => cols[t]),
        tr.map((t) => vals[t]),
      ),
      {
        ...DEFAULT_MF_PARAMS,
        factors: 8,
        epochs: 40,
        initScale: 0.1,
        learningRate: 0.02,
        regularization: 0.02,
      },
    );
    const truth = te.map((t) => vals[t]);
    const mean = tr.reduce((s, t) => s + vals[t], 0) / tr.length;
    const base = rmse(
      truth.map(() => mean),
      truth,
    );
    const got = rmse(
      te.map((t) => predictRating(m, rows[t], cols[t])),
      truth,
    );
    expect(got).toBeLessThan(0.75 * base);
    expect(predictRating(m, 10_000, 0)).toBeGreaterThanOrEqual(1);
  });
});

describe('Recommender interface', () => {
  const { fit, valid } = holdoutSplit(im.matrix, 0.8, 1);
  const ndcg: Record<string, number> = {};
  for (const kind of ['als', 'item-knn', 'user-knn', 'popular', 'mf'] as ModelKind[]) {
    it(`${kind}: recommends unseen items best-first and finds similar items`, () => {
      const rec = createRecommender(
        kind,
        kind === 'als' ? { factors: 16, iterations: 6 } : kind === 'mf' ? { factors: 8, epochs: 10 } : {},
      );
      rec.fit(fit);
      const r = rec.recommend(0, 10);
      expect(r.items.length).toBe(10);
      const seen = new Set(fit.indices.subarray(fit.indptr[0], fit.indptr[1]));
      for (let q = 0; q < r.items.length; q++) {
        expect(seen.has(r.items[q])).toBe(false);
        if (q) expect(r.scores[q]).toBeLessThanOrEqual(r.scores[q - 1]);
      }
      const s = rec.similarItems(3, 5);
      expect(Array.from(s.items)).not.toContain(3);
      ndcg[kind] = evaluateRanking(fit, valid, (u, out) => rec.scoreItems(u, out), 10).ndcg;
    });
  }
  it('personalized models beat popularity on planted clusters', () => {
    for (const kind of ['als', 'item-knn', 'user-knn']) expect(ndcg[kind]).toBeGreaterThan(ndcg.popular * 1.3);
  });
});

describe('hyper-parameter search', () => {
  it('logs trials within the budget and returns the best one', () => {
    const t0 = performance.now();
    const r = tuneAls(im.matrix, { budgetSeconds: 2, seed: 1, factors: [8, 16], maxTrials: 8 });
    expect((performance.now() - t0) / 1000).toBeLessThan(6);
    expect(r.log.length).toBeGreaterThan(1);
    // a larger factor count may win within the tuner's 0.5% tolerance
    const top = Math.max(...r.log.map((t) => t.metric));
    expect(r.log.map((t) => t.metric)).toContain(r.bestMetric);
    expect(r.bestMetric).toBeGreaterThanOrEqual(top * 0.995 - 1e-12);
    expect(r.log.every((t) => t.seconds >= 0 && t.params.factors > 0)).toBe(true);
  });
});
