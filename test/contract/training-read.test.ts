/**
 * One contract for the training store's two reads — the incremental read
 * through the received-time index and the full read — on every backend:
 * memory, DynamoDB (dynalite) scanning, the local exporter (dynalite → export
 * files in s3rver) and the AWS exporter (export files in s3rver; only
 * ExportTableToPointInTime/DescribeExport, which dynalite lacks, mocked).
 */
import {
  CreateTableCommand,
  DescribeExportCommand,
  DynamoDBClient,
  ExportTableToPointInTimeCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Interaction } from '../../shared/events';
import type { TrainingStore } from '../../shared/ports/training';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { DynamoTableExport, ExportFormatError, readExportFiles } from '../../shared/storage/aws/export';
import { DynamoTrainingStore } from '../../shared/storage/dynamodb/training';
import { LocalTableExport, writeExportFiles } from '../../shared/storage/local/export';
import { MemoryModelStore } from '../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../shared/storage/local/memory-training';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { createTableInput } from '../../infra/local/embedded';
import { INDEX, TABLE_SCHEMA } from '../../shared/storage/schema';
import { useEmbeddedAws } from '../helpers/aws';
import { freshTable, writeErasure, writeEvents } from '../unit/training/seed';

const aws = useEmbeddedAws();
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

/** n events over the last `days` days, several users and items, one rating in five. */
function history(n: number, days: number, from = 0): Interaction[] {
  return Array.from({ length: n }, (_, k) => {
    const at = NOW - Math.floor(((n - k) / n) * days * DAY);
    return {
      eventId: `e${from + k}`,
      userId: `u${(from + k) % 23}`,
      itemId: `i${(from + k) % 31}`,
      type: k % 5 === 0 ? 'rating' : 'click',
      ...(k % 5 === 0 ? { value: 1 + (k % 5) } : {}),
      timestamp: at - 1000,
      receivedAt: at,
    } as Interaction;
  });
}

const sortById = (evs: Interaction[]) => [...evs].sort((a, b) => (a.eventId < b.eventId ? -1 : 1));

interface Backend {
  store: TrainingStore;
  seed(evs: Interaction[]): Promise<void>;
  /** The index a delta read should use, where there is one. */
  index?: string;
}

/** A table as an older version made it: without ByReceivedEvents (dynalite cannot add a GSI to a table). */
async function tableWithoutEventsIndex(name: string): Promise<string> {
  const schema = {
    ...TABLE_SCHEMA,
    globalIndexes: TABLE_SCHEMA.globalIndexes.filter((i) => i.name !== 'ByReceivedEvents'),
  };
  const client = new DynamoDBClient({});
  await client.send(new CreateTableCommand(createTableInput(name, schema)));
  client.destroy();
  return name;
}

/** A document client that records the name of every command it sends. */
function recordingDoc(): { doc: DynamoDBDocumentClient; sent: string[] } {
  const doc = dynamoDocumentClient();
  const sent: string[] = [];
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize' },
  );
  return { doc, sent };
}

