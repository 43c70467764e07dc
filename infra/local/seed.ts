/** Seeds an empty local store with a demo dataset (or a local MovieLens copy). */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { generateDemoDataset, loadMovieLens, type DemoDataset } from './demo-data';
import type { LocalStack } from './stack';

export interface SeedResult {
  dataset: string;
  items: number;
  events: number;
  sampleUser: string;
  sampleItem: string;
}

/** Writes a dataset through the same store adapter the Ingest function uses. */
export async function seedDataset(tableName: string, data: DemoDataset, concurrency = 4): Promise<void> {
  const doc = dynamoDocumentClient();
  const store = new DynamoInteractionStore(doc, tableName);
  try {
    for (let i = 0; i < data.items.length; i += 50) {
      await Promise.all(data.items.slice(i, i + 50).map((it) => store.putItem(it)));
    }
    const chunks: (typeof data.events)[] = [];
    for (let i = 0; i < data.events.length; i += 100) chunks.push(data.events.slice(i, i + 100));
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < chunks.length) {
          const chunk = chunks[next++];
          const res = await store.putEvents(chunk);
          if (res.failed.length) throw new Error(`seeding: ${res.failed.length} events could not be stored`);
        }
      }),
    );
  } finally {
    doc.destroy();
  }
}

/** Seeds only when the table holds nothing at all; returns what was written, or null. */
export async function seedIfEmpty(
  stack: LocalStack,
  opts: { dataset?: 'demo' | 'movielens'; path?: string; log?: (l: string) => void } = {},
): Promise<SeedResult | null> {
  const doc = dynamoDocumentClient();
  try {
    const probe = await doc.send(new ScanCommand({ TableName: stack.aws.tableName, Limit: 1 }));
    if ((probe.Items ?? []).length > 0) {
      opts.log?.('store has data: not seeding');
      return null;
    }
  } finally {
    doc.destroy();
  }
  const started = Date.now();
  const data = opts.dataset === 'movielens' ? loadMovieLens(opts.path!) : generateDemoDataset();
  await seedDataset(stack.aws.tableName, data);
  opts.log?.(
    `seeded ${data.name}: ${data.items.length} items, ${data.events.length} events ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    dataset: data.name,
    items: data.items.length,
    events: data.events.length,
    sampleUser: data.events[0]?.userId ?? 'user-1',
    sampleItem: data.items[1]?.itemId ?? data.items[0]?.itemId ?? 'item-1',
  };
}
