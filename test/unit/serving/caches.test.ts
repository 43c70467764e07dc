import { describe, expect, it } from 'vitest';
import { CorruptModelError } from '../../../shared/model/codec';
import type { Model } from '../../../shared/model/types';
import { CATALOG_OVERLAP_MS, CatalogCache } from '../../../shared/serving/catalog';
import { ModelCache, type ModelSource } from '../../../shared/serving/model-cache';
import { MemoryInteractionStore } from '../../../shared/storage/memory/interactions';
import { trainFixture } from './fixture';

const v1 = trainFixture({ users: 40, items: 30, factors: 4, version: 'v1' }).model;
const v2 = trainFixture({ users: 40, items: 30, factors: 4, seed: 9, version: 'v2' }).model;

/** A source whose pointer and failures the test controls; counts calls. */
function fakeSource(models: Record<string, Model>) {
  const s = {
    pointer: 'v1' as string | null,
    failLatest: false,
    failLoad: null as null | 'corrupt' | 'network',
    latestCalls: 0,
    loadCalls: [] as string[],
    source: null as unknown as ModelSource,
  };
  s.source = {
    latest: async (etag) => {
      s.latestCalls++;
      if (s.failLatest) throw new Error('S3 is down');
      if (s.pointer === null) return { status: 'missing' };
      return etag === `etag-${s.pointer}`
        ? { status: 'unchanged' }
        : { status: 'ok', etag: `etag-${s.pointer}`, version: s.pointer };
    },
    load: async (version) => {
      s.loadCalls.push(version);
      if (s.failLoad === 'corrupt' && version !== 'v1') throw new CorruptModelError('bad bytes');
      if (s.failLoad === 'network') throw new Error('socket hang up');
      return models[version];
    },
  };
  return s;
}

describe('ModelCache', () => {
  it('checks at most every refreshSeconds and reloads only when the pointer moves', async () => {
    let now = 0;
    const logs: string[] = [];
    const src = fakeSource({ v1, v2 });
    const cache = new ModelCache(src.source, { refreshSeconds: 30, now: () => now, log: (_l, m) => logs.push(m) });
    expect((await cache.get())?.version).toBe('v1');
    await cache.get();
    expect(src.latestCalls).toBe(1);
    now = 30_000;
    await cache.get();
    expect(src.latestCalls).toBe(2); // conditional: unchanged, no load
    expect(src.loadCalls).toEqual(['v1']);
    src.pointer = 'v2';
    expect((await cache.get())?.version).toBe('v1'); // not due yet
    now = 60_000;
    expect((await cache.get())?.version).toBe('v2');
  });

  it('keeps serving through S3 failures and retries a transient load failure', async () => {
    let now = 0;
    const levels: string[] = [];
    const src = fakeSource({ v1, v2 });
    const cache = new ModelCache(src.source, { refreshSeconds: 0, now: () => now++, log: (l) => levels.push(l) });
    await cache.get();
    src.failLatest = true;
    expect((await cache.get())?.version).toBe('v1');
    expect(levels).toContain('warn');
    src.failLatest = false;
    src.pointer = 'v2';
    src.failLoad = 'network';
    expect((await cache.get())?.version).toBe('v1');
    src.failLoad = null;
    expect((await cache.get())?.version).toBe('v2');
  });

  it('refuses a corrupt version once, keeps the old one and does not re-download it', async () => {
    const src = fakeSource({ v1, v2 });
    const levels: string[] = [];
    const cache = new ModelCache(src.source, { refreshSeconds: 0, log: (l) => levels.push(l) });
    await cache.get();
    src.pointer = 'v2';
    src.failLoad = 'corrupt';
    expect((await cache.get())?.version).toBe('v1');
    expect((await cache.get())?.version).toBe('v1');
    expect(src.loadCalls).toEqual(['v1', 'v2']);
    expect(levels).toContain('error');
  });

  it('shares one load between concurrent first requests, and is empty while nothing is published', async () => {
    const src = fakeSource({ v1 });
    src.pointer = null;
    const cache = new ModelCache(src.source, { refreshSeconds: 0 });
    expect(await cache.get()).toBeNull();
    src.pointer = 'v1';
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect(a).toBe(b);
    expect(src.loadCalls).toEqual(['v1']);
  });
});

describe('ModelCache cold start', () => {
  it('a request arriving while the init load runs waits for it instead of answering "no model"', async () => {
    const src = fakeSource({ v1 });
    const cache = new ModelCache(src.source, { refreshSeconds: 30, now: () => 0 });
    const warming = cache.get(); // what warm() does at init
    const first = cache.get(); // a request during the load: no check is due, but no model yet either
    expect((await first)?.version).toBe('v1');
    await warming;
    expect(src.loadCalls).toEqual(['v1']);
  });
});

describe('CatalogCache', () => {
  it('reads everything once, then only deltas since the watermark minus the overlap', async () => {
    const store = new MemoryInteractionStore();
    const sinces: (number | undefined)[] = [];
    const spy = { listCatalog: (since?: number) => (sinces.push(since), store.listCatalog(since)) };
    let now = 1_000_000;
    const cache = new CatalogCache(spy, { refreshSeconds: 10, now: () => now });
    await store.putItem({ itemId: 'i1', categories: ['a'], available: true }, now);
    await store.putItem({ itemId: 'i2', categories: ['b'], available: true }, now);
    await cache.refresh();
    const itemIndex = new Map([
      ['i1', 0],
      ['i2', 1],
      ['i3', 2],
    ]);
    const view = cache.viewOf(itemIndex, 3);
    expect([...view.itemsIn('a')]).toEqual([0]);
    expect(view.blocked[0]).toBe(0);

    now += 5_000;
    await store.markItemUnavailable('i1', now);
    await store.putItem({ itemId: 'i2', categories: ['a', 'c'], available: true }, now);
    await cache.refresh(); // not due
    expect(view.blocked[0]).toBe(0);
    now += 10_000;
    await cache.refresh();
    expect(sinces).toEqual([undefined, 1_000_000 - CATALOG_OVERLAP_MS]);
    expect(cache.viewOf(itemIndex, 3)).toBe(view); // same model: updated in place
    expect(view.blocked[0]).toBe(1);
    expect([...view.itemsIn('a')].sort()).toEqual([0, 1]); // i1 keeps its category, blocked
    expect([...view.itemsIn('b')]).toEqual([]);
    expect([...view.itemsIn('c')]).toEqual([1]);
  });

  it('is not ready until a read succeeds, and keeps the last catalog when one fails', async () => {
    let fail = true;
    const errors: string[] = [];
    const cache = new CatalogCache(
      { listCatalog: async () => (fail ? Promise.reject(new Error('throttled')) : []) },
      { refreshSeconds: 0, onError: (m) => errors.push(m) },
    );
    await cache.refresh();
    expect(cache.ready).toBe(false);
    expect(errors).toHaveLength(1);
    fail = false;
    await cache.refresh();
    expect(cache.ready).toBe(true);
    fail = true;
    await cache.refresh();
    expect(cache.ready).toBe(true);
  });
});