const backends: Record<string, () => Promise<Backend>> = {
  memory: async () => {
    const store = new MemoryTrainingStore();
    return { store, seed: async (evs) => store.addEvents(evs) };
  },
  'dynamodb (scan)': async () => {
    void aws();
    const table = await freshTable('tread');
    const doc = dynamoDocumentClient();
    return {
      store: new DynamoTrainingStore(doc, table, { segments: 3 }),
      seed: (evs) => writeEvents(doc, table, evs),
      index: INDEX.receivedEvents,
    };
  },
  'dynamodb, a table without ByReceivedEvents (delta reads by ByReceived + BatchGetItem)': async () => {
    const table = await tableWithoutEventsIndex(`told-${Date.now()}`);
    const doc = dynamoDocumentClient();
    return {
      store: new DynamoTrainingStore(doc, table, { segments: 2 }),
      seed: (evs) => writeEvents(doc, table, evs),
      index: INDEX.received,
    };
  },
  'dynamodb + local export (files in s3rver)': async () => {
    const table = await freshTable('texp');
    const doc = dynamoDocumentClient();
    const files = new S3ModelStore(s3Client(), aws().bucketName);
    const exporter = new LocalTableExport(new DynamoDBClient({}), table, files, {
      bucket: aws().bucketName,
      prefix: `exports/${table}/`,
      perFile: 70,
    });
    return { store: new DynamoTrainingStore(doc, table, { exporter }), seed: (evs) => writeEvents(doc, table, evs) };
  },
  'dynamodb + AWS export (API mocked, files in s3rver)': async () => {
    const table = await freshTable('taws');
    const doc = dynamoDocumentClient();
    const files = new S3ModelStore(s3Client(), aws().bucketName);
    const ddb = new DynamoDBClient({});
    const arn = `arn:aws:dynamodb:us-east-1:000000000000:table/${table}`;
    const mock = mockClient(ddb);
    let manifest = '';
    // What the service would do: write the table, as of now, in the export layout under the prefix.
    mock.on(ExportTableToPointInTimeCommand).callsFake(async (input) => {
      expect(input).toMatchObject({ TableArn: arn, S3Bucket: aws().bucketName, ExportFormat: 'DYNAMODB_JSON' });
      const scan = new DynamoDBClient({});
      const items = (await scan.send(new ScanCommand({ TableName: table }))).Items ?? [];
      scan.destroy();
      manifest = await writeExportFiles(files, aws().bucketName, `${input.S3Prefix}/`, items, { perFile: 50 });
      return { ExportDescription: { ExportArn: `${arn}/export/1`, ExportStatus: 'IN_PROGRESS' } };
    });
    mock.on(DescribeExportCommand).callsFake(async () => ({
      ExportDescription: { ExportArn: `${arn}/export/1`, ExportStatus: 'COMPLETED', ExportManifest: manifest },
    }));
    const exporter = new DynamoTableExport(ddb, files, {
      tableArn: arn,
      bucket: aws().bucketName,
      prefix: `exports/${table}/`,
      minPollSeconds: 1,
    });
    return { store: new DynamoTrainingStore(doc, table, { exporter }), seed: (evs) => writeEvents(doc, table, evs) };
  },
};

// One table per backend, seeded once: 500 events over four days, then 5 (1%) received after NOW.
const OLD = history(500, 4);
const FRESH = history(5, 0.01, 5000).map((e, k) => ({ ...e, receivedAt: NOW + 60_000 + k }));

for (const [name, make] of Object.entries(backends)) {
  describe(`training reads: ${name}`, () => {
    let b: Backend;
    beforeAll(async () => {
      b = await make();
      await b.seed([...OLD, ...FRESH]);
    });

    it('readAll returns every event exactly once, as stored', async () => {
      const seen: Interaction[] = [];
      const r = await b.store.readAll((batch) => seen.push(...batch));
      expect(r.events).toBe(505);
      expect(sortById(seen)).toEqual(sortById([...OLD, ...FRESH]));
      expect(r.itemsRead).toBeGreaterThanOrEqual(505);
    });

    it('readReceivedSince returns exactly the events received from `from` on, across days and shards', async () => {
      const from = NOW - 1.5 * DAY;
      const seen: Interaction[] = [];
      const r = await b.store.readReceivedSince(from, (batch) => seen.push(...batch), NOW + 120_000);
      const want = [...OLD, ...FRESH].filter((e) => e.receivedAt >= from);
      expect(want.length).toBeGreaterThan(100);
      expect(sortById(seen)).toEqual(sortById(want));
      expect(r.events).toBe(want.length);
    });

    it('with 1% new events, an incremental read reads about 1% of the table', async () => {
      const seen: Interaction[] = [];
      const r = await b.store.readReceivedSince(NOW + 1, (batch) => seen.push(...batch), NOW + 120_000);
      expect(sortById(seen)).toEqual(sortById(FRESH));
      // one index entry and one fetched item per new event, nothing of the other 500
      expect(r.itemsRead).toBeLessThanOrEqual(2 * FRESH.length);
      if (b.index) expect(r.index).toBe(b.index);
    });
  });
}

