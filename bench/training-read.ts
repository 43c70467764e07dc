/**
 * What a training run reads, counted (issue #13 §1): the table on dynalite,
 * N events over 10 days, then 1% more.
 *   npx tsx bench/training-read.ts [events, default 20000]
 * Prints items read and wall time of: the first run (full read by Scan), an
 * incremental run after 1% new events (snapshot + ByReceived index + BatchGet),
 * and a rebuild through the local exporter (Scan written and read back in the
 * DynamoDB export format). Counts are the result; times are this machine's.
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
    const exportStore = new DynamoTrainingStore(doc, aws.tableName, { exporter });
    const run = async (label: string, store: DynamoTrainingStore, now: number, rebuild = false) => {
      const t = performance.now();
      const r = await loadTrainingData(store, models, 'bench-training/', { erasures: [], now, rebuild });
      await saveTrainingSnapshot(models, 'bench-training/', r.snapshot, now);
      const ms = Math.round(performance.now() - t);
      const row = [
        label.padEnd(34),
        r.read.mode.padEnd(11),
        r.read.via.padEnd(6),
        String(r.read.itemsRead).padStart(8),
      ];
      console.log(
        `${row.join(' ')}  ${String(r.stats.read).padStart(7)} events  ${ms} ms  load ${loadavg()[0].toFixed(1)}`,
      );
    };
    console.log(`table: ${N} events over 10 days; then ${N / 100} more (1%)`);
    console.log('run                                mode        via    itemsRead   events read  time');
    await run('first run', scanStore, NOW + 60_000);
    await write(events(N / 100, N, NOW + 120_000, 30 * 60_000));
    await run('after 1% new events', scanStore, NOW + 40 * 60_000);
    await run('rebuild through the local export', exportStore, NOW + 41 * 60_000, true);
  } finally {
    await aws.stop();
  }
}

await main();
