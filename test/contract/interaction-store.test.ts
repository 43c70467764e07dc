/** One contract, every backend: DynamoDB (on dynalite) and in-memory must behave alike. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Interaction } from '../../shared/events';
import { InvalidCursorError, type InteractionStore } from '../../shared/ports/interactions';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { MemoryInteractionStore } from '../../shared/storage/memory/interactions';
import { dynamoDocumentClient } from '../../shared/storage/aws/clients';
import { useEmbeddedAws } from '../helpers/aws';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { eventToItem } from '../../shared/storage/dynamodb/items';

const aws = useEmbeddedAws();
let tableCounter = 0;

interface Backend {
  store: InteractionStore;
  /** Writes an event behind the store's back, as a write racing an erasure would leave it. */
  straggle(ev: Interaction): Promise<void>;
}

const backends: Record<string, () => Promise<Backend>> = {
  memory: async () => {
    const store = new MemoryInteractionStore();
    const events = (store as unknown as { events: Map<string, Map<string, Interaction>> }).events;
    return {
      store,
      async straggle(e) {
        if (!events.has(e.userId)) events.set(e.userId, new Map());
        events.get(e.userId)!.set(e.eventId, e);
      },
    };
  },
  dynamodb: async () => {
    // A fresh table per test keeps cases independent.
    const { CreateTableCommand, DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { createTableInput } = await import('../../infra/local/embedded');
    const name = `contract-${++tableCounter}-${Date.now()}`;
    const client = new DynamoDBClient({});
    await client.send(new CreateTableCommand(createTableInput(name)));
    client.destroy();
    void aws;
    const doc = dynamoDocumentClient();
    return {
      store: new DynamoInteractionStore(doc, name, { erasureSweepDelayMs: 50 }),
      async straggle(e) {
        await doc.send(new PutCommand({ TableName: name, Item: eventToItem(e, 0) }));
      },
    };
  },
};

const ev = (userId: string, n: number, extra: Partial<Interaction> = {}): Interaction => ({
  eventId: `e${n}`,
  userId,
  itemId: `i${n % 7}`,
  type: 'click',
  timestamp: 1_700_000_000_000 + n * 1000,
  receivedAt: 1_700_000_000_000 + n * 1000,
  ...extra,
});

for (const [name, make] of Object.entries(backends)) {
  describe(`InteractionStore contract: ${name}`, () => {
    let store: InteractionStore;
    let backend: Backend;
    beforeEach(async () => {
      backend = await make();
      store = backend.store;
    });

    it('stores a batch and lists it newest first across pages', async () => {
      const events = Array.from({ length: 60 }, (_, n) => ev('u1', n));
      const res = await store.putEvents(events);
      expect(res.failed).toEqual([]);
      expect(res.stored).toHaveLength(60);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listUserEvents('u1', { limit: 25, cursor });
        seen.push(...page.events.map((e) => e.eventId));
        cursor = page.cursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(events.map((e) => e.eventId).reverse());
    });

    it('a retried event rewrites its own record instead of adding one', async () => {
      await store.putEvents([ev('u1', 1), ev('u1', 2)]);
      const again = await store.putEvents([ev('u1', 1), ev('u1', 1), ev('u1', 2)]);
      expect(again.stored).toEqual([0, 1, 2]);
      const page = await store.listUserEvents('u1', { limit: 100 });
      expect(page.events.map((e) => e.eventId)).toEqual(['e2', 'e1']);
      expect(page.cursor).toBeNull();
    });

    it('round-trips optional fields', async () => {
      await store.putEvents([
        ev('u1', 1, { type: 'rating', value: 4.5, sessionId: 's', properties: { screen: 'home', n: 2 } }),
      ]);
      const [got] = (await store.listUserEvents('u1', { limit: 1 })).events;
      expect(got).toMatchObject({ type: 'rating', value: 4.5, sessionId: 's', properties: { screen: 'home', n: 2 } });
    });

    it('rejects a forged or foreign cursor', async () => {
      await store.putEvents(Array.from({ length: 3 }, (_, n) => ev('u1', n)));
      const page = await store.listUserEvents('u1', { limit: 1 });
      await expect(store.listUserEvents('u2', { limit: 1, cursor: page.cursor! })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
      await expect(store.listUserEvents('u1', { limit: 1, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
    });

    it('erases exactly one user and remembers it', async () => {
      await store.putEvents([...Array.from({ length: 30 }, (_, n) => ev('gone', n)), ev('kept', 1)]);
      expect(await store.eraseUser('gone')).toEqual({ deleted: 30 });
      expect((await store.listUserEvents('gone', { limit: 100 })).events).toEqual([]);
      expect((await store.listUserEvents('kept', { limit: 100 })).events).toHaveLength(1);
      expect(await store.getErasure('gone')).toMatchObject({ userId: 'gone' });
      expect(await store.getErasure('kept')).toBeNull();
      expect([...(await store.erasedAmong(['kept', 'gone', 'gone']))]).toEqual(['gone']);
      expect((await store.listErasures()).map((e) => e.userId)).toEqual(['gone']);
    });

    it('an erased id stays blocked, even one that never had events: writes come back erased, reads empty', async () => {
      expect(await store.eraseUser('never-seen')).toEqual({ deleted: 0 });
      const res = await store.putEvents([ev('never-seen', 1), ev('other', 2), ev('never-seen', 3)]);
      expect(res).toMatchObject({ stored: [1], failed: [], erased: [0, 2] });
      expect((await store.listUserEvents('never-seen', { limit: 100 })).events).toEqual([]);
      expect(await store.getErasure('never-seen')).toMatchObject({ userId: 'never-seen' });
    });

    it('hides events a racing write left behind the marker, and clearErasure removes them before lifting', async () => {
      await store.putEvents([ev('back', 1)]);
      await store.eraseUser('back');
      await backend.straggle(ev('back', 2));
      expect((await store.listUserEvents('back', { limit: 100 })).events).toEqual([]);
      expect(await store.clearErasure('back')).toBe(true);
      expect(await store.getErasure('back')).toBeNull();
      expect(await store.listErasures()).toEqual([]);
      // the straggler did not come back with the lift
      expect((await store.listUserEvents('back', { limit: 100 })).events).toEqual([]);
      expect((await store.putEvents([ev('back', 3)])).stored).toEqual([0]);
      expect((await store.listUserEvents('back', { limit: 100 })).events.map((e) => e.eventId)).toEqual(['e3']);
      expect(await store.clearErasure('back')).toBe(false);
    });

    it('upserts catalog items, keeps createdAt, lists changes since a time', async () => {
      const a = await store.putItem({ itemId: 'a', title: 'A', categories: ['x'], available: true }, 1_000);
      expect(a).toMatchObject({
        itemId: 'a',
        title: 'A',
        categories: ['x'],
        available: true,
        createdAt: new Date(1_000).toISOString(),
      });
      await store.putItem({ itemId: 'b', categories: [], available: true }, 2_000);
      const a2 = await store.putItem({ itemId: 'a', categories: ['y'], available: true }, 3_000);
      expect(a2.createdAt).toBe(new Date(1_000).toISOString());
      expect(a2.title).toBeUndefined();
      expect(a2.categories).toEqual(['y']);
      const gone = await store.markItemUnavailable('c', 4_000);
      expect(gone).toMatchObject({ itemId: 'c', available: false, categories: [] });
      expect((await store.listCatalog()).map((i) => i.itemId)).toEqual(['b', 'a', 'c']);
      expect((await store.listCatalog(3_000)).map((i) => i.itemId)).toEqual(['a', 'c']);
      expect(await store.getItem('zzz')).toBeNull();
      expect((await store.getItem('c'))?.available).toBe(false);
    });
  });
}
