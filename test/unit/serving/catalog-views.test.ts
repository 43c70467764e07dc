/** One catalog view per model served at once (latest + A/B variants' models), each kept up to date. */
import { describe, expect, it } from 'vitest';
import { MAX_VARIANT_MODELS } from '../../../shared/experiments/schema';
import { FilterIndex } from '../../../shared/rules/filter-index';
import { CatalogCache } from '../../../shared/serving/catalog';
import { MemoryInteractionStore } from '../../../shared/storage/memory/interactions';

const index = (ids: string[]) => new Map(ids.map((id, i) => [id, i]));

describe('catalog views of several models', () => {
  it('keeps a view per model served at once, updates every one, drops the least recently used beyond', async () => {
    const store = new MemoryInteractionStore();
    let now = 1_000_000;
    const cache = new CatalogCache(store, { refreshSeconds: 10, now: () => now });
    await store.putItem({ itemId: 'i1', categories: ['a'], available: true }, now);
    await cache.refresh();
    const latest = index(['i1', 'i2']);
    const pinned = index(['i2', 'i1']);
    const a = cache.viewOf(latest, 2);
    const b = cache.viewOf(pinned, 2);
    // alternating requests of two variants reuse their views (no O(catalog) rebuild per request)
    expect(cache.viewOf(latest, 2)).toBe(a);
    expect(cache.viewOf(pinned, 2)).toBe(b);
    now += 20_000;
    await store.markItemUnavailable('i1', now);
    await cache.refresh();
    expect([a.blocked[0], b.blocked[1]]).toEqual([1, 1]);
    // more models than are ever served at once: the least recently used view goes
    for (let m = 0; m < MAX_VARIANT_MODELS; m++) cache.viewOf(index([`x${m}`]), 1);
    expect(cache.viewOf(pinned, 2)).toBe(b);
    expect(cache.viewOf(latest, 2)).not.toBe(a);
  });
});

describe('filter bitmaps of several models', () => {
  it('keeps one bitmap per view: alternating variants do not re-evaluate the filter over the catalog', async () => {
    const store = new MemoryInteractionStore();
    const cache = new CatalogCache(store, { refreshSeconds: 10, now: () => 1_000_000 });
    await store.putItem({ itemId: 'i1', categories: ['a'], available: true, properties: { price: 5 } }, 1_000_000);
    await store.putItem({ itemId: 'i2', categories: ['a'], available: true, properties: { price: 50 } }, 1_000_000);
    await cache.refresh();
    const a = cache.viewOf(index(['i1', 'i2']), 2);
    const b = cache.viewOf(index(['i2', 'i1']), 2);
    const filters = new FilterIndex();
    const bitsA = filters.bitmap(a, ['price < 10']);
    const bitsB = filters.bitmap(b, ['price < 10']);
    expect([[...bitsA], [...bitsB]]).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(filters.bitmap(a, ['price < 10'])).toBe(bitsA);
    expect(filters.bitmap(b, ['price < 10'])).toBe(bitsB);
    expect(filters.cachedBitmaps).toBe(2);
  });
});
