/**
 * @attune/client against the local API (real handlers, dynalite, s3rver):
 * typed calls, the token provider, and the event queue through a store
 * outage in the middle of a flush — nothing lost, nothing duplicated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneError, createAttuneClient, memoryStorage, type AttuneClient } from '../../clients/typescript/src/index';
import { EventsPartial } from '../../shared/http/responses';
import { startTestStack, type TestStack } from './harness';

let t: TestStack;
const clients: AttuneClient[] = [];
beforeAll(async () => {
  t = await startTestStack({ storeSwitch: true });
  await t.seed();
  expect((await t.train()).decision).toBe('published');
}, 90_000);
afterAll(async () => {
  for (const c of clients) await c.close();
  await t?.stop();
});

interface Seen {
  url: string;
  auth: string | null;
  status: number;
  request?: any;
  response?: any;
}
/** A fetch that records what went over the wire. */
function recordingFetch(log: Seen[]): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    const body = req.method === 'POST' ? await req.clone().json() : undefined;
    const res = await fetch(req);
    log.push({
      url: req.url,
      auth: req.headers.get('authorization'),
      status: res.status,
      request: body,
      response: await res.clone().json(),
    });
    return res;
  };
}
const client = (o: Partial<Parameters<typeof createAttuneClient>[0]> = {}) => {
  const c = createAttuneClient({
    baseUrl: t.url,
    ...o,
    queue: { flushIntervalMs: 0, initialBackoffMs: 50, ...o.queue },
  });
  clients.push(c);
  return c;
};

async function storedEvents(userId: string): Promise<{ eventId: string }[]> {
  const out: { eventId: string }[] = [];
  let cursor: string | null = null;
  do {
    const res = await fetch(
      `${t.url}/users/${userId}/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    const page = (await res.json()) as { events: { eventId: string }[]; cursor: string | null };
    out.push(...page.events);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

describe('typed calls', () => {
  it('recommendations, similar, rank and health are typed and checked by the API', async () => {
    const log: Seen[] = [];
    const c = client({ fetch: recordingFetch(log), token: async () => 'tok-1' });
    const recs = await c.recommendations('user-4', { k: 3, excludeCategory: ['coffee', 'jazz'] });
    expect(recs.source).toBe('personalized');
    expect(recs.items).toHaveLength(3);
    expect(log[0].url).toMatch(/k=3&excludeCategory=coffee(,|%2C)jazz$/);
    expect(log[0].auth).toBe('Bearer tok-1');
    expect((await c.similar('item-3', { k: 2 })).items).toHaveLength(2);
    const ranked = await c.rank('user-4', ['item-1', 'nope']);
    expect(ranked.items.at(-1)).toEqual({ itemId: 'nope', score: null, probability: null, position: 2 });
    expect((await c.health()).modelVersion).toBe(recs.modelVersion);
  });

  it('errors carry the status and the API’s error code', async () => {
    const c = client();
    const err = await c.recommendations('user-4', { k: 500 }).catch((e) => e);
    expect(err).toBeInstanceOf(AttuneError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_query');
    expect((await c.similar('no-such-item').catch((e) => e)).status).toBe(404);
  });
});

describe('event queue against the local API', () => {
  it('delivers tracked events in batches and they move the user’s recommendations', async () => {
    const log: Seen[] = [];
    const c = client({ fetch: recordingFetch(log) });
    const user = 'client-newcomer';
    const ids = ['item-2', 'item-10', 'item-18'].map((itemId) => c.track({ userId: user, itemId, type: 'click' }));
    expect(c.events.size).toBe(3);
    await c.events.flush();
    expect(log.map((l) => l.status)).toEqual([202]);
    expect((await storedEvents(user)).map((e) => e.eventId).sort()).toEqual([...ids].sort());
    expect((await c.recommendations(user)).source).toBe('fold-in');
  });

  it('the store goes down mid-flush and comes back: nothing lost, nothing duplicated', async () => {
    const log: Seen[] = [];
    const errors: string[] = [];
    const storage = memoryStorage();
    const c = client({ fetch: recordingFetch(log), queue: { storage, onError: (e) => errors.push(`${e.status}`) } });
    const user = 'client-outage';
    const ids = Array.from({ length: 250 }, (_, i) =>
      c.track({ userId: user, itemId: `item-${i % 96}`, type: 'view' }),
    );
    // The first request's first two 25-event writes reach the store; then it is down.
    t.store!.downAfter(2);
    const first = await c.events.flush();
    expect(first.remaining).toBeGreaterThan(0);
    const partial = log.find((l) => l.status === 503)!;
    expect(EventsPartial.safeParse(partial.response).success).toBe(true);
    expect(partial.response.stored.length + partial.response.failed.length).toBe(100);
    // what stays queued (and persisted) is exactly what was not stored
    const failedIds = partial.response.failed.map((i: number) => partial.request.events[i].eventId);
    expect(
      c.events
        .pending()
        .slice(0, failedIds.length)
        .map((e) => e.eventId),
    ).toEqual(failedIds);
    await c.events.persisted();
    expect(JSON.parse(storage.data.get('attune.events')!)).toHaveLength(c.events.size);

    await new Promise((r) => setTimeout(r, 300));
    t.store!.up();
    await c.events.drained();
    // after the outage, the first resend carries only the failed events of the partial batch
    const after = log.slice(log.indexOf(partial) + 1).find((l) => l.status === 202)!;
    expect(after.request.events.slice(0, failedIds.length).map((e: { eventId: string }) => e.eventId)).toEqual(
      failedIds,
    );
    const stored = (await storedEvents(user)).map((e) => e.eventId);
    expect(stored).toHaveLength(250);
    expect(new Set(stored)).toEqual(new Set(ids));
    expect(errors[0]).toBe('503');
    expect(log.every((l) => l.request.events.length <= 100)).toBe(true);
  }, 60_000);

  it('events tracked while the API is unreachable survive a restart and are delivered by the next run', async () => {
    const storage = memoryStorage();
    const offline = client({ baseUrl: 'http://127.0.0.1:9', queue: { storage } });
    const ids = [1, 2, 3].map((i) => offline.track({ userId: 'client-restart', itemId: `item-${i}`, type: 'like' }));
    await offline.events.flush();
    await offline.close();
    expect(JSON.parse(storage.data.get('attune.events')!).map((e: { eventId: string }) => e.eventId)).toEqual(ids);

    const online = client({ queue: { storage } });
    await online.events.ready;
    await online.events.flush();
    expect((await storedEvents('client-restart')).map((e) => e.eventId).sort()).toEqual([...ids].sort());
  });

  it('invalid events are dropped and reported; the valid ones of the batch are stored', async () => {
    const invalid: string[] = [];
    const c = client({ queue: { onInvalid: (r) => invalid.push(...r.map((x) => `${x.event.itemId}: ${x.error}`)) } });
    c.track({ userId: 'client-invalid', itemId: 'item-1', type: 'view' });
    c.track({ userId: 'client-invalid', itemId: 'x'.repeat(200), type: 'view' });
    c.track({ userId: 'client-invalid', itemId: 'item-2', type: 'rating' } as never);
    await c.events.flush();
    expect(invalid).toHaveLength(2);
    expect(invalid[0]).toMatch(/itemId/);
    expect(invalid[1]).toMatch(/value/);
    expect(c.events.size).toBe(0);
    expect(await storedEvents('client-invalid')).toHaveLength(1);
  });
});
