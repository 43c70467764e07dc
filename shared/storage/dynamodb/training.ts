/**
 * TrainingStore on the single DynamoDB table. Interactions are read with a
 * parallel Scan (every event item, filtered by sort-key prefix); the "anything
 * new?" probe reads the received-time index, one Limit-1 query per recent day
 * bucket and shard, and falls back to a filtered scan when the watermark is
 * older than the index window is worth querying.
 */
import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  paginateScan,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Interaction } from '../../events';
import type { Erasure } from '../../ports/interactions';
import type { RunRecord, ScanOptions, TrainingStore } from '../../ports/training';
import { STORE_TIMEOUTS } from '../aws/clients';
import { INDEX, KEY, RECEIVED_SHARDS, dayOf, keys, ts13 } from '../schema';
import { call } from './call';
import { listErasureMarkers } from './erasure';
import { eventFromItem } from './items';

export interface DynamoTrainingStoreOptions {
  /** Parallel scan segments (default 4: enough to hide latency on 2 cores). */
  segments?: number;
  /** Beyond this many day buckets, hasNewSince scans instead of querying (default 7). */
  maxIndexDays?: number;
  /** Days a run-log record is kept (TTL; default 90). */
  runRetentionDays?: number;
}

const DAY_MS = 86_400_000;
const EVENT_PREFIX = keys.event('');
// type, value and timestamp are DynamoDB reserved words
const EVENT_NAMES = {
  '#sk': KEY.sk,
  '#e': 'eventId',
  '#u': 'userId',
  '#i': 'itemId',
  '#t': 'type',
  '#v': 'value',
  '#ts': 'timestamp',
  '#r': 'receivedAt',
};
const EVENT_PROJECTION = '#e, #u, #i, #t, #v, #ts, #r';

