/**
 * Serving a model without its user rows (ATTUNE_SERVING_MAX_USERS exceeded): users
 * are folded in from their events, or from their stored history read by range when
 * one page of events may not hold it. Answers match serving with every user in memory.
 */
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import { publishModel } from '../../../shared/model/repository';
import { CatalogCache } from '../../../shared/serving/catalog';
import { ServingCore } from '../../../shared/serving/core';
import { RECENT_EVENTS } from '../../../shared/serving/history';
import { ModelCache, repositorySource, servingOmits } from '../../../shared/serving/model-cache';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { event, trainFixture } from './fixture';

const fx = trainFixture({ users: 80, items: 40, factors: 8 });
const P = 'models/';

class CountingStore extends MemoryModelStore {
  ranges = 0;
  failRanges = false;
  override async getRange(key: string, start: number, end: number) {
    this.ranges++;
    if (this.failRanges) throw new Error('injected S3 failure');
    return super.getRange(key, start, end);
  }
}

async function setup(events: Record<string, Interaction[]> = {}, erased: string[] = []) {
  const store = new CountingStore();
  await publishModel(store, P, fx.model, { keep: 2 });
  const warnings: string[] = [];
  const make = (maxUsersInMemory: number) => {
    const models = new ModelCache(repositorySource(store, P, { maxUsersInMemory }), { refreshSeconds: 60 });
    const catalog = new CatalogCache({ listCatalog: async () => [] }, { refreshSeconds: 60 });
    const interactions = {
      listUserEvents: async (u: string) => ({ events: events[u] ?? [], cursor: null }),
      getErasure: async (u: string) => (erased.includes(u) ? { userId: u, erasedAt: 1 } : null),
    };
    const log = (level: string, message: string) => level === 'warn' && warnings.push(message);
    return { models, core: new ServingCore({ models, catalog, store: interactions, log, refreshSeconds: 60 }) };
  };
  return { store, warnings, memory: make(Number.POSITIVE_INFINITY), onDemand: make(0) };
}

const ids = (r: { items: { itemId: string }[] }) => r.items.map((i) => i.itemId);

describe('serving users on demand', () => {
  it('holds no user rows, and reads a stored user by one ranged GET', async () => {
    const s = await setup();
    const pm = await s.onDemand.models.get();
    expect(pm?.model.userIds).toHaveLength(0);
    expect(pm?.model.userFactors).toHaveLength(0);
    expect(pm?.model.seenIndices).toHaveLength(0);
    const user = fx.model.userIds[3];
    const a = await s.memory.core.recommend(user, { k: 10 });
    const b = await s.onDemand.core.recommend(user, { k: 10 });
    expect(s.store.ranges).toBe(1);
    expect(b.source).toBe('personalized');
    // the same user, from the same history: nearly the same list, and never a trained item
    const overlap = ids(a).filter((x) => ids(b).includes(x)).length;
    expect(overlap).toBeGreaterThanOrEqual(8);
    const u = fx.model.userIds.indexOf(user);
    const seen = new Set(
      Array.from(fx.model.seenIndices.subarray(fx.model.seenIndptr[u], fx.model.seenIndptr[u + 1])).map(
        (i) => fx.model.itemIds[i],
      ),
    );
    for (const id of ids(b)) expect(seen.has(id)).toBe(false);
  });

  it('folds a user in from a partial page of events without reading S3', async () => {
    const evs = [event('newbie', 'i1', 'purchase'), event('newbie', 'i5', 'purchase')];
    const s = await setup({ newbie: evs });
    const r = await s.onDemand.core.recommend('newbie', { k: 5 });
    expect(r.source).toBe('fold-in');
    expect(s.store.ranges).toBe(0);
    expect(ids(r)).not.toContain('i1');
    expect(ids(r).map((x) => fx.clusterOfItem(x))).toContain(fx.clusterOfItem('i1'));
  });

  it('reads the stored history when a full page of events may not be all, adding fresh events on top', async () => {
    const user = fx.model.userIds[5];
    const page = Array.from({ length: RECENT_EVENTS }, (_, q) => event(user, `i${q % 40}`, 'view'));
    const s = await setup({ [user]: page });
    const r = await s.onDemand.core.recommend(user, { k: 5 });
    expect(s.store.ranges).toBe(1);
    expect(r.source).toBe('fold-in');
  });

  it('never reads an erased user, and degrades to their events when S3 fails', async () => {
    const user = fx.model.userIds[7];
    const s = await setup({}, [user]);
    expect((await s.onDemand.core.recommend(user, { k: 3 })).source).toBe('popular');
    expect(s.store.ranges).toBe(0);
    s.store.failRanges = true;
    const other = fx.model.userIds[8];
    const r = await s.onDemand.core.recommend(other, { k: 3 });
    expect(r.source).toBe('popular');
    expect(r.items).toHaveLength(3);
    expect(s.warnings.some((w) => w.includes('stored user history unavailable'))).toBe(true);
  });

  it('keeps users in memory below the threshold and for kinds that cannot fold in', async () => {
    const m = await publishModel(new MemoryModelStore(), P, fx.model, { keep: 1 });
    expect(servingOmits(m, Number.POSITIVE_INFINITY).has('user_factors.f32')).toBe(false);
    expect(servingOmits(m, 0).has('user_factors.f32')).toBe(true);
    expect(servingOmits({ ...m, kind: 'mf' }, 0).has('user_factors.f32')).toBe(false);
    expect(servingOmits({ ...m, kind: 'user-knn' }, 0).has('user_factors.f32')).toBe(false);
    // the histories file itself is only ever read by range
    expect(servingOmits(m, Number.POSITIVE_INFINITY).has('user_histories.i32')).toBe(true);
  });
});
