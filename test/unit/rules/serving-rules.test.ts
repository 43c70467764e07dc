/**
 * Business rules in the serving core, on a small real model: filters inside the
 * selection (the answer is the unfiltered ranking's best k matching items),
 * 400s naming the problem, boosts, slot promotions and pins — deterministic and
 * named in `because`.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../../shared/events';
import type { ApiError } from '../../../shared/http/errors';
import { RuleCache } from '../../../shared/rules/cache';
import type { Promotion } from '../../../shared/rules/definitions';
import { MemoryRuleStore } from '../../../shared/rules/memory-store';
import { CatalogCache } from '../../../shared/serving/catalog';
import { type RecommendOptions, ServingCore } from '../../../shared/serving/core';
import { ModelCache } from '../../../shared/serving/model-cache';
import { trainFixture } from '../serving/fixture';

const fx = trainFixture({ users: 80, items: 40, factors: 8 });
const T = '2026-06-01T00:00:00.000Z';
const n = (id: string) => Number(id.slice(1));

/** Items i0..i39: price = its number, brand a/b alternating, category "promo" for i30+, i7 unavailable. */
const CATALOG: CatalogItem[] = fx.model.itemIds.map((itemId) => ({
  itemId,
  categories: n(itemId) >= 30 ? ['promo'] : ['plain'],
  available: itemId !== 'i7',
  properties: { price: n(itemId), brand: n(itemId) % 2 ? 'a' : 'b' },
  createdAt: T,
  updatedAt: T,
}));

let rules: MemoryRuleStore;
let core: ServingCore;
beforeEach(() => {
  const now = () => Date.parse(T);
  const models = new ModelCache(
    {
      latest: async () => ({ status: 'ok', etag: 'e', version: fx.model.manifest.version }),
      load: async () => fx.model,
    },
    { refreshSeconds: 60, now },
  );
  const catalog = new CatalogCache({ listCatalog: async () => CATALOG }, { refreshSeconds: 60, now });
  const store = { listUserEvents: async () => ({ events: [], cursor: null }), getErasure: async () => null };
  rules = new MemoryRuleStore();
  const ruleCache = new RuleCache(rules, { refreshSeconds: 0, now });
  core = new ServingCore({ models, catalog, store, log: () => {}, refreshSeconds: 60, now, rules: ruleCache });
});

const ids = async (o: RecommendOptions, user = 'u1') => (await core.recommend(user, o)).items.map((x) => x.itemId);
const promotion = (p: Record<string, unknown>): Promotion =>
  ({ enabled: true, updatedAt: T, ...p }) as unknown as Promotion;

