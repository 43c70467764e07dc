/**
 * PUT/GET /users/{id}/attributes on both stores (memory and DynamoDB on
 * embedded dynalite): validated, stored beside the events, listed for
 * training, erased with the user's events, refused for an erased user.
 */
import { describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../shared/http/api';
import { attributesForTraining, type UserAttributeStore } from '../../shared/ingest/attributes';
import { ingestRoutes } from '../../shared/ingest/routes';
import type { InteractionStore } from '../../shared/ports/interactions';
import { dynamoDocumentClient } from '../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { MemoryInteractionStore } from '../../shared/storage/memory/interactions';
import { readTrainingMetadata } from '../../shared/training/metadata';
import { useEmbeddedAws } from '../helpers/aws';

const aws = useEmbeddedAws();
let tables = 0;

const backends: Record<string, () => Promise<InteractionStore & UserAttributeStore>> = {
  memory: async () => new MemoryInteractionStore(),
  dynamodb: async () => {
    void aws;
    const { CreateTableCommand, DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { createTableInput } = await import('../../infra/local/embedded');
    const name = `attributes-${++tables}-${Date.now()}`;
    const client = new DynamoDBClient({});
    await client.send(new CreateTableCommand(createTableInput(name)));
    client.destroy();
    return new DynamoInteractionStore(dynamoDocumentClient(), name, { erasureSweepDelayMs: 20 });
  },
};

const req = (method: 'PUT' | 'GET', userId: string, body?: unknown): ApiRequest => ({
  method,
  route: `${method} /users/{userId}/attributes`,
  params: { userId },
  query: {},
  headers: {},
  body: body === undefined ? undefined : JSON.stringify(body),
  principal: { authenticated: false, groups: [], scopes: [], isAdmin: true },
  requestId: 'r',
});

const NOW = Date.UTC(2026, 5, 1);

for (const [name, make] of Object.entries(backends)) {
  describe(`user attributes (${name})`, () => {
    it('stores a valid profile, reads it back, lists it for training as tokens; 404 when none', async () => {
      const store = await make();
      const routes = ingestRoutes({ store, authMode: 'none', now: () => NOW });
      const put = await routes['PUT /users/{userId}/attributes'](
        req('PUT', 'u1', { ageBand: '25-34', country: 'DE', interests: ['running', 'coffee'] }),
      );
      expect(put.status).toBe(200);
      const want = {
        userId: 'u1',
        ageBand: '25-34',
        country: 'DE',
        interests: ['running', 'coffee'],
        updatedAt: new Date(NOW).toISOString(),
      };
      expect(put.body).toEqual(want);
      expect((await routes['GET /users/{userId}/attributes'](req('GET', 'u1'))).body).toEqual(want);
      await expect(routes['GET /users/{userId}/attributes'](req('GET', 'u2'))).rejects.toMatchObject({ status: 404 });
      // a PUT replaces the profile: fields left out are gone
      await routes['PUT /users/{userId}/attributes'](req('PUT', 'u1', { country: 'FR' }));
      expect(await store.getUserAttributes('u1')).toEqual({ userId: 'u1', country: 'FR', updatedAt: want.updatedAt });
      await store.putUserAttributes('u3', { interests: ['tea'] }, NOW);
      const meta = await readTrainingMetadata(
        {
          listCatalog: async () => [],
          listUserAttributes: async () => (await store.listUserAttributes()).map(attributesForTraining),
        },
        new Set(),
      );
      expect(meta.side?.users).toEqual([
        { userId: 'u1', attributes: { country: 'FR' } },
        { userId: 'u3', attributes: { 'interest:tea': '1' } },
      ]);
    });

    it('answers 400 naming the field for a bad profile, and stores nothing', async () => {
      const store = await make();
      const routes = ingestRoutes({ store, authMode: 'none', now: () => NOW });
      const bad = [
        [{ ageBand: '30' }, 'ageBand'],
        [{ country: 'Germany' }, 'country'],
        [{ interests: Array.from({ length: 21 }, (_, i) => `i${i}`) }, 'interests'],
        [{ interests: ['a', 'a'] }, 'interests'],
        [{ interests: ['Has Caps'] }, 'interests'],
        [{ email: 'x@y.z' }, 'email'],
      ] as const;
      for (const [body, field] of bad) {
        const e = await routes['PUT /users/{userId}/attributes'](req('PUT', 'u1', body)).catch((x) => x);
        expect(e).toMatchObject({ status: 400 });
        expect(String(e.message)).toContain(field);
      }
      expect(await store.getUserAttributes('u1')).toBeNull();
    });

    it('erasure deletes the attributes with the events and refuses new ones (409) until lifted', async () => {
      const store = await make();
      const routes = ingestRoutes({ store, authMode: 'none', now: () => NOW });
      await store.putUserAttributes('gone', { ageBand: '18-24' }, NOW);
      await store.putEvents([
        { eventId: 'e1', userId: 'gone', itemId: 'i1', type: 'view', timestamp: NOW, receivedAt: NOW },
      ]);
      await store.eraseUser('gone');
      expect(await store.getUserAttributes('gone')).toBeNull();
      expect((await store.listUserAttributes()).map((a) => a.userId)).not.toContain('gone');
      const e = await routes['PUT /users/{userId}/attributes'](req('PUT', 'gone', { country: 'DE' })).catch((x) => x);
      expect(e).toMatchObject({ status: 409, code: 'user_erased' });
      await store.clearErasure('gone');
      expect(await store.getUserAttributes('gone')).toBeNull();
      await store.putUserAttributes('gone', { country: 'DE' }, NOW);
      expect((await store.getUserAttributes('gone'))?.country).toBe('DE');
    });
  });
}
