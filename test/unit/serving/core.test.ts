/**
 * The serving core over an in-memory model source and a store whose reads the
 * test controls: interleaved requests, a store that fails or times out, health.
 */
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import { CatalogCache } from '../../../shared/serving/catalog';
import { ServingCore } from '../../../shared/serving/core';
import { ModelCache } from '../../../shared/serving/model-cache';
import { event, trainFixture } from './fixture';

const fx = trainFixture({ users: 80, items: 40, factors: 8 });

type Reader = (userId: string) => Promise<Interaction[]>;

function core(read: Reader, opts: { erasure?: (userId: string) => Promise<null> } = {}) {
  let t = Date.parse('2026-06-01T00:00:00Z');
  const now = () => t;
  const models = new ModelCache(
    {
      latest: async () => ({ status: 'ok', etag: 'e', version: fx.model.manifest.version }),
      load: async () => fx.model,
    },
    { refreshSeconds: 60, now },
  );
  const catalog = new CatalogCache({ listCatalog: async () => [] }, { refreshSeconds: 60, now });
  const store = {
    listUserEvents: async (userId: string) => ({ events: await read(userId), cursor: null }),
    getErasure: opts.erasure ?? (async () => null),
  };
  const c = new ServingCore({ models, catalog, store, log: () => {}, refreshSeconds: 60, now });
  return { core: c, advance: (ms: number) => (t += ms) };
}

/** A promise the test resolves by hand. */
function gate<T>() {
  let open!: (v: T) => void;
  const p = new Promise<T>((r) => (open = r));
  return { p, open };
}

describe('ServingCore', () => {
  it('two interleaved requests for different users each get their own answer', async () => {
    const fresh = (u: string, items: string[]) => items.map((i) => event(u, i, 'purchase'));
    const history: Record<string, Interaction[]> = {
      u1: fresh('u1', ['i1', 'i5']),
      u2: fresh('u2', ['i2', 'i6']),
      new: fresh('new', ['i3']),
    };
    // alone, one at a time
    const solo = core(async (u) => history[u]);
    const alone = {
      u1: await solo.core.recommend('u1', { k: 8 }),
      u2: await solo.core.recommend('u2', { k: 8, exclude: ['i10'] }),
      new: await solo.core.recommend('new', { k: 8 }),
    };
    expect(alone.u1.source).toBe('fold-in');
    expect(alone.new.source).toBe('fold-in');
    // interleaved: all three are in flight at once and their reads complete in reverse order
    const gates: Record<string, ReturnType<typeof gate<Interaction[]>>> = { u1: gate(), u2: gate(), new: gate() };
    const mixed = core((u) => gates[u].p);
    const r1 = mixed.core.recommend('u1', { k: 8 });
    const r2 = mixed.core.recommend('u2', { k: 8, exclude: ['i10'] });
    const r3 = mixed.core.recommend('new', { k: 8 });
    const rank = mixed.core.rank('u2', ['i2', 'i10', 'i14', 'i3']);
    await new Promise((r) => setTimeout(r, 10));
    for (const u of ['new', 'u2', 'u1']) {
      gates[u].open(history[u]);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await r1).toEqual(alone.u1);
    expect(await r2).toEqual(alone.u2);
    expect(await r3).toEqual(alone.new);
    expect((await rank).items.map((x) => x.itemId)).toEqual(
      (await solo.core.rank('u2', ['i2', 'i10', 'i14', 'i3'])).items.map((x) => x.itemId),
    );
  });

  it('answers from the cached model when the user-events read fails, and says so', async () => {
    let failing = true;
    const { core: c, advance } = core(async (u) => {
      if (failing) throw Object.assign(new Error('DynamoDB Query timed out'), { name: 'StoreUnavailableError' });
      return [event(u, 'i1', 'view', 0)];
    });
    const known = await c.recommend('u1', { k: 5 });
    expect(known).toMatchObject({ source: 'personalized', stale: true });
    expect(known.items).toHaveLength(5);
    const stranger = await c.recommend('nobody', { k: 5 });
    expect(stranger).toMatchObject({ source: 'popular', stale: true });
    expect((await c.rank('u1', ['i1', 'i2'])).stale).toBe(true);
    const h = await c.health();
    expect(h.status).toBe('degraded');
    expect(h.reasons).toEqual([expect.stringMatching(/^user event reads failing since 2026-06-01T00:00:00.000Z$/)]);
    failing = false;
    advance(1000);
    const ok = await c.recommend('u1', { k: 5 });
    expect(ok.stale).toBeUndefined();
    expect((await c.health()).status).toBe('ok');
  });

  it('serves popular items, flagged stale, when the erasure marker cannot be read', async () => {
    const { core: c } = core(async () => [], { erasure: () => Promise.reject(new Error('timeout')) });
    expect(await c.recommend('u1', { k: 3 })).toMatchObject({ source: 'popular', stale: true });
  });
});