async function rejection(o: RecommendOptions): Promise<ApiError> {
  try {
    await core.recommend('u1', o);
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('expected a rejection');
}

describe('filters in the serving core', () => {
  it('answer the best k matching items of the unfiltered ranking, exactly k when k match', async () => {
    const all = await ids({ k: 40, promotions: false });
    for (const filter of ['price < 20', 'brand == "a" and price >= 10', 'category == "promo" or price in [1, 2, 3]']) {
      const matching = all.filter((id) => {
        const p = { price: n(id), brand: n(id) % 2 ? 'a' : 'b' };
        if (filter === 'price < 20') return p.price < 20;
        if (filter.startsWith('brand')) return p.brand === 'a' && p.price >= 10;
        return n(id) >= 30 || [1, 2, 3].includes(p.price);
      });
      expect(matching.length).toBeGreaterThanOrEqual(5);
      expect(await ids({ k: 5, filter }), filter).toEqual(matching.slice(0, 5));
      expect(await ids({ k: 40, filter }), filter).toEqual(matching);
    }
    expect(all).not.toContain('i7');
  });

  it('a stored filter by name answers as its expression does; both together must both hold', async () => {
    await rules.putFilter({ name: 'cheap', expression: 'price < 15', updatedAt: T });
    expect(await ids({ k: 6, filterName: 'cheap' })).toEqual(await ids({ k: 6, filter: 'price < 15' }));
    expect(await ids({ k: 6, filterName: 'cheap', filter: 'brand == "b"' })).toEqual(
      await ids({ k: 6, filter: 'price < 15 and brand == "b"' }),
    );
  });

  it('a bad expression or an unknown name is a 400 naming the problem', async () => {
    const bad = await rejection({ k: 5, filter: 'price.constructor("x")' });
    expect([bad.status, bad.code]).toEqual([400, 'invalid_filter']);
    expect(bad.message).toMatch(/^filter: /);
    const unsafe = await rejection({ k: 5, filter: 'a.__proto__ == 1' });
    expect([unsafe.status, unsafe.message]).toEqual([400, 'filter: property name "__proto__" is not allowed']);
    const unknown = await rejection({ k: 5, filterName: 'nope' });
    expect([unknown.status, unknown.code]).toEqual([400, 'unknown_filter']);
  });
});

describe('promotions in the serving core', () => {
  it('a boost lifts matching items and names itself; scores stay the model’s', async () => {
    const plain = await core.recommend('u1', { k: 40 });
    await rules.putPromotion(promotion({ name: 'brand-a', type: 'boost', expression: 'brand == "a"', factor: 1000 }));
    const boosted = await core.recommend('u1', { k: 5 });
    const aFirst = plain.items.filter((x) => n(x.itemId) % 2 === 1).slice(0, 5);
    expect(boosted.items.map((x) => x.itemId)).toEqual(aFirst.map((x) => x.itemId));
    for (const [r, it] of boosted.items.entries()) {
      expect(it.because).toContainEqual({ rule: 'brand-a' });
      expect(it.score).toBeCloseTo(aFirst[r].score, 5);
      expect(it.probability).toBeCloseTo(aFirst[r].probability as number, 5);
    }
  });

  it('slots bring the best matching items in until N of k match, replacing the lowest-ranked others', async () => {
    const plain = await ids({ k: 40 });
    const promoRanked = plain.filter((id) => n(id) >= 30);
    const top = plain.slice(0, 6);
    const already = top.filter((id) => n(id) >= 30).length;
    await rules.putPromotion(promotion({ name: 'promo3', type: 'slots', expression: 'category == "promo"', slots: 3 }));
    const got = await core.recommend('u1', { k: 6 });
    const gotIds = got.items.map((x) => x.itemId);
    expect(gotIds).toHaveLength(6);
    expect(gotIds.filter((id) => n(id) >= 30)).toHaveLength(Math.max(3, already));
    const brought = promoRanked.filter((id) => !top.includes(id)).slice(0, Math.max(0, 3 - already));
    for (const id of brought) {
      expect(gotIds).toContain(id);
      expect(got.items.find((x) => x.itemId === id)?.because).toContainEqual({ rule: 'promo3' });
    }
    // the others keep their relative order; the lowest-ranked non-promo items gave their slots up
    const kept = top.filter((id) => n(id) < 30).slice(0, 6 - Math.max(3, already));
    expect(gotIds.filter((id) => n(id) < 30)).toEqual(kept);
    expect(await core.recommend('u1', { k: 6 })).toEqual(got);
    expect(await ids({ k: 6, promotions: false })).toEqual(top);
  });

  it('slots obey the request filter, and never go beyond what qualifies', async () => {
    await rules.putPromotion(promotion({ name: 'p', type: 'slots', expression: 'price >= 38', slots: 5 }));
    const got = await ids({ k: 8, filter: 'brand == "b"' });
    expect(got).toHaveLength(8);
    for (const id of got) expect(n(id) % 2).toBe(0);
    expect(got).toContain('i38');
    expect(got.filter((id) => n(id) >= 38)).toEqual(['i38']);
  });

  it('a pin puts its item at its slot unless a filter, an exclusion or availability forbids it', async () => {
    const plain = await ids({ k: 5 });
    const pinnedId = (await ids({ k: 40 })).at(-1) as string;
    await rules.putPromotion(promotion({ name: 'hero', type: 'pin', itemId: pinnedId, position: 2 }));
    const got = await core.recommend('u1', { k: 5 });
    expect(got.items.map((x) => x.itemId)).toEqual([plain[0], pinnedId, ...plain.slice(1, 4)]);
    expect(got.items[1].because.at(-1)).toEqual({ rule: 'hero' });
    expect(await ids({ k: 5, exclude: [pinnedId] })).toEqual(plain);
    expect(await ids({ k: 5, filter: `itemId != "${pinnedId}"` })).toEqual(plain);
    await rules.putPromotion(promotion({ name: 'gone', type: 'pin', itemId: 'i7', position: 1 }));
    expect((await ids({ k: 5 }))[0]).not.toBe('i7');
    await rules.putPromotion(promotion({ name: 'off', type: 'pin', itemId: pinnedId, position: 1, enabled: false }));
    expect((await ids({ k: 5 }))[1]).toBe(pinnedId);
  });
});

describe('filters on similar items', () => {
  it('answer the best k matching items of the unfiltered neighbours; a bad filter is a 400', async () => {
    const all = (await core.similar('i1', 39)).items.map((x) => x.itemId);
    const want = all.filter((id) => n(id) % 2 === 0 && n(id) < 30).slice(0, 5);
    const got = await core.similar('i1', 5, { filter: 'brand == "b" and category == "plain"' });
    expect(got.items.map((x) => x.itemId)).toEqual(want);
    await rules.putFilter({ name: 'even', expression: 'brand == "b"', updatedAt: T });
    const named = await core.similar('i1', 5, { filterName: 'even' });
    expect(named.items.map((x) => x.itemId)).toEqual(all.filter((id) => n(id) % 2 === 0).slice(0, 5));
    await expect(core.similar('i1', 5, { filter: 'price +' })).rejects.toMatchObject({ status: 400 });
  });
});

describe('when the rules cannot be read', () => {
  it('serves without promotions, says so in /health, and answers 503 only for a stored filter', async () => {
    const now = () => Date.parse(T);
    const models = new ModelCache(
      {
        latest: async () => ({ status: 'ok', etag: 'e', version: fx.model.manifest.version }),
        load: async () => fx.model,
      },
      { refreshSeconds: 60, now },
    );
    const catalog = new CatalogCache({ listCatalog: async () => CATALOG }, { refreshSeconds: 60, now });
    const store = { listUserEvents: async () => ({ events: [], cursor: null }), getErasure: async () => null };
    const down = new RuleCache(
      {
        listRules: async () => {
          throw new Error('store down');
        },
      },
      { refreshSeconds: 0, now },
    );
    const c = new ServingCore({ models, catalog, store, log: () => {}, refreshSeconds: 60, now, rules: down });
    const answer = await c.recommend('u1', { k: 5 });
    expect(answer.items).toHaveLength(5);
    expect((await c.recommend('u1', { k: 5, filter: 'price < 10' })).items.length).toBeGreaterThan(0);
    const err = await c.recommend('u1', { k: 5, filterName: 'cheap' }).catch((e: ApiError) => e);
    expect([(err as ApiError).status, (err as ApiError).code]).toEqual([503, 'rules_unavailable']);
    const health = await c.health();
    expect(health.status).toBe('degraded');
    expect(health.reasons.some((r) => r.startsWith('rule reads failing since'))).toBe(true);
  });
});

describe('filters on rank', () => {
  it('leave out the candidates that do not match (and those the model does not know); the order stays', async () => {
    const candidates = ['i3', 'i4', 'i10', 'i11', 'i7', 'unknown'];
    const all = (await core.rank('u1', candidates)).items.map((x) => x.itemId);
    const got = await core.rank('u1', candidates, { filter: 'brand == "b"' });
    expect(got.items.map((x) => x.itemId)).toEqual(all.filter((id) => id !== 'unknown' && n(id) % 2 === 0));
    await expect(core.rank('u1', candidates, { filter: 'a[0] == 1' })).rejects.toMatchObject({ status: 400 });
  });
});
