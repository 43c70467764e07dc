/**
 * A per-category cap is a constraint like a filter: exploration slots for new
 * catalog items (./explore.ts) must not push a category over it.
 */
import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../../shared/events';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { CatalogCache } from '../../../shared/serving/catalog';
import { ColdCatalog } from '../../../shared/serving/cold';
import { ServingCore } from '../../../shared/serving/core';
import { ModelCache } from '../../../shared/serving/model-cache';
import { DatasetBuilder } from '../../../shared/training/dataset';
import { trainPipeline } from '../../../shared/training/pipeline';

const clusters = 4;
const data = generateSynthetic({ users: 200, items: 80, clusters, eventsPerUser: 12, seed: 5, affinity: 0.9 });
const category = (id: string) => `k${Number(id.replace('new-', '').replace('i', '')) % clusters}`;

const b = new DatasetBuilder();
for (const t of data.triples) b.addOne(t.userId, t.itemId, t.weight, t.timestamp, t.timestamp);
const d = b.build();
d.side = { items: d.itemIds.map((itemId) => ({ itemId, categories: [category(itemId)], properties: {} })) };
const model = trainPipeline(d, {
  kind: 'als',
  params: { factors: 8, iterations: 8, regularization: 0.1, alpha: 2 },
  tune: false,
  budgetSeconds: 60,
  seed: 7,
  split: 'user',
  evaluate: true,
  neural: false,
  version: '20260101T000000Z-000001',
  createdAt: new Date().toISOString(),
} as Parameters<typeof trainPipeline>[1]).model;

// new items are explored for EXPLORE_MAX_AGE_DAYS after they enter the catalog (serving's clock is the real one)
const at = new Date().toISOString();
const record = (itemId: string): CatalogItem => ({
  itemId,
  categories: [category(itemId)],
  available: true,
  createdAt: at,
  updatedAt: at,
});
const records = [...model.itemIds.map(record), ...[0, 1, 2, 3].map((c) => record(`new-${c}`))];

function serve() {
  const models = new ModelCache(
    { latest: async () => ({ status: 'ok', etag: 'e', version: model.manifest.version }), load: async () => model },
    { refreshSeconds: 60 },
  );
  const cold = new ColdCatalog();
  const catalog = new CatalogCache(cold.tap({ listCatalog: async () => records }), { refreshSeconds: 60 });
  const store = { listUserEvents: async () => ({ events: [], cursor: null }), getErasure: async () => null };
  return new ServingCore({ models, catalog, store, log: () => {}, refreshSeconds: 60, cold, exploreShare: 0.1 });
}

describe('maxPerCategory with exploration slots', () => {
  it('no category goes over the cap, and k items come back', async () => {
    const core = serve();
    let explored = 0;
    for (let u = 0; u < 30; u++) {
      explored += (await core.recommend(`u${u}`, { k: 10 })).items.filter((i) => i.coldStart).length;
      const r = await core.recommend(`u${u}`, { k: 10, maxPerCategory: 3 });
      expect(r.items).toHaveLength(10);
      const per = new Map<string, number>();
      for (const i of r.items) per.set(category(i.itemId), (per.get(category(i.itemId)) ?? 0) + 1);
      expect(Math.max(...per.values())).toBeLessThanOrEqual(3);
    }
    // exploration is on for these users without a cap: the test would see a cold item break it
    expect(explored).toBeGreaterThan(20);
  });
});
