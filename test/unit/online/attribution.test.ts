/**
 * Attribution on the write side: impressions and attributed clicks are accepted,
 * stored and read back with their fields, refused with a 400 naming the field when
 * they do not fit the type, erased like any event (DynamoDB on dynalite), and
 * never a positive signal for training or fold-in.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createTableInput } from '../../../infra/local/embedded';
import type { Interaction } from '../../../shared/events';
import type { ApiRequest } from '../../../shared/http/api';
import { ingestRoutes } from '../../../shared/ingest/routes';
import { newRecommendationId } from '../../../shared/online/attribution';
import type { InteractionStore } from '../../../shared/ports/interactions';
import { summarizeEvents } from '../../../shared/serving/history';
import { dynamoDocumentClient } from '../../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../../shared/storage/dynamodb/interactions';
import { MemoryInteractionStore } from '../../../shared/storage/memory/interactions';
import { DatasetBuilder } from '../../../shared/training/dataset';
import { useEmbeddedAws } from '../../helpers/aws';

const aws = useEmbeddedAws();
const NOW = Date.UTC(2026, 10, 30, 12);

const request = (route: string, body?: unknown, params: Record<string, string> = {}): ApiRequest => ({
  method: route.split(' ')[0],
  route,
  params,
  query: {},
  headers: {},
  body: body === undefined ? undefined : JSON.stringify(body),
  principal: { authenticated: false, groups: [], scopes: [], isAdmin: true },
  requestId: 'r',
});

async function dynamoStore(): Promise<InteractionStore> {
  void aws;
  const name = `attribution-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const client = new DynamoDBClient({});
  await client.send(new CreateTableCommand(createTableInput(name)));
  client.destroy();
  return new DynamoInteractionStore(dynamoDocumentClient(), name, { erasureSweepDelayMs: 20 });
}

const backends: Record<string, () => Promise<InteractionStore>> = {
  memory: async () => new MemoryInteractionStore(),
  dynamodb: dynamoStore,
};

for (const [name, make] of Object.entries(backends)) {
  describe(`attribution fields on events (${name})`, () => {
    it('stores impressions and attributed clicks with their fields, and erasure removes them', async () => {
      const store = await make();
      const routes = ingestRoutes({ store, authMode: 'none', now: () => NOW });
      const rec = newRecommendationId();
      const res = await routes['POST /events'](
        request('POST /events', {
          events: [
            { userId: 'u1', itemId: 'a', type: 'impression', recommendationId: rec, position: 1, modelVersion: 'v1' },
            { userId: 'u1', itemId: 'b', type: 'impression', recommendationId: rec, position: 2, variant: 'x:b' },
            { userId: 'u1', itemId: 'b', type: 'click', recommendationId: rec.toUpperCase() },
            { userId: 'u1', itemId: 'b', type: 'purchase', value: 12.5, recommendationId: rec },
          ],
        }),
      );
      expect(res.status).toBe(202);
      expect((res.body as { accepted: number }).accepted).toBe(4);
      const listed = await routes['GET /users/{userId}/events'](
        request('GET /users/{userId}/events', undefined, { userId: 'u1' }),
      );
      const events = (listed.body as { events: Record<string, unknown>[] }).events;
      const byType = (t: string, item: string) => events.find((e) => e.type === t && e.itemId === item)!;
      expect(byType('impression', 'a')).toMatchObject({ recommendationId: rec, position: 1, modelVersion: 'v1' });
      expect(byType('impression', 'b')).toMatchObject({ recommendationId: rec, position: 2, variant: 'x:b' });
      // UUIDs are case-insensitive: stored lower-case so they join
      expect(byType('click', 'b').recommendationId).toBe(rec);
      expect(byType('purchase', 'b')).toMatchObject({ recommendationId: rec, value: 12.5 });

      const erased = await routes['DELETE /users/{userId}'](
        request('DELETE /users/{userId}', undefined, { userId: 'u1' }),
      );
      expect((erased.body as { deleted: number }).deleted).toBe(4);
      expect((await store.listUserEvents('u1', { limit: 10 })).events).toEqual([]);
    });
  });
}

describe('attribution fields that do not fit', () => {
  it('are a 400 naming the field, and the valid events of the batch are stored', async () => {
    const store = new MemoryInteractionStore();
    const routes = ingestRoutes({ store, authMode: 'none', now: () => NOW });
    const rec = newRecommendationId();
    const res = await routes['POST /events'](
      request('POST /events', {
        events: [
          { userId: 'u', itemId: 'a', type: 'impression' },
          { userId: 'u', itemId: 'a', type: 'click', position: 3, recommendationId: rec },
          { userId: 'u', itemId: 'a', type: 'impression', recommendationId: 'not-a-uuid' },
          { userId: 'u', itemId: 'a', type: 'impression', recommendationId: rec, position: 0 },
          { userId: 'u', itemId: 'a', type: 'impression', recommendationId: rec, value: 3 },
          { userId: 'u', itemId: 'a', type: 'impression', recommendationId: rec, position: 4 },
        ],
      }),
    );
    expect(res.status).toBe(202);
    const rejected = (res.body as { rejected: { index: number; error: string }[] }).rejected;
    expect(rejected.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(rejected[0].error).toMatch(/^recommendationId: is required on an impression/);
    expect(rejected[1].error).toBe('position: is only accepted on impression events');
    expect(rejected[2].error).toMatch(/^recommendationId: must be the recommendationId/);
    expect(rejected[3].error).toMatch(/^position: positions start at 1/);
    expect(rejected[4].error).toMatch(/^value: /);
  });

  it('two impressions of one item in two answers at the same instant keep both (derived ids differ)', async () => {
    const store = new MemoryInteractionStore();
    const routes = ingestRoutes({ store, authMode: 'none', now: () => NOW });
    const shown = (rec: string) => ({ userId: 'u', itemId: 'a', type: 'impression', recommendationId: rec });
    await routes['POST /events'](request('POST /events', { events: [shown(newRecommendationId())] }));
    await routes['POST /events'](request('POST /events', { events: [shown(newRecommendationId())] }));
    expect((await store.listUserEvents('u', { limit: 10 })).events).toHaveLength(2);
  });
});

describe('impressions are never a positive signal', () => {
  const ev = (itemId: string, type: Interaction['type'], n: number): Interaction => ({
    eventId: `e${n}`,
    userId: 'u',
    itemId,
    type,
    timestamp: NOW + n,
    receivedAt: NOW + n,
    recommendationId: '0190a000-0000-7000-8000-000000000000',
  });

  it('training leaves them out of the matrix (but they move the watermark: they were received)', () => {
    const b = new DatasetBuilder();
    b.add([ev('a', 'impression', 1), ev('b', 'impression', 2), ev('b', 'click', 3), ev('c', 'impression', 9)]);
    const d = b.build();
    expect(d.itemIds).toEqual(['b']);
    expect(Array.from(d.pairWeight)).toEqual([2]);
    expect(d.events).toBe(1);
    expect(d.watermark).toBe(NOW + 9);
  });

  it('fold-in neither counts nor hides an item the user was only shown', () => {
    const index = new Map([
      ['a', 0],
      ['b', 1],
    ]);
    const act = summarizeEvents([ev('a', 'impression', 1), ev('b', 'view', 2)], index, NOW + 100);
    expect(Array.from(act.seen)).toEqual([1]);
    expect(Array.from(act.history.itemIdx)).toEqual([1]);
    const onlyShown = summarizeEvents([ev('a', 'impression', 1)], index, 0);
    expect(onlyShown.seen.length).toBe(0);
    expect(onlyShown.fresh).toBe(false);
  });
});
