/**
 * The ingestion key (userId, eventId) inside one batch (session 22 review,
 * docs/reliability.md), through the Ingest handler on dynalite. Before, two events of one
 * batch with the same key and different content were both counted in `accepted` while only
 * the first was written: an accepted event was lost. Now the later one is rejected, named;
 * an identical repeat (a client that sent the same event twice) is still accepted, once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHttpHandler } from '../../shared/http/api';
import { useEmbeddedAws } from '../helpers/aws';
import { call, loadHandler } from '../helpers/handlers';

useEmbeddedAws();
let h: LambdaHttpHandler;
beforeAll(async () => {
  h = await loadHandler('../../functions/ingest/handler', { ATTUNE_AUTH_MODE: 'none' });
});

const post = (events: unknown[]) => call(h, { method: 'POST', path: '/events', body: { events } });
const stored = async (userId: string) =>
  (await call(h, { method: 'GET', path: `/users/${encodeURIComponent(userId)}/events?limit=100` })).body.events as {
    eventId: string;
    itemId: string;
    type: string;
  }[];
const ts = Date.UTC(2026, 0, 1);

describe('POST /events: one key, one event', () => {
  it('a repeated key with other content is rejected, naming the first; what is accepted is what is stored', async () => {
    const res = await post([
      { eventId: 'k-1', userId: 'keys-a', itemId: 'item-1', type: 'click', timestamp: ts },
      { eventId: 'k-1', userId: 'keys-a', itemId: 'item-2', type: 'view', timestamp: ts },
      { eventId: 'k-2', userId: 'keys-a', itemId: 'item-3', type: 'view', timestamp: ts },
    ]);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      accepted: 2,
      rejected: [
        {
          index: 1,
          error:
            'eventId: "k-1" is event 0 of this batch for the same user with other content; one (userId, eventId) is one event',
        },
      ],
    });
    const events = await stored('keys-a');
    expect(events.map((e) => [e.eventId, e.itemId, e.type]).sort()).toEqual([
      ['k-1', 'item-1', 'click'],
      ['k-2', 'item-3', 'view'],
    ]);
  });

  it('an identical repeat is accepted and stored once; the same eventId for two users is two events', async () => {
    const ev = {
      eventId: 'k-9',
      userId: 'keys-b',
      itemId: 'item-1',
      type: 'like',
      timestamp: ts,
      properties: { a: 1, b: [2] },
    };
    const res = await post([ev, { ...ev, properties: { b: [2], a: 1 } }, { ...ev, userId: 'keys-c' }]);
    expect(res.body).toEqual({ accepted: 3, rejected: [] });
    expect(await stored('keys-b')).toHaveLength(1);
    expect(await stored('keys-c')).toHaveLength(1);
  });

  it('without eventIds: the derived id is the key, and the message says how to keep both', async () => {
    const ev = { userId: 'keys-e', itemId: 'item-1', type: 'view', timestamp: ts };
    const res = await post([ev, { ...ev, properties: { colour: 'red' } }]);
    expect(res.body).toEqual({
      accepted: 1,
      rejected: [
        {
          index: 1,
          error:
            'event 0 of this batch has the same user, item, type, value, timestamp and session with other content, ' +
            'so the same derived id; send an eventId to keep both',
        },
      ],
    });
  });

  it('a whole batch of one key with other content: the first stored, the rest rejected (still 202)', async () => {
    const res = await post(
      Array.from({ length: 5 }, (_, i) => ({
        eventId: 'k-x',
        userId: 'keys-d',
        itemId: `item-${i}`,
        type: 'view',
        timestamp: ts,
      })),
    );
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 3, 4]);
    expect((await stored('keys-d')).map((e) => e.itemId)).toEqual(['item-0']);
  });
});
