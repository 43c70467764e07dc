/**
 * Diversity through the serving core and the route: MMR, the per-category
 * cap and the calibrated re-rank on a real (planted-cluster) model, filters
 * still applied, exact k when enough candidates qualify, and the query's 400s.
 */
import { describe, expect, it } from 'vitest';
import type { CatalogItem, Interaction } from '../../../shared/events';
import type { ApiRequest } from '../../../shared/http/api';
import { ApiError } from '../../../shared/http/errors';
import { CatalogCache } from '../../../shared/serving/catalog';
import { type RecommendOptions, ServingCore } from '../../../shared/serving/core';
import { ModelCache } from '../../../shared/serving/model-cache';
import { pickFromPool, poolSize } from '../../../shared/serving/diversify';
import { recommendRoutes } from '../../../shared/serving/routes';
import { event, trainFixture } from './fixture';

const fx = trainFixture({ users: 120, items: 64, clusters: 4, factors: 8 });
const category = (id: string) => `c${fx.clusterOfItem(id)}`;
const at = '2026-01-01T00:00:00.000Z';
const records: CatalogItem[] = fx.model.itemIds.map((itemId) => ({
  itemId,
  categories: [category(itemId)],
  available: true,
  createdAt: at,
  updatedAt: at,
}));

function serving(history: Record<string, Interaction[]> = {}) {
  const models = new ModelCache(
    {
      latest: async () => ({ status: 'ok', etag: 'e', version: fx.model.manifest.version }),
      load: async () => fx.model,
    },
    { refreshSeconds: 60 },
  );
  const catalog = new CatalogCache({ listCatalog: async () => records }, { refreshSeconds: 60 });
  const store = {
    listUserEvents: async (u: string) => ({ events: history[u] ?? [], cursor: null }),
    getErasure: async () => null,
  };
  return new ServingCore({ models, catalog, store, log: () => {}, refreshSeconds: 60 });
}

const core = serving();
const users = fx.model.userIds.slice(0, 30);
const ids = async (u: string, o: RecommendOptions) => (await core.recommend(u, o)).items.map((x) => x.itemId);
const clustersOf = (list: string[]) => new Set(list.map(category)).size;

describe('diversity in recommendations', () => {
  it('diversity 0 and no cap answer exactly the plain list', async () => {
    for (const u of users.slice(0, 5)) expect(await ids(u, { k: 8, diversity: 0 })).toEqual(await ids(u, { k: 8 }));
  });

  it('more diversity spreads the list over more clusters', async () => {
    let plain = 0;
    let mmr = 0;
    for (const u of users) {
      plain += clustersOf(await ids(u, { k: 4 }));
      mmr += clustersOf(await ids(u, { k: 4, diversity: 0.9 }));
    }
    // planted users favour one cluster: plain lists are nearly one cluster, MMR's reach others
    expect(mmr / users.length).toBeGreaterThan(plain / users.length + 1);
  });

  it('maxPerCategory: never exceeded, and exactly k when the pool has enough', async () => {
    for (const u of users) {
      for (const diversity of [0, 0.5]) {
        const list = await ids(u, { k: 8, maxPerCategory: 2, diversity });
        expect(list).toHaveLength(8);
        const per = new Map<string, number>();
        for (const id of list) per.set(category(id), (per.get(category(id)) ?? 0) + 1);
        expect(Math.max(...per.values())).toBeLessThanOrEqual(2);
      }
    }
  });

  it('filters still hold: category restriction and exclusions, k items', async () => {
    for (const u of users.slice(0, 10)) {
      const exclude = await ids(u, { k: 3, categories: ['c1'] });
      const list = await ids(u, { k: 6, categories: ['c1', 'c2'], exclude, diversity: 0.8, maxPerCategory: 3 });
      expect(list).toHaveLength(6);
      for (const id of list) expect(['c1', 'c2']).toContain(category(id));
      for (const id of exclude) expect(list).not.toContain(id);
    }
  });

  it('calibrate matches the category mix of the history', async () => {
    // a new user who bought 3 items each of c0, c1 and c2: calibrated, the list is 2 + 2 + 2
    const of = (c: string) => fx.model.itemIds.filter((id) => category(id) === c).slice(0, 3);
    const bought = [...of('c0'), ...of('c1'), ...of('c2')];
    const c = serving({ mixed: bought.map((id) => event('mixed', id, 'purchase')) });
    const count = (list: string[], g: string) => list.filter((id) => category(id) === g).length;
    const list = (await c.recommend('mixed', { k: 6, calibrate: 0.9 })).items.map((x) => x.itemId);
    expect(list).toHaveLength(6);
    expect(['c0', 'c1', 'c2'].map((g) => count(list, g))).toEqual([2, 2, 2]);
    // the plain list is not already balanced
    const plain = (await c.recommend('mixed', { k: 6 })).items.map((x) => x.itemId);
    expect(['c0', 'c1', 'c2'].map((g) => count(plain, g))).not.toEqual([2, 2, 2]);
  });
});

describe('the diversity query parameters', () => {
  const route = recommendRoutes(core)['GET /users/{userId}/recommendations'];
  const req = (query: Record<string, string>): ApiRequest => ({
    method: 'GET',
    route: 'GET /users/{userId}/recommendations',
    params: { userId: users[0] },
    query,
    headers: {},
    body: undefined,
    principal: { kind: 'anonymous' } as unknown as ApiRequest['principal'],
    requestId: 'r',
  });
  const status = async (q: Record<string, string>) =>
    route(req(q)).then(
      (r) => r.status,
      (e) => (e instanceof ApiError ? `${e.status} ${e.code}` : String(e)),
    );

  it('accepts weights 0..1 and a cap 1..100', async () => {
    expect(await status({ diversity: '0.3', maxPerCategory: '2' })).toBe(200);
    expect(await status({ calibrate: '1' })).toBe(200);
  });

  it('refuses out-of-range values and both re-rankers at once with a 400', async () => {
    const bad: Record<string, string>[] = [
      { diversity: '1.5' },
      { diversity: '-0.1' },
      { maxPerCategory: '0' },
      { calibrate: 'x' },
    ];
    for (const q of bad) expect(await status(q)).toBe('400 invalid_query');
    expect(await status({ diversity: '0.5', calibrate: '0.5' })).toBe('400 invalid_query');
  });
});

describe('pickFromPool', () => {
  // 60 candidates best-first: the 40 best (the MMR head for k = 10) all in "a", then one each of b0..b19
  const relevance = Float32Array.from({ length: 60 }, (_, p) => 60 - p);
  const categoriesOf = (p: number) => (p < 40 ? ['a'] : [`b${p - 40}`]);
  const input = {
    relevance,
    categoriesOf,
    similarity: () => ({ row: (_p: number, out: Float64Array) => out.fill(0) }),
    target: () => new Map([['a', 1]]),
  };

  it('fills slots the cap leaves empty from beyond the 4k head, in relevance order', () => {
    expect(poolSize(10, { maxPerCategory: 2 })).toBe(400);
    expect(poolSize(10, { diversity: 0.5 })).toBe(40);
    for (const opts of [
      { maxPerCategory: 2 },
      { maxPerCategory: 2, diversity: 0.7 },
      { maxPerCategory: 2, calibrate: 1 },
    ])
      expect(pickFromPool(input, 10, opts)).toEqual([0, 1, 40, 41, 42, 43, 44, 45, 46, 47]);
  });

  it('without a cap, only the head is re-ranked', () => {
    const out = pickFromPool(input, 10, { diversity: 1 });
    expect(out).toHaveLength(10);
    for (const p of out) expect(p).toBeLessThan(40);
  });
});
