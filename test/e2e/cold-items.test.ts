/**
 * A new item end to end through the local API: the demo shop trained with its
 * catalog (categories → the model's cold-item ridge), then `PUT /items/new-thing`
 * — no interactions — shows up in a jazz fan's recommendations (an exploration
 * slot), in rank and in similar items, each time with coldStart: true; a new user
 * who declared jazz gets jazz first and the new item in their slot. One stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eStack, type E2eStack } from '../helpers/e2e-stack';

let e2e: E2eStack;
const api: E2eStack['api'] = (method, path, body) => e2e.api(method, path, body);

beforeAll(async () => {
  e2e = await startE2eStack({
    prefix: 'attune-cold-',
    dataset: { users: 150, items: 120, eventsPerUser: 20, seed: 3 },
  });
  const summary = await e2e.invokeTrain({ ATTUNE_TRAIN_BUDGET_SECONDS: '20' });
  if (summary.decision !== 'published') throw new Error(`training did not publish: ${summary.reason}`);
}, 120_000);

afterAll(async () => {
  await e2e?.stop();
});

// "jazz" is theme 2 of the demo's 8: items 2, 10, 18, …
const jazz = Array.from({ length: 15 }, (_, q) => `item-${2 + 8 * q}`);

describe('a new catalog item through the local API', () => {
  it('is recommended (exploration slot), ranked and listed in similar items, with coldStart: true', async () => {
    const put = await api('PUT', '/items/new-thing', { title: 'New Jazz Record', categories: ['jazz'] });
    expect(put.status).toBe(200);

    const user = 'cold-e2e-fan';
    const posted = await api('POST', '/events', {
      events: jazz.slice(0, 3).map((itemId) => ({ userId: user, itemId, type: 'click' })),
    });
    expect(posted.body.accepted).toBe(3);

    const recs = await api('GET', `/users/${user}/recommendations?k=10`);
    expect(recs.status).toBe(200);
    expect(recs.body.items).toHaveLength(10);
    const fresh = recs.body.items.filter((i: any) => i.coldStart);
    expect(fresh.map((i: any) => i.itemId)).toEqual(['new-thing']);
    expect(recs.body.items[9]).toMatchObject({ itemId: 'new-thing', coldStart: true });
    expect(recs.body.items[9].because).toEqual([{ category: 'jazz' }]);
    const off = await api('GET', `/users/${user}/recommendations?k=10&explore=0`);
    expect(off.body.items.some((i: any) => i.itemId === 'new-thing')).toBe(false);
    const bad = await api('GET', `/users/${user}/recommendations?k=10&explore=maybe`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('explore');

    const ranked = await api('POST', `/users/${user}/rank`, { itemIds: ['item-1', 'new-thing', 'nope', jazz[5]] });
    expect(ranked.status).toBe(200);
    const mine = ranked.body.items.find((i: any) => i.itemId === 'new-thing');
    expect(mine.coldStart).toBe(true);
    expect(typeof mine.score).toBe('number');
    expect(ranked.body.items.at(-1)).toMatchObject({ itemId: 'nope', score: null, probability: null });

    const own = await api('GET', '/items/new-thing/similar?k=5');
    expect(own.status).toBe(200);
    expect(own.body.items.filter((i: any) => jazz.includes(i.itemId)).length).toBeGreaterThanOrEqual(3);
    let listed = 0;
    for (const id of jazz.slice(0, 8)) {
      const s = await api('GET', `/items/${id}/similar?k=10`);
      const hit = s.body.items.find((i: any) => i.itemId === 'new-thing');
      if (hit) {
        expect(hit.coldStart).toBe(true);
        listed++;
      }
    }
    expect(listed).toBeGreaterThan(0);
  }, 60_000);

  it('gives a new user who declared an interest its popular items first and the new item of it', async () => {
    // runs after the first test's PUT /items/new-thing
    const user = 'cold-e2e-newcomer';
    expect((await api('PUT', `/users/${user}/attributes`, { interests: ['jazz'] })).status).toBe(200);
    const recs = await api('GET', `/users/${user}/recommendations?k=10`);
    expect(recs.status).toBe(200);
    expect(recs.body.source).toBe('popular');
    expect(recs.body.items[0].because).toEqual([{ category: 'jazz' }]);
    expect(recs.body.items.slice(0, 9).every((i: any) => jazz.includes(i.itemId))).toBe(true);
    expect(recs.body.items[9]).toMatchObject({ itemId: 'new-thing', coldStart: true, because: [{ category: 'jazz' }] });
  }, 30_000);

  it('stores a user’s attributes and erases them with the user', async () => {
    const user = 'cold-e2e-profile';
    const put = await api('PUT', `/users/${user}/attributes`, { ageBand: '25-34', country: 'DE', interests: ['jazz'] });
    expect(put.status).toBe(200);
    expect((await api('GET', `/users/${user}/attributes`)).body).toMatchObject({ country: 'DE', interests: ['jazz'] });
    expect((await api('DELETE', `/users/${user}`)).status).toBe(202);
    expect((await api('GET', `/users/${user}/attributes`)).status).toBe(404);
    const again = await api('PUT', `/users/${user}/attributes`, { country: 'FR' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('user_erased');
  }, 30_000);
});
