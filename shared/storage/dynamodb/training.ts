/**
 * TrainingStore on the single DynamoDB table. Interactions are read with a
 * parallel Scan (every event item, filtered by sort-key prefix), or through a
 * table export when an exporter is configured. An incremental run queries the
 * received-time index that projects the events' attributes (ByReceivedEvents)
 * from its watermark on: one paginated Query per day bucket and shard, billed
 * by the bytes returned. While that index is not ACTIVE (being created and
 * backfilled after an upgrade, or absent from a local table made by an older
 * version) DynamoDB refuses the Query, and the run reads the keys-only
 * ByReceived index and fetches the events it names with BatchGetItem (4 KB
 * billed per event) instead. The "anything new?" probe reads the keys-only
 * index, one Limit-1 query per recent day bucket and shard, and falls back to a
 * filtered scan when the watermark is older than the index window is worth querying.
 */
import {
  BatchGetCommand,
  DeleteCommand,
  PutCommand,
  QueryCommand,
  paginateQuery,
  paginateScan,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Interaction } from '../../events';
import type { Erasure } from '../../ports/interactions';
import type {
  BatchVisitor,
  ReadStats,
  RunRecord,
  ScanOptions,
  TableExporter,
  TrainingStore,
} from '../../ports/training';
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
  /** Full reads (readAll) go through this export instead of a Scan (AWS: ExportTableToPointInTime). */
  exporter?: TableExporter;
  /** false: delta reads take the keys-only index and BatchGetItem even when ByReceivedEvents is ACTIVE (bench). */
  eventsIndex?: boolean;
}

/** BatchGetItem takes at most 100 keys a call. */
const GET_BATCH = 100;
/** Index partitions (day x shard) queried at once by an incremental read. */
const QUERY_CONCURRENCY = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
const { '#sk': _sk, ...EVENT_NAMES_NO_SK } = EVENT_NAMES;