describe('export parsing', () => {
  it('reads a DynamoDB export as AWS documents it (summary → files manifest → gzipped item lines)', async () => {
    const store = new MemoryModelStore();
    const dir = 'exports/AWSDynamoDB/01700000000000-abcd1234/';
    const item = {
      PK: { S: 'U#alice' },
      SK: { S: 'E#ev-1' },
      eventId: { S: 'ev-1' },
      userId: { S: 'alice' },
      itemId: { S: 'item-9' },
      type: { S: 'rating' },
      value: { N: '4.5' },
      timestamp: { N: '1764417600000' },
      receivedAt: { N: '1764417601000' },
      properties: { M: { source: { S: 'web' } } },
    };
    const other = { PK: { S: 'I#item-9' }, SK: { S: 'META' }, available: { BOOL: true } };
    await store.put(
      `${dir}data/a.json.gz`,
      gzipSync(`{"Item":${JSON.stringify(item)}}\n{"Item":${JSON.stringify(other)}}\n`),
    );
    await store.put(`${dir}data/b.json.gz`, gzipSync(''));
    await store.put(
      `${dir}manifest-files.json`,
      new TextEncoder().encode(
        `{"itemCount":2,"md5Checksum":"x","etag":"y","dataFileS3Key":"${dir}data/a.json.gz"}\n` +
          `{"itemCount":0,"md5Checksum":"x","etag":"y","dataFileS3Key":"${dir}data/b.json.gz"}\n`,
      ),
    );
    const summary = {
      version: '2020-06-30',
      exportArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/attune/export/01700000000000-abcd1234',
      manifestFilesS3Key: `${dir}manifest-files.json`,
      itemCount: 2,
      outputFormat: 'DYNAMODB_JSON',
    };
    await store.put(`${dir}manifest-summary.json`, new TextEncoder().encode(JSON.stringify(summary)));
    const seen: Interaction[] = [];
    const r = await readExportFiles(store, `${dir}manifest-summary.json`, (b) => seen.push(...b));
    expect(r).toEqual({ events: 1, itemsRead: 2, via: 'export' });
    expect(seen).toEqual([
      {
        eventId: 'ev-1',
        userId: 'alice',
        itemId: 'item-9',
        type: 'rating',
        value: 4.5,
        timestamp: 1764417600000,
        receivedAt: 1764417601000,
        properties: { source: 'web' },
      },
    ]);
    // a data file shorter than its manifest says is refused, never read as the whole table
    await store.put(`${dir}data/b.json.gz`, gzipSync(''));
    await store.put(
      `${dir}manifest-files.json`,
      new TextEncoder().encode(`{"itemCount":3,"dataFileS3Key":"${dir}data/a.json.gz"}\n`),
    );
    await expect(readExportFiles(store, `${dir}manifest-summary.json`, () => {})).rejects.toThrow(ExportFormatError);
  });

  it('deletes the export files after reading them, and a failed export fails the read', async () => {
    const table = await freshTable('tdel');
    const doc = dynamoDocumentClient();
    await writeEvents(doc, table, history(5, 1));
    await writeErasure(doc, table, 'u1', NOW);
    const files = new S3ModelStore(s3Client(), aws().bucketName);
    const exporter = new LocalTableExport(new DynamoDBClient({}), table, files, {
      bucket: aws().bucketName,
      prefix: `exports/${table}/`,
    });
    const r = await exporter.exportEvents(() => {});
    expect(r).toMatchObject({ events: 5, itemsRead: 6 });
    expect(await files.list(`exports/${table}/`)).toEqual([]);

    const ddb = new DynamoDBClient({});
    const mock = mockClient(ddb);
    mock.on(ExportTableToPointInTimeCommand).resolves({ ExportDescription: { ExportArn: 'arn:x/export/2' } });
    mock
      .on(DescribeExportCommand)
      .resolves({ ExportDescription: { ExportStatus: 'FAILED', FailureMessage: 'PITR off' } });
    const failing = new DynamoTableExport(ddb, files, {
      tableArn: 'arn:x',
      bucket: 'b',
      prefix: 'exports/',
      minPollSeconds: 1,
    });
    await expect(failing.exportEvents(() => {})).rejects.toThrow();
  });
});

