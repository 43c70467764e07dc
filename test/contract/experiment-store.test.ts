/** One contract, every backend: the experiment store on DynamoDB (dynalite) and in memory. */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTableInput } from '../../infra/local/embedded';
import { DynamoExperimentStore } from '../../shared/experiments/dynamo-store';
import type { Experiment } from '../../shared/experiments/schema';
import { MemoryExperimentStore, type ExperimentStore } from '../../shared/experiments/store';
import { dynamoDocumentClient } from '../../shared/storage/aws/clients';
import { useEmbeddedAws } from '../helpers/aws';

const aws = useEmbeddedAws();
let tables = 0;

const backends: Record<string, () => Promise<ExperimentStore>> = {
  memory: async () => new MemoryExperimentStore(),
  dynamodb: async () => {
    void aws;
    const name = `experiments-${++tables}-${Date.now()}`;
    const client = new DynamoDBClient({});
    await client.send(new CreateTableCommand(createTableInput(name)));
    client.destroy();
    return new DynamoExperimentStore(dynamoDocumentClient(), name);
  },
};

const doc = (experimentId: string, status: Experiment['status'] = 'running'): Experiment => ({
  experimentId,
  description: 'ranker on vs off',
  status,
  variants: [
    { name: 'control', share: 50, pipeline: {} },
    { name: 'diverse', share: 50, pipeline: { diversity: 0.3, maxPerCategory: 2, filter: 'price < 100' } },
  ],
  control: 'control',
  minDetectableEffect: 0.1,
  baseline: { ctr: 0.05 },
  alpha: 0.05,
  power: 0.8,
  createdAt: '2026-11-30T00:00:00.000Z',
  updatedAt: '2026-11-30T00:00:00.000Z',
});

for (const [name, make] of Object.entries(backends)) {
  describe(`ExperimentStore contract: ${name}`, () => {
    let store: ExperimentStore;
    beforeEach(async () => {
      store = await make();
    });

    it('puts, gets back equal, replaces, lists by id and deletes', async () => {
      expect(await store.get('b')).toBeNull();
      await store.put(doc('b'));
      await store.put(doc('a', 'stopped'));
      expect(await store.get('b')).toEqual(doc('b'));
      const changed = { ...doc('b', 'stopped'), updatedAt: '2026-12-01T00:00:00.000Z' };
      await store.put(changed);
      expect(await store.get('b')).toEqual(changed);
      expect((await store.list()).map((e) => [e.experimentId, e.status])).toEqual([
        ['a', 'stopped'],
        ['b', 'stopped'],
      ]);
      expect(await store.delete('a')).toBe(true);
      expect(await store.delete('a')).toBe(false);
      expect((await store.list()).map((e) => e.experimentId)).toEqual(['b']);
    });

    it('holds nothing the caller can change afterwards', async () => {
      const d = doc('c');
      await store.put(d);
      d.variants[0].share = 1;
      const got = (await store.get('c'))!;
      expect(got.variants[0].share).toBe(50);
      got.status = 'stopped';
      expect((await store.get('c'))!.status).toBe('running');
    });
  });
}
