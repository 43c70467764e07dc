/**
 * What a training run reads, counted (issue #13 §1): the table on dynalite,
 * N events over 10 days, then 1% more.
 *   npx tsx bench/training-read.ts [events, default 20000]
 * Prints items read, read units (DynamoDB's ConsumedCapacity as dynalite
 * computes it: each response's bytes rounded up to 4 KB, 0.5 a unit eventually
 * consistent; BatchGetItem 4 KB an item), requests and wall time of: the first
 * run (full read by Scan), the incremental run after 1% new events through
 * ByReceivedEvents (one Query per bucket) and, from the same snapshot, through
 * the fallback (keys-only ByReceived + BatchGetItem, what runs while the new
 * index backfills), and a rebuild through the local exporter (Scan written and
 * read back in the DynamoDB export format). Counts are the result; times are this machine's.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { loadavg } from 'node:os';
import { startEmbeddedAws } from '../infra/local/embedded';
import type { Interaction } from '../shared/events';
import { dynamoDocumentClient, s3Client } from '../shared/storage/aws/clients';
import { eventToItem } from '../shared/storage/dynamodb/items';
import { DynamoTrainingStore } from '../shared/storage/dynamodb/training';
import { LocalTableExport } from '../shared/storage/local/export';
import { S3ModelStore } from '../shared/storage/s3/model-store';
import { loadTrainingData, saveTrainingSnapshot } from '../shared/training/snapshot/load';

const N = Number(process.argv[2] ?? 20_000);
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29);

function events(n: number, from: number, start: number, span: number): Interaction[] {
  return Array.from({ length: n }, (_, k) => ({
    eventId: `e${from + k}`,
    userId: `u${(from + k) % Math.max(1, Math.round(N / 20))}`,
    itemId: `i${((from + k) * 7919) % 997}`,
    type: 'click',
    timestamp: start + Math.floor((k / n) * span),
    receivedAt: start + Math.floor((k / n) * span),
  }));
}

async function main() {
  const aws = await startEmbeddedAws();
  Object.assign(process.env, aws.env);
  try {
    const doc = dynamoDocumentClient();
    // Requests sent, and their units with each request counted at least 0.5 (dynalite counts an empty
    // Query 0 units; DynamoDB bills a request at least one 4 KB read, 0.5 units eventually consistent).
    let requests = 0;
    let floored = 0;
    doc.middlewareStack.add(
      (next) => async (args) => {
        requests++;
        const out = await next(args);
        const c = (out.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] })
          .ConsumedCapacity;
        const units = Array.isArray(c) ? c.reduce((a, x) => a + (x.CapacityUnits ?? 0), 0) : (c?.CapacityUnits ?? 0);
        floored += Math.max(0.5, units);
        return out;
      },
      { step: 'initialize' },
    );
    const write = async (evs: Interaction[]) => {
      for (let i = 0; i < evs.length; i += 25) {
        let pending = evs.slice(i, i + 25).map((e) => ({ PutRequest: { Item: eventToItem(e, 0) } }));
        while (pending.length) {
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [aws.tableName]: pending } }));
          pending = (out.UnprocessedItems?.[aws.tableName] ?? []) as typeof pending;
        }
      }
    };
    const old = events(N, 0, NOW - 10 * DAY, 10 * DAY);
    await write(old);
    const models = new S3ModelStore(s3Client(), aws.bucketName);
    const exporter = new LocalTableExport(new DynamoDBClient({}), aws.tableName, models, {
      bucket: aws.bucketName,
      prefix: 'exports/',
    });
    const scanStore = new DynamoTrainingStore(doc, aws.tableName);
    const keysStore = new DynamoTrainingStore(doc, aws.tableName, { eventsIndex: false });
    const exportStore = new DynamoTrainingStore(doc, aws.tableName, { exporter });
    let scanUnits = 0;
    const run = async (label: string, store: DynamoTrainingStore, now: number, rebuild = false, save = true) => {
      const t = performance.now();
      requests = 0;
      floored = 0;
      const r = await loadTrainingData(store, models, 'bench-training/', { erasures: [], now, rebuild });
      const sent = requests;
      const billed = floored;
      if (save) await saveTrainingSnapshot(models, 'bench-training/', r.snapshot, now);
      const ms = Math.round(performance.now() - t);
      const units = r.read.readUnits ?? 0;
      if (r.read.via === 'scan') scanUnits = units;
      const pct = (x: number) =>
        scanUnits > 0 && r.read.via !== 'export' ? `${((100 * x) / scanUnits).toFixed(1)}%` : '';
      const row = [
        label.padEnd(44),
        r.read.via.padEnd(6),
        (r.read.index ?? '').padEnd(16),
        String(r.read.itemsRead).padStart(9),
        String(units).padStart(10),
        pct(units).padStart(7),
        String(sent).padStart(8),
        String(r.read.via === 'export' ? 0 : billed).padStart(9),
        pct(billed).padStart(7),
      ];
      console.log(
        `${row.join(' ')}  ${String(r.stats.read).padStart(7)} events  ${ms} ms  load ${loadavg()[0].toFixed(1)}`,
      );
    };
    console.log(`table: ${N} events over 10 days; then ${N / 100} more (1%)`);
    console.log(
      'run                                          via    index            itemsRead  readUnits of Scan requests  ≥0.5/req of Scan',
    );
    await run('first run (Scan)', scanStore, NOW + 60_000);
    await write(events(N / 100, N, NOW + 120_000, 30 * 60_000));
    // both delta reads start from the same snapshot: the first does not save its own
    await run('after 1% new: fallback (ByReceived + BatchGet)', keysStore, NOW + 40 * 60_000, false, false);
    await run('after 1% new: ByReceivedEvents', scanStore, NOW + 40 * 60_000);
    await run('rebuild through the local export', exportStore, NOW + 41 * 60_000, true);
  } finally {
    await aws.stop();
  }
}

await main();
