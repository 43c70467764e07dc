/**
 * A variant's `ranker` choice (shared/serving/variant-models.ts): ranker: false
 * on a neural artifact answers with its ALS retrieval alone (scores are the
 * stored factors' dot products), the control keeps the re-ranker; ranker: true
 * on an artifact without one is answered by the model as it is, and says so.
 */
import { describe, expect, it } from 'vitest';
import { ExperimentCache } from '../../../shared/experiments/cache';
import type { Experiment, Pipeline } from '../../../shared/experiments/schema';
import { MemoryExperimentStore } from '../../../shared/experiments/store';
import type { Model } from '../../../shared/model/types';
import { AttributedCore } from '../../../shared/online/serving';
import { CatalogCache } from '../../../shared/serving/catalog';
import { ModelCache, pinnedSource } from '../../../shared/serving/model-cache';
import { VariantModels } from '../../../shared/serving/variant-models';
import { trainFixture } from './fixture';

const T = Date.parse('2026-06-01T00:00:00Z');
const NEURAL = trainFixture({ users: 60, items: 40, factors: 8, seed: 4, kind: 'neural' }).model;
const ALS = trainFixture({ users: 60, items: 40, factors: 8, seed: 5 }).model;

async function serve(model: Model, pipeline: Pipeline) {
  const now = () => T;
  const source = pinnedSource(model.manifest.version, async () => model);
  const models = new ModelCache(source, { refreshSeconds: 60, now });
  const exp: Experiment = {
    experimentId: 'r',
    status: 'running',
    variants: [
      { name: 'control', share: 0, pipeline: {} },
      { name: 'v', share: 100, pipeline },
    ],
    control: 'control',
    minDetectableEffect: 0.1,
    alpha: 0.05,
    power: 0.8,
    createdAt: '2026-06-01T00:00:00.000Z',
    updatedAt: '2026-06-01T00:00:00.000Z',
  };
  const experiments = new MemoryExperimentStore();
  await experiments.put(exp);
  const deps = {
    models,
    catalog: new CatalogCache({ listCatalog: async () => [] }, { refreshSeconds: 60, now }),
    store: { listUserEvents: async () => ({ events: [], cursor: null }), getErasure: async () => null },
    log: () => {},
    refreshSeconds: 60,
    now,
    variants: new VariantModels(models, source, { refreshSeconds: 60, now }),
  };
  const plain = new AttributedCore(deps, null);
  return { ab: new AttributedCore(deps, new ExperimentCache(experiments, { refreshSeconds: 60, now })), plain };
}

/** The user's unseen items by the stored factors' dot product, best first (the ALS retrieval's order). */
function alsTop(m: Model, userId: string, k: number): { itemId: string; score: number }[] {
  const u = m.userIds.indexOf(userId);
  const f = m.factors;
  const seen = new Set(m.seenIndices.subarray(m.seenIndptr[u], m.seenIndptr[u + 1]));
  const scored = m.itemIds.map((itemId, i) => {
    let s = 0;
    for (let j = 0; j < f; j++) s += m.userFactors[u * f + j] * m.itemFactors[i * f + j];
    return { itemId, score: s, i };
  });
  return scored
    .filter((x) => !seen.has(x.i))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, k)
    .map(({ itemId, score }) => ({ itemId, score }));
}

describe('a variant switches the ranker', () => {
  const user = NEURAL.userIds[3];

  it('ranker: false answers a neural artifact with its ALS retrieval alone; the control keeps the ranker', async () => {
    const { ab, plain } = await serve(NEURAL, { ranker: false });
    const off = await ab.recommend(user, { k: 5 });
    expect(off.servedBy).toEqual({ requested: 'latest', kind: 'neural', ranker: false });
    expect(off.modelVersion).toBe(NEURAL.manifest.version);
    const want = alsTop(NEURAL, user, 5);
    expect(off.items.map((i) => i.itemId)).toEqual(want.map((w) => w.itemId));
    for (const [r, it] of off.items.entries()) expect(it.score).toBeCloseTo(want[r].score, 4);
    // no ALS Platt recorded (a neural kind fitted directly): its Platt was fitted on the ranker's scores,
    // so ALS scores get the uninformative prior
    for (const it of off.items) expect(it.probability).toBeCloseTo(0.1, 12);
    const on = await plain.recommend(user, { k: 5 });
    expect(on.servedBy).toBeUndefined();
    expect(on.items.map((i) => i.score)).not.toEqual(off.items.map((i) => i.score));
    // rank follows the variant too
    const ranked = await ab.rank(user, [want[1].itemId, want[0].itemId]);
    expect(ranked.items.map((i) => i.itemId)).toEqual([want[0].itemId, want[1].itemId]);
    expect(ranked.servedBy).toEqual(off.servedBy);
  });

  it("ranker: false scores P(click) with the artifact's ALS Platt when training recorded one", async () => {
    const cal = { a: 0.5, b: -1 };
    const model = { ...NEURAL, manifest: { ...NEURAL.manifest, retrievalCalibration: cal } };
    const { ab } = await serve(model, { ranker: false });
    const off = await ab.recommend(user, { k: 5 });
    for (const it of off.items) expect(it.probability).toBeCloseTo(1 / (1 + Math.exp(-(cal.a * it.score + cal.b))), 9);
  });

  it('ranker: true on an artifact without a ranker is answered by the model as it is, and says so', async () => {
    const { ab, plain } = await serve(ALS, { ranker: true });
    const a = await ab.recommend(ALS.userIds[2], { k: 5 });
    expect(a.servedBy).toEqual({ requested: 'latest', kind: 'als', ranker: false });
    const b = await plain.recommend(ALS.userIds[2], { k: 5 });
    expect(a.items.map((i) => [i.itemId, i.score])).toEqual(b.items.map((i) => [i.itemId, i.score]));
  });
});