// Errors come classified from call(); the SDK's own error is their cause.
function isConditionFailed(err: unknown): boolean {
  return ((err as Error)?.cause as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

const timeouts = STORE_TIMEOUTS.training;

/** Read units DynamoDB reports for a response (ReturnConsumedCapacity TOTAL): one object, or one per table. */
function unitsOf(c: { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined): number {
  if (!c) return 0;
  return Array.isArray(c) ? c.reduce((s, x) => s + (x.CapacityUnits ?? 0), 0) : (c.CapacityUnits ?? 0);
}

/**
 * DynamoDB's answer to a Query of an index that cannot be read yet: a
 * ValidationException naming the index ("Cannot read from backfilling global
 * secondary index", "The table does not have the specified index").
 */
export function isIndexNotReady(err: unknown): boolean {
  const e = ((err as Error)?.cause ?? err) as { name?: string; message?: string } | undefined;
  return e?.name === 'ValidationException' && /index/i.test(e.message ?? '');
}

export class DynamoTrainingStore implements TrainingStore {
  private readonly segments: number;
  private readonly maxIndexDays: number;
  private readonly runRetentionDays: number;
  private readonly exporter?: TableExporter;
  private readonly eventsIndex: boolean;
  /** Once ByReceivedEvents answered it stays readable (an index is never un-created); before, each run asks again. */
  private eventsIndexActive = false;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    opts: DynamoTrainingStoreOptions = {},
  ) {
    this.segments = Math.max(1, opts.segments ?? 4);
    this.maxIndexDays = opts.maxIndexDays ?? 7;
    this.runRetentionDays = opts.runRetentionDays ?? 90;
    this.exporter = opts.exporter;
    this.eventsIndex = opts.eventsIndex ?? true;
  }

  async scanInteractions(visit: (batch: Interaction[]) => void, opts: ScanOptions = {}): Promise<number> {
    return (await this.scan(visit, opts)).events;
  }

  async readAll(visit: BatchVisitor, opts: { scan?: boolean } = {}): Promise<ReadStats> {
    return this.exporter && !opts.scan ? this.exporter.exportEvents(visit) : this.scan(visit);
  }

  async readReceivedSince(from: number, visit: (batch: Interaction[]) => void, now = Date.now()): Promise<ReadStats> {
    const start = Math.max(0, Math.floor(from));
    const buckets: string[] = [];
    // +1 day: a clock slightly ahead of ours may already write into tomorrow's bucket.
    for (let t = Date.parse(dayOf(start)); t <= now + DAY_MS; t += DAY_MS)
      for (let shard = 0; shard < RECEIVED_SHARDS; shard++) buckets.push(keys.receivedBucket(t, shard));
    const after = ts13(start);
    const probeUnits = this.eventsIndex ? await this.probeEventsIndex() : null;
    const stats = { events: 0, itemsRead: 0, units: probeUnits ?? 0 };
    const read =
      probeUnits !== null
        ? (bucket: string) => this.readBucket(bucket, after, visit, stats)
        : (bucket: string) => this.readBucketByKeys(bucket, after, visit, stats);
    let next = 0;
    const worker = async () => {
      while (next < buckets.length) await read(buckets[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(QUERY_CONCURRENCY, buckets.length) }, worker));
    return {
      events: stats.events,
      itemsRead: stats.itemsRead,
      via: 'index',
      readUnits: stats.units,
      index: probeUnits !== null ? INDEX.receivedEvents : INDEX.received,
    };
  }

  /** Read units of a Limit-1 Query of ByReceivedEvents, or null while DynamoDB refuses to read it. */
  private async probeEventsIndex(): Promise<number | null> {
    if (this.eventsIndexActive) return 0;
    try {
      const out = await call({ what: 'Query of the received-events index (is it ACTIVE?)', timeouts }, (o) =>
        this.doc.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: INDEX.receivedEvents,
            KeyConditionExpression: '#pk = :b',
            ExpressionAttributeNames: { '#pk': KEY.gsi1pk },
            ExpressionAttributeValues: { ':b': keys.receivedBucket(0, 0) },
            Limit: 1,
            ReturnConsumedCapacity: 'TOTAL',
          }),
          o,
        ),
      );
      this.eventsIndexActive = true;
      return unitsOf(out.ConsumedCapacity);
    } catch (err) {
      if (isIndexNotReady(err)) return null;
      throw err;
    }
  }

  /** One bucket of ByReceivedEvents from `after` (inclusive) on: the events themselves, page by page. */
  private readBucket(
    bucket: string,
    after: string,
    visit: (batch: Interaction[]) => void,
    stats: { events: number; itemsRead: number; units: number },
  ): Promise<void> {
    return call({ what: 'Query of the received-events index', timeouts }, async (o) => {
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.table,
          IndexName: INDEX.receivedEvents,
          KeyConditionExpression: '#pk = :b AND #gsk >= :after',
          ProjectionExpression: EVENT_PROJECTION,
          ExpressionAttributeNames: { ...EVENT_NAMES_NO_SK, '#pk': KEY.gsi1pk, '#gsk': KEY.gsi1sk },
          ExpressionAttributeValues: { ':b': bucket, ':after': after },
          ReturnConsumedCapacity: 'TOTAL',
        },
        { requestTimeout: o.requestTimeout },
      );
      for await (const page of pages) {
        stats.units += unitsOf(page.ConsumedCapacity);
        const batch = (page.Items ?? []).map(eventFromItem);
        stats.itemsRead += batch.length;
        stats.events += batch.length;
        if (batch.length) visit(batch);
      }
    });
  }

  /** One bucket of the keys-only ByReceived, then the events it names by BatchGetItem (the fallback). */
  private async readBucketByKeys(
    bucket: string,
    after: string,
    visit: (batch: Interaction[]) => void,
    stats: { events: number; itemsRead: number; units: number },
  ): Promise<void> {
    const found = await this.indexKeys(bucket, after, stats);
    stats.itemsRead += found.length;
    for (let i = 0; i < found.length; i += GET_BATCH) {
      const items = await this.batchGet(found.slice(i, i + GET_BATCH), stats);
      stats.itemsRead += items.length;
      // an event erased or expired between the index read and the get is simply gone
      const batch = items.filter((it) => String(it[KEY.sk]).startsWith(EVENT_PREFIX)).map(eventFromItem);
      stats.events += batch.length;
      if (batch.length) visit(batch);
    }
  }

  /** Table keys of one index partition from `after` (inclusive) on. */
  private indexKeys(bucket: string, after: string, stats: { units: number }): Promise<Record<string, string>[]> {
    return call({ what: 'Query of the received-time index', timeouts }, async (o) => {
      const out: Record<string, string>[] = [];
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.table,
          IndexName: INDEX.received,
          KeyConditionExpression: '#pk = :b AND #sk >= :after',
          ExpressionAttributeNames: { '#pk': KEY.gsi1pk, '#sk': KEY.gsi1sk },
          ExpressionAttributeValues: { ':b': bucket, ':after': after },
          ReturnConsumedCapacity: 'TOTAL',
        },
        { requestTimeout: o.requestTimeout },
      );
      for await (const page of pages) {
        stats.units += unitsOf(page.ConsumedCapacity);
        for (const it of page.Items ?? []) out.push({ [KEY.pk]: it[KEY.pk], [KEY.sk]: it[KEY.sk] });
      }
      return out;
    });
  }

  /** BatchGetItem with the resend loop for UnprocessedKeys (backoff with full jitter). */
  private async batchGet(keyList: Record<string, string>[], stats: { units: number }): Promise<Record<string, any>[]> {
    const out: Record<string, any>[] = [];
    let pending = keyList;
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt > 0) {
        if (attempt > 8)
          throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${attempt} rounds`);
        await sleep(Math.random() * Math.min(2_000, 50 * 2 ** attempt));
      }
      const res = await call({ what: 'BatchGetItem of events named by the received-time index', timeouts }, (o) =>
        this.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: {
                Keys: pending,
                ProjectionExpression: `#sk, ${EVENT_PROJECTION}`,
                ExpressionAttributeNames: EVENT_NAMES,
              },
            },
            ReturnConsumedCapacity: 'TOTAL',
          }),
          o,
        ),
      );
      stats.units += unitsOf(res.ConsumedCapacity);
      out.push(...(res.Responses?.[this.table] ?? []));
      pending = (res.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, string>[];
    }
    return out;
  }

  private async scan(visit: BatchVisitor, opts: ScanOptions = {}): Promise<ReadStats> {
    const total = Math.max(1, opts.segments ?? this.segments);
    let count = 0;
    let scanned = 0;
    let units = 0;
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
            ReturnConsumedCapacity: 'TOTAL',
            ...(total > 1 ? { Segment: seg, TotalSegments: total } : {}),
          },
          // A timeout per attempt, no overall budget: the job's own budget bounds a full scan.
          { requestTimeout: o.requestTimeout },
        );
        for await (const page of pages) {
          scanned += page.ScannedCount ?? page.Items?.length ?? 0;
          units += unitsOf(page.ConsumedCapacity);
          const batch = (page.Items ?? []).map(eventFromItem);
          if (batch.length) {
            count += batch.length;
            // a visitor that writes (a rebuild's spills) holds this segment's next page back
            await visit(batch);
          }
        }
      });
    await Promise.all(Array.from({ length: total }, (_, s) => segment(s)));
    return { events: count, itemsRead: scanned, via: 'scan', readUnits: units };
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