describe('delta read units (#13 §1: 1% new events read about 1% of the table)', () => {
  const BIG = history(1000, 10, 10_000);
  const NEW = history(10, 0.01, 20_000).map((e, k) => ({ ...e, receivedAt: NOW + 60_000 + k }));

  it('ByReceivedEvents: one Query per bucket, no BatchGetItem, read units by bytes; the fallback 4 KB an event', async () => {
    void aws();
    const withIndex = recordingDoc();
    const table = await freshTable('tunits');
    await writeEvents(withIndex.doc, table, [...BIG, ...NEW]);
    const oldTable = await tableWithoutEventsIndex(`tunits-old-${Date.now()}`);
    const fallback = recordingDoc();
    await writeEvents(fallback.doc, oldTable, [...BIG, ...NEW]);
    const since = (store: TrainingStore) => store.readReceivedSince(NOW + 1, () => {}, NOW + 120_000);
    const scan = await new DynamoTrainingStore(withIndex.doc, table).readAll(() => {});
    withIndex.sent.length = 0;
    const fast = await since(new DynamoTrainingStore(withIndex.doc, table));
    fallback.sent.length = 0;
    const slow = await since(new DynamoTrainingStore(fallback.doc, oldTable));
    expect([fast.events, slow.events, scan.events]).toEqual([10, 10, 1010]);
    expect(withIndex.sent.filter((c) => c !== 'QueryCommand')).toEqual([]);
    expect(fallback.sent.some((c) => c.startsWith('BatchGet'))).toBe(true);
    expect(fast.index).toBe('ByReceivedEvents');
    expect(slow.index).toBe('ByReceived');
    // 16 index partitions (today and tomorrow × 8 shards): the 10 new events' few KB, each Query's
    // result rounded up to 4 KB (0.5 units, eventually consistent), so at most 0.5 a partition
    expect(fast.readUnits).toBeGreaterThan(0);
    expect(fast.readUnits).toBeLessThanOrEqual(16 * 0.5);
    // BatchGetItem bills each event a full 4 KB read: 0.5 an event on top of the keys' Queries
    expect(slow.readUnits).toBeGreaterThanOrEqual(10 * 0.5 + fast.readUnits! / 2);
    // against a Scan of the 1,010 events (21.5 units on dynalite; 2 and 7 for the two delta reads): the shares bench/training-read.ts measures at scale
    expect(fast.readUnits! / scan.readUnits!).toBeLessThan(0.2);
  });
});

describe('incremental read: what dynalite cannot produce (mocked client)', () => {
  it('resends UnprocessedKeys and skips an event erased between the index read and the get', async () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const mock = mockClient(doc);
    const key = (n: number) => ({ PK: `U#u${n}`, SK: `E#e${n}` });
    const item = (n: number) => ({
      ...key(n),
      eventId: `e${n}`,
      userId: `u${n}`,
      itemId: 'i1',
      type: 'view',
      timestamp: NOW,
      receivedAt: NOW,
    });
    // ByReceivedEvents is being backfilled after the upgrade: DynamoDB refuses to read it, so the read
    // takes the keys-only index; one partition of it names three events, the others are empty
    mock.on(QueryCommand).callsFake(async (input) => {
      if (input.IndexName === 'ByReceivedEvents')
        throw Object.assign(new Error('Cannot read from backfilling global secondary index: ByReceivedEvents'), {
          name: 'ValidationException',
          $metadata: { httpStatusCode: 400 },
        });
      return input.ExpressionAttributeValues[':b'] === 'B#2026-11-29#0'
        ? { Items: [1, 2, 3].map((n) => ({ ...key(n), GSI1PK: 'B#2026-11-29#0', GSI1SK: `x${n}` })) }
        : { Items: [] };
    });
    mock
      .on(BatchGetCommand)
      // e1 comes back, e2 is unprocessed (throttled), e3 was erased meanwhile
      .resolvesOnce({ Responses: { t: [item(1)] }, UnprocessedKeys: { t: { Keys: [key(2)] } } })
      .resolves({ Responses: { t: [item(2)] } });
    const store = new DynamoTrainingStore(doc, 't');
    const seen: Interaction[] = [];
    const r = await store.readReceivedSince(NOW - 1000, (b) => seen.push(...b), NOW);
    expect(seen.map((e) => e.eventId).sort()).toEqual(['e1', 'e2']);
    expect(r).toEqual({ events: 2, itemsRead: 5, via: 'index', readUnits: 0, index: 'ByReceived' });
    expect(mock.commandCalls(BatchGetCommand)[1].args[0].input.RequestItems?.t.Keys).toEqual([key(2)]);
  });
});
