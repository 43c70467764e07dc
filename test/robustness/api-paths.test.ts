/**
 * Paths and ids (issue 9 §1), black box through the local API and at the
 * Lambda handler: an id valid in a body round-trips through every path route
 * when percent-encoded once, and malformed encodings are 400 invalid_path.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildHttpEvent, localContext } from '../../infra/local/http-event';
import { loadFunction } from '../../infra/local/functions';
import { ROUTES, type FunctionName } from '../../shared/topology';
import { seg, useLocalApi } from './api-harness';

/** Ids a client may legitimately use: each is valid in a body, so each must work in a path too. */
const IDS = [
  'ü-東京-🎧',
  'a%41',
  'a%2541',
  '100%',
  'a/b',
  'a#b',
  'a b',
  'a?b=c&d',
  'a+b',
  "it's",
  'x'.repeat(128),
  '...',
];
// The model's items i0..i11 are renamed to these ids, so /similar and /rank can find them by path and body.
const api = useLocalApi({ renameItem: (id) => IDS[Number(id.slice(1))] ?? id });

const events = (userId: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    eventId: `${i}`,
    userId,
    itemId: `i${i}`,
    type: 'view',
    timestamp: Date.UTC(2026, 0, 1) + i,
  }));

describe('ids round-trip through every path route, encoded once', () => {
  beforeAll(async () => {
    const posted = await api().send('POST', '/events', { events: IDS.flatMap((id) => events(id, 2)) });
    expect(posted.status).toBe(202);
    expect(posted.body.accepted).toBe(IDS.length * 2);
  });

  it.each(IDS)('%s', async (id) => {
    const { send } = api();
    const own = await send('GET', `/users/${seg(id)}/events`);
    expect(own.status).toBe(200);
    expect(own.body.events.map((e: any) => e.userId)).toEqual([id, id]);

    const recs = await send('GET', `/users/${seg(id)}/recommendations?k=3`);
    expect(recs.status).toBe(200);
    expect(recs.body.userId).toBe(id);
    const rank = await send('POST', `/users/${seg(id)}/rank`, { itemIds: ['i1', 'i2'] });
    expect(rank.status).toBe(200);
    expect(rank.body.userId).toBe(id);

    const put = await send('PUT', `/items/${seg(id)}`, { title: 't' });
    expect(put.status).toBe(200);
    expect(put.body.itemId).toBe(id);
    const del = await send('DELETE', `/items/${seg(id)}`);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ itemId: id, available: false });
    const similar = await send('GET', `/items/${seg(id)}/similar?k=2`);
    expect(similar.status).toBe(200);
    expect(similar.body.itemId).toBe(id);
    const ranked = await send('POST', `/users/${seg(id)}/rank`, { itemIds: [id, 'unknown'] });
    expect(ranked.body.items.map((x: any) => [x.itemId, x.score === null])).toEqual([
      [id, false],
      ['unknown', true],
    ]);
  });

  it('a model item is found whatever characters of its id are encoded', async () => {
    const item = api().fx.model.itemIds.at(-1)!;
    const encodedEveryChar = [...item].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    const res = await api().send('GET', `/items/${encodedEveryChar}/similar?k=2`);
    expect(res.status).toBe(200);
    expect(res.body.itemId).toBe(item);
  });

  it('DELETE /users/a%2541 erases exactly the user "a%41", not "aA" nor "a%2541"', async () => {
    const { send } = api();
    for (const u of ['aA', 'a%41', 'a%2541']) await send('POST', '/events', { events: events(`e-${u}`, 3) });
    const erased = await send('DELETE', `/users/${seg('e-a%41')}`);
    expect(erased.status).toBe(202);
    expect(erased.body).toEqual({ userId: 'e-a%41', deleted: 3 });
    expect((await send('GET', `/users/${seg('e-a%41')}/events`)).body.events).toEqual([]);
    expect((await send('GET', `/users/${seg('e-aA')}/events`)).body.events).toHaveLength(3);
    expect((await send('GET', `/users/${seg('e-a%2541')}/events`)).body.events).toHaveLength(3);
  });

  it('an admin lifts an erasure block with DELETE /users/{userId}/erasure; blocking stays the default', async () => {
    const { send } = api();
    const id = 'consents/again %';
    await send('DELETE', `/users/${seg(id)}`);
    const blocked = await send('POST', '/events', { events: events(id, 1) });
    expect(blocked.status).toBe(400);
    expect(blocked.body.rejected[0].error).toMatch(/erased/);
    const lifted = await send('DELETE', `/users/${seg(id)}/erasure`);
    expect(lifted.status).toBe(200);
    expect(lifted.body).toEqual({ userId: id, lifted: true });
    expect((await send('DELETE', `/users/${seg(id)}/erasure`)).body).toEqual({ userId: id, lifted: false });
    const back = await send('POST', '/events', { events: events(id, 1) });
    expect(back.status).toBe(202);
    expect((await send('GET', `/users/${seg(id)}/events`)).body.events).toHaveLength(1);
  });

  it('"." and ".." are refused as ids in a body too: no URL can address them', async () => {
    const res = await api().send('POST', '/events', { events: [{ userId: '..', itemId: '.', type: 'view' }] });
    expect(res.status).toBe(400);
    expect(res.body.rejected[0].error).toMatch(/userId: must not be "\." or "\.\."/);
  });
});

const MALFORMED = ['%FF', '%E0%A4%A', '%C0%AF', '%', '%ED%A0%80', 'ok%zz', '%%41'];
const withId = (path: string, raw: string) => path.replace(/\{[^}]+\}/, raw);
const PATH_ROUTES = ROUTES.filter((r) => r.path.includes('{'));
const CASES = PATH_ROUTES.flatMap((r) => MALFORMED.map((m) => [`${r.method} ${r.path}`, m, r] as const));
const bodyOf = (method: string) =>
  method === 'POST' ? { itemIds: ['i1'] } : method === 'PUT' ? { title: 't' } : undefined;

describe('malformed percent-encodings are 400 invalid_path on every route', () => {
  it.each(CASES)('local API: %s with %s', async (_key, raw, route) => {
    const res = await api().send(route.method, withId(route.path, raw), bodyOf(route.method));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_path');
    expect(res.body.error.message).toMatch(/U\+FFFD/);
  });

  it.each(CASES)('Lambda handler: %s with %s', async (_key, raw, route) => {
    const handler = await loadFunction(route.function as FunctionName);
    const event = buildHttpEvent({ method: route.method, path: withId(route.path, raw), body: bodyOf(route.method) });
    const res = (await handler(event, localContext(route.function))) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('invalid_path');
  });
});
