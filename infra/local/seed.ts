/** Seeds an empty local store with a demo dataset (or a local MovieLens copy). */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** What a start records before seeding, so a start after a kill finishes the same seed. */
interface SeedMarker {
  dataset: 'demo' | 'movielens';
  path?: string;
  /** The clock the events were generated at: their ids derive from their timestamps. */
  now: number;
  demo?: DemoSize;
}

export type DemoSize = { users?: number; items?: number; eventsPerUser?: number };

const MARKER = 'seeding.json';

/**
 * Seeds an empty store (or finishes a seed a killed process left half done); returns
 * what was written, or null. Before writing, `home/seeding.json` records the dataset
 * and the clock the events were generated at; it goes when every event is stored. A
 * start that finds it writes the same dataset again: each event has the id its first
 * write had, so rewriting is idempotent — nothing duplicated, nothing left out. Before
 * this, a start found data, skipped seeding, and the demo stayed partial for good.
 */
export async function seedIfEmpty(
  stack: { aws: Pick<LocalStack['aws'], 'tableName'> },
  opts: {
    dataset?: 'demo' | 'movielens';
    path?: string;
    log?: (l: string) => void;
    /** The data folder: where the marker lives (none: no resuming). */
    home?: string;
    /** Smaller demo shops (tests). */
    demo?: DemoSize;
  } = {},
): Promise<SeedResult | null> {
  const markerFile = opts.home ? join(opts.home, MARKER) : undefined;
  let marker: SeedMarker | undefined;
  if (markerFile && existsSync(markerFile)) {
    marker = JSON.parse(readFileSync(markerFile, 'utf8')) as SeedMarker;
    opts.log?.(`finishing the ${marker.dataset} seed a stopped start left half done`);
  } else {
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
    marker = { dataset: opts.dataset ?? 'demo', path: opts.path, now: Date.now(), demo: opts.demo };
    if (markerFile) writeFileSync(markerFile, JSON.stringify(marker));
  }
  const started = Date.now();
  const data =
    marker.dataset === 'movielens'
      ? loadMovieLens(marker.path!, marker.now)
      : generateDemoDataset({ ...marker.demo, now: marker.now });
  await seedDataset(stack.aws.tableName, data);
  if (markerFile) rmSync(markerFile, { force: true });
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
