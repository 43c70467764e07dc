/**
 * What new items cost a request: the serving core's recommendations with the
 * exploration slot on vs `explore=0`, and rank over 20 candidates of which 5 are
 * new, for the two ways new items are scored (shared/serving/cold.ts): ridge
 * (ALS trained with metadata) and content (EASE; ALS trained without metadata).
 * Planted clusters, category = cluster; in process, memory stores.
 *
 *   nice -n 10 npx tsx bench/cold-serve.ts            (case sizes below; --quick: the small case only)
 */
import { performance } from 'node:perf_hooks';
import type { CatalogItem } from '../shared/events';
import { generateSynthetic } from '../shared/math/synthetic';
import type { Model } from '../shared/model/types';
import { CatalogCache } from '../shared/serving/catalog';
import { ColdCatalog } from '../shared/serving/cold';
import { ServingCore } from '../shared/serving/core';
import { ModelCache } from '../shared/serving/model-cache';
import { DatasetBuilder } from '../shared/training/dataset';
import { trainPipeline } from '../shared/training/pipeline';

const QUICK = process.argv.includes('--quick');
const CATS = 16;
const NEW = 500;
const REQUESTS = 300;

function train(kind: string, items: number, users: number, metadata: boolean, params: Record<string, unknown>) {
  const data = generateSynthetic({ users, items, clusters: CATS, eventsPerUser: 20, seed: 3, affinity: 0.8 });
  const b = new DatasetBuilder();
  for (const t of data.triples) b.addOne(t.userId, t.itemId, t.weight, t.timestamp, t.timestamp);
  const d = b.build();
  const cat = (id: string) => `c${Number(id.slice(1)) % CATS}`;
  if (metadata) d.side = { items: d.itemIds.map((itemId) => ({ itemId, categories: [cat(itemId)], properties: {} })) };
  const t0 = performance.now();
  const model = trainPipeline(d, {
    kind,
    params,
    tune: false,
    budgetSeconds: 600,
    seed: 7,
    split: 'user',
    evaluate: false,
    neural: false,
    version: '20260101T000000Z-000001',
    createdAt: new Date().toISOString(),
  }).model;
  return { model, cat, trainS: (performance.now() - t0) / 1000 };
}

function core(model: Model, cat: (id: string) => string) {
  const now = () => Date.parse('2026-06-01T00:00:00Z');
  const at = '2026-05-31T00:00:00.000Z';
  const rec = (itemId: string, c: string): CatalogItem => ({
    itemId,
    categories: [c],
    available: true,
    createdAt: at,
    updatedAt: at,
  });
  const records = [
    ...model.itemIds.map((id) => rec(id, cat(id))),
    ...Array.from({ length: NEW }, (_, j) => rec(`new-${j}`, `c${j % CATS}`)),
  ];
  const models = new ModelCache(
    { latest: async () => ({ status: 'ok', etag: 'e', version: model.manifest.version }), load: async () => model },
    { refreshSeconds: 3600, now },
  );
  const cold = new ColdCatalog();
  const catalog = new CatalogCache(cold.tap({ listCatalog: async () => records }), { refreshSeconds: 3600, now });
  const store = { listUserEvents: async () => ({ events: [], cursor: null }), getErasure: async () => null };
  return new ServingCore({ models, catalog, store, log: () => {}, refreshSeconds: 3600, cold, exploreShare: 0.1, now });
}

async function timed(n: number, f: (q: number) => Promise<unknown>) {
  for (let q = 0; q < 20; q++) await f(q);
  const ms: number[] = [];
  for (let q = 0; q < n; q++) {
    const t = performance.now();
    await f(q);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(n / 2)], p99: ms[Math.floor(n * 0.99)] };
}

const cases: [string, string, number, number, boolean, Record<string, unknown>][] = [
  ['ridge: ALS with metadata', 'als', 2000, 3000, true, { factors: 64, iterations: 8 }],
  ['content: EASE', 'ease', 2000, 3000, true, {}],
  ['content: ALS without metadata', 'als', 2000, 3000, false, { factors: 64, iterations: 8 }],
];
if (!QUICK)
  cases.push(
    ['ridge: ALS with metadata', 'als', 50_000, 20_000, true, { factors: 64, iterations: 6 }],
    ['content: ALS without metadata', 'als', 50_000, 20_000, false, { factors: 64, iterations: 6 }],
  );

console.log(`${NEW} new items in ${CATS} categories; ${REQUESTS} users; k = 10; ms p50 / p99`);
console.log('| case | items | train s | recommend, explore=0 | recommend, explore | rank 20 (5 new) |');
console.log('|---|---|---|---|---|---|');
for (const [label, kind, items, users, metadata, params] of cases) {
  const { model, cat, trainS } = train(kind, items, users, metadata, params);
  const c = core(model, cat);
  await c.recommend('u0', { k: 10 });
  const off = await timed(REQUESTS, (q) => c.recommend(`u${q}`, { k: 10, explore: false }));
  const on = await timed(REQUESTS, (q) => c.recommend(`u${q}`, { k: 10 }));
  const cands = [...model.itemIds.slice(0, 15), ...Array.from({ length: 5 }, (_, j) => `new-${j}`)];
  const rank = await timed(REQUESTS, (q) => c.rank(`u${q}`, cands));
  const f = (x: { p50: number; p99: number }) => `${x.p50.toFixed(2)} / ${x.p99.toFixed(2)}`;
  console.log(`| ${label} | ${model.itemIds.length} | ${trainS.toFixed(1)} | ${f(off)} | ${f(on)} | ${f(rank)} |`);
}
