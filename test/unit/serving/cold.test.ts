/**
 * New catalog items in serving: an item PUT into the catalog after training
 * (no interactions, not a column of the model) gets a vector from the model's
 * metadata ridge and is recommended in exploration slots, ranked and listed in
 * similar items, each time with coldStart: true. Planted clusters: item i's
 * category is k{cluster}, so a new item of a user's cluster is the right one.
 */
import { describe, expect, it } from 'vitest';
import { RuleCache } from '../../../shared/rules/cache';
import type { Promotion } from '../../../shared/rules/definitions';
import { MemoryRuleStore } from '../../../shared/rules/memory-store';
import { explorationSlots, placeExploration } from '../../../shared/serving/explore';
import { clusters, data, record, serve, train } from './cold-fixture';

const withMeta = train(true);
const users = Array.from({ length: 40 }, (_, u) => `u${u}`);

describe('new catalog items in serving', () => {
  it('fills 1 in 10 slots with the new item of the user’s taste, coldStart true and its category as reason', async () => {
    const core = serve(withMeta);
    let right = 0;
    for (const userId of users) {
      const r = await core.recommend(userId, { k: 10 });
      expect(r.items).toHaveLength(10);
      const fresh = r.items.filter((i) => i.coldStart);
      expect(fresh).toHaveLength(1);
      expect(r.items[9].coldStart).toBe(true);
      expect(fresh[0].itemId).not.toBe('gone');
      if (fresh[0].itemId === `new-${data.userCluster[Number(userId.slice(1))]}`) right++;
      expect(fresh[0].because).toEqual([{ category: fresh[0].itemId.replace('new-', 'k') }]);
      expect(await core.recommend(userId, { k: 10 })).toEqual(r);
    }
    expect(right / users.length).toBeGreaterThan(0.8);
  });

  it('explore=0 turns the slots off; filters apply to new items too and are never relaxed', async () => {
    const core = serve(withMeta);
    const plain = await core.recommend('u0', { k: 10, explore: false });
    expect(plain.items.some((i) => i.coldStart)).toBe(false);
    const mine = (await core.recommend('u0', { k: 10 })).items.find((i) => i.coldStart)!.itemId;
    const other = await core.recommend('u0', { k: 10, exclude: [mine] });
    expect(other.items.find((i) => i.coldStart)?.itemId).not.toBe(mine);
    const only = await core.recommend('u0', { k: 10, categories: ['k2'] });
    expect(only.items.filter((i) => i.coldStart).map((i) => i.itemId)).toEqual(['new-2']);
    const none = await core.recommend('u0', { k: 10, excludeCategories: ['k0', 'k1', 'k2', 'k3'] });
    expect(none.items.some((i) => i.coldStart)).toBe(false);
    expect((await serve(withMeta, { share: 0 }).recommend('u0', { k: 10 })).items.some((i) => i.coldStart)).toBe(false);
  });

  it('a pin or promotion shapes the answer alone: no exploration slot displaces it', async () => {
    const store = new MemoryRuleStore();
    const pin = { name: 'last-slot', type: 'pin', itemId: 'i1', position: 10, enabled: true, updatedAt: 'x' };
    await store.putPromotion(pin as unknown as Promotion);
    const core = serve(withMeta, { rules: new RuleCache(store, { refreshSeconds: 0 }) });
    const r = await core.recommend('u0', { k: 10 });
    expect(r.items[9]).toMatchObject({ itemId: 'i1', because: expect.arrayContaining([{ rule: 'last-slot' }]) });
    expect(r.items.some((i) => i.coldStart)).toBe(false);
    // with promotions off for the request, exploration is back
    expect((await core.recommend('u0', { k: 10, promotions: false })).items.some((i) => i.coldStart)).toBe(true);
  });

  it('ranks new items by their metadata score among known ones; unknown ids stay last with a null score', async () => {
    const core = serve(withMeta);
    const userId = 'u3';
    const c = data.userCluster[3];
    const r = await core.rank(userId, ['nope', `new-${(c + 1) % clusters}`, `i${c}`, `new-${c}`]);
    expect(r.items.at(-1)).toMatchObject({ itemId: 'nope', score: null, probability: null });
    const mine = r.items.find((i) => i.itemId === `new-${c}`)!;
    const theirs = r.items.find((i) => i.itemId === `new-${(c + 1) % clusters}`)!;
    expect(mine.coldStart).toBe(true);
    expect(mine.score!).toBeGreaterThan(theirs.score!);
    expect(r.items.indexOf(mine)).toBeLessThan(r.items.indexOf(theirs));
    expect(r.items.find((i) => i.itemId === `i${c}`)!.coldStart).toBeUndefined();
  });

  it('lists a new item among similar items of its category, and answers similar for the new item itself', async () => {
    const core = serve(withMeta);
    const own = await core.similar('new-1', 10);
    expect(own.items).toHaveLength(10);
    expect(own.items.some((i) => i.itemId === 'new-1')).toBe(false);
    const sameCluster = own.items.filter((i) => !i.coldStart && Number(i.itemId.slice(1)) % clusters === 1);
    expect(sameCluster.length).toBeGreaterThanOrEqual(7);
    // the new item is the centroid-like vector of its category: near every member
    let listed = 0;
    for (const id of withMeta.itemIds.filter((x) => Number(x.slice(1)) % clusters === 1).slice(0, 10)) {
      const s = await core.similar(id, 10);
      const hit = s.items.find((i) => i.itemId === 'new-1');
      if (hit) {
        listed++;
        expect(hit.coldStart).toBe(true);
      }
      expect(s.items.some((i) => i.itemId === 'gone')).toBe(false);
    }
    expect(listed).toBeGreaterThanOrEqual(6);
  });

  it("names a model item's category after its history items when its metadata vector carries the score", async () => {
    const core = serve(withMeta);
    let named = 0;
    let total = 0;
    for (const userId of users) {
      for (const it of (await core.recommend(userId, { k: 10, explore: false })).items) {
        total++;
        const reason = it.because.find((b) => 'category' in b);
        if (!reason) continue;
        named++;
        expect(it.because.at(-1)).toBe(reason);
        expect(reason).toEqual({ category: `k${Number(it.itemId.slice(1)) % clusters}` });
      }
    }
    // planted: an item's category is its cluster, so metadata explains most scores
    expect(named / total).toBeGreaterThan(0.5);
    const bare = await core.recommend('u0', { k: 10, explain: false });
    expect(bare.items.every((i) => i.because.length === 0)).toBe(true);
  });

  it('serves new items and metadata reasons from the neural kind too (its ALS part, shifted below the ranker)', async () => {
    const core = serve(train(true, 'neural'));
    let right = 0;
    let named = 0;
    for (const userId of users.slice(0, 20)) {
      const r = await core.recommend(userId, { k: 10 });
      expect(r.items[9].coldStart).toBe(true);
      if (r.items[9].itemId === `new-${data.userCluster[Number(userId.slice(1))]}`) right++;
      expect(r.items[9].because).toEqual([{ category: r.items[9].itemId.replace('new-', 'k') }]);
      named += r.items.filter((i) => !i.coldStart && i.because.some((b) => 'category' in b)).length;
    }
    expect(right).toBeGreaterThanOrEqual(16);
    expect(named).toBeGreaterThan(0);
  });

  // changed on purpose: a model without a ridge now places new items by content (./cold-kinds.test.ts);
  // only a catalog whose model items carry no metadata leaves nothing to place them by
  it('a catalog without metadata on the model’s items serves only the model’s items', async () => {
    const records = [...withMeta.itemIds.map((id) => record(id, [])), record('new-0', ['k0'])];
    const core = serve(train(false), { records });
    expect((await core.recommend('u0', { k: 10 })).items.some((i) => i.coldStart)).toBe(false);
    expect((await core.rank('u0', ['new-0'])).items).toMatchObject([
      { itemId: 'new-0', score: null, probability: null },
    ]);
    await expect(core.similar('new-0', 5)).rejects.toMatchObject({ status: 404 });
  });

  it('places exploration picks at the end of each 1/share block and keeps exactly k', () => {
    expect(explorationSlots(10, 0.1)).toBe(1);
    expect(explorationSlots(9, 0.1)).toBe(0);
    expect(explorationSlots(30, 0.1)).toBe(3);
    const warm = Array.from({ length: 20 }, (_, i) => `w${i}`);
    expect(placeExploration(warm, ['a', 'b'], 20)).toEqual([...warm.slice(0, 9), 'a', ...warm.slice(9, 18), 'b']);
    expect(placeExploration(['w0'], ['a', 'b'], 10)).toEqual(['w0', 'a', 'b']);
  });
});