// Errors come classified from call(); the SDK's own error is their cause.
function isConditionFailed(err: unknown): boolean {
  return ((err as Error)?.cause as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

const timeouts = STORE_TIMEOUTS.training;

export class DynamoTrainingStore implements TrainingStore {
  private readonly segments: number;
  private readonly maxIndexDays: number;
  private readonly runRetentionDays: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    opts: DynamoTrainingStoreOptions = {},
  ) {
    this.segments = Math.max(1, opts.segments ?? 4);
    this.maxIndexDays = opts.maxIndexDays ?? 7;
    this.runRetentionDays = opts.runRetentionDays ?? 90;
  }

  async scanInteractions(visit: (batch: Interaction[]) => void, opts: ScanOptions = {}): Promise<number> {
    const total = Math.max(1, opts.segments ?? this.segments);
    let count = 0;
    // Segments run concurrently but JS is single-threaded: visit() calls never overlap.
    const segment = (seg: number) =>
      call({ what: `Scan of the events (segment ${seg + 1} of ${total})`, timeouts }, async (o) => {
        const pages = paginateScan(
          { client: this.doc },
          {
            TableName: this.table,
            FilterExpression: 'begins_with(#sk, :e)',
            ProjectionExpression: EVENT_PROJECTION,
            ExpressionAttributeNames: EVENT_NAMES,
            ExpressionAttributeValues: { ':e': EVENT_PREFIX },
            ...(total > 1 ? { Segment: seg, TotalSegments: total } : {}),
          },
          // A timeout per attempt, no overall budget: the job's own budget bounds a full scan.
          { requestTimeout: o.requestTimeout },
        );
        for await (const page of pages) {
          const batch = (page.Items ?? []).map(eventFromItem);
          if (batch.length) {
            count += batch.length;
            visit(batch);
          }
        }
      });
    await Promise.all(Array.from({ length: total }, (_, s) => segment(s)));
    return count;
  }

  async hasNewSince(watermark: number, now: number = Date.now()): Promise<boolean> {
    const from = Math.max(0, Math.floor(watermark));
    // +1 day: a clock slightly ahead of ours may already write into tomorrow's bucket.
    const days: string[] = [];
    for (let t = Date.parse(dayOf(from)); t <= now + DAY_MS; t += DAY_MS) days.push(dayOf(t));
    if (days.length > this.maxIndexDays + 1) return this.scanNewSince(from);
    const after = ts13(from + 1);
    const probes = days.flatMap((day) =>
      Array.from(
        { length: RECEIVED_SHARDS },
        (_, shard): QueryCommandInput => ({
          TableName: this.table,
          IndexName: INDEX.received,
          KeyConditionExpression: '#pk = :b AND #sk >= :after',
          ExpressionAttributeNames: { '#pk': KEY.gsi1pk, '#sk': KEY.gsi1sk },
          ExpressionAttributeValues: { ':b': keys.receivedBucket(Date.parse(day), shard), ':after': after },
          Limit: 1,
          ProjectionExpression: '#pk',
        }),
      ),
    );
    const probe = { what: 'Query of the received-time index', timeouts };
    const found = await Promise.all(
      probes.map(
        async (q) => ((await call(probe, (o) => this.doc.send(new QueryCommand(q), o))).Items ?? []).length > 0,
      ),
    );
    return found.some(Boolean);
  }

  private scanNewSince(watermark: number): Promise<boolean> {
    return call({ what: 'Scan for events since the watermark', timeouts }, async (o) => {
      const pages = paginateScan(
        { client: this.doc },
        {
          TableName: this.table,
          FilterExpression: 'begins_with(#sk, :e) AND #r > :w',
          ExpressionAttributeNames: { '#sk': KEY.sk, '#r': 'receivedAt' },
          ExpressionAttributeValues: { ':e': EVENT_PREFIX, ':w': watermark },
          ProjectionExpression: '#sk',
        },
        { requestTimeout: o.requestTimeout },
      );
      for await (const page of pages) if ((page.Items ?? []).length > 0) return true;
      return false;
    });
  }

  listErasures(): Promise<Erasure[]> {
    return listErasureMarkers(this.doc, this.table, timeouts);
  }

  async acquireLease(name: string, owner: string, seconds: number, now: number = Date.now()): Promise<boolean> {
    const until = now + seconds * 1000;
    try {
      await call({ what: 'PutItem of the training lease', timeouts: STORE_TIMEOUTS.write }, (o) =>
        this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              [KEY.pk]: keys.lease(name),
              [KEY.sk]: keys.leaseSort,
              owner,
              acquiredAt: now,
              leaseUntil: until,
              // TTL (seconds) tidies a lease a crashed run never released, a day after it lapses.
              [KEY.ttl]: Math.ceil(until / 1000) + 86_400,
            },
            // leaseUntil is in ms; the TTL attribute is in seconds and too coarse for the check.
            ConditionExpression: 'attribute_not_exists(#pk) OR #until < :now',
            ExpressionAttributeNames: { '#pk': KEY.pk, '#until': 'leaseUntil' },
            ExpressionAttributeValues: { ':now': now },
          }),
          o,
        ),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  async releaseLease(name: string, owner: string): Promise<boolean> {
    try {
      await call({ what: 'DeleteItem of the training lease', timeouts: STORE_TIMEOUTS.write }, (o) =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.table,
            Key: { [KEY.pk]: keys.lease(name), [KEY.sk]: keys.leaseSort },
            ConditionExpression: '#owner = :o',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':o': owner },
          }),
          o,
        ),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  async recordRun(run: RunRecord): Promise<void> {
    await call({ what: 'PutItem of a run record', timeouts: STORE_TIMEOUTS.write }, (o) =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...run,
            [KEY.pk]: keys.runPartition,
            [KEY.sk]: `${run.startedAt}#${run.runId}`,
            [KEY.ttl]: Math.floor(Date.parse(run.startedAt) / 1000) + this.runRetentionDays * 86_400,
          },
        }),
        o,
      ),
    );
  }

  async listRuns(limit = 50): Promise<RunRecord[]> {
    const out = await call({ what: 'Query of the run log', timeouts: STORE_TIMEOUTS.read }, (o) =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :p',
          ExpressionAttributeNames: { '#pk': KEY.pk },
          ExpressionAttributeValues: { ':p': keys.runPartition },
          ScanIndexForward: false,
          Limit: limit,
        }),
        o,
      ),
    );
    return (out.Items ?? []).map((it) => {
      const { [KEY.pk]: _pk, [KEY.sk]: _sk, [KEY.ttl]: _ttl, ...run } = it;
      return run as RunRecord;
    });
  }
}
