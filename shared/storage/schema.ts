/**
 * The single DynamoDB table's shape: one definition read by the CDK stack and
 * by the local store bootstrap, so the two cannot drift. Plain data, no SDK.
 *
 * Item kinds (PK / SK):
 * - event:   U#<userId> / E#<eventId>            LSI1SK = T#<ts13>#<eventId>   GSI1 = B#<day>#<shard> / <recv13>#<userId>#<eventId>
 * - erasure: U#<userId> / ERASED                 GSI2 = ERASED / <userId>
 * - catalog: I#<itemId> / META                   GSI2 = CATALOG / <updated13>#<itemId>
 * - lease:   LEASE#<name> / LEASE
 * - run log: RUN / <startedAt ISO>#<runId>
 */

export const KEY = {
  pk: 'PK',
  sk: 'SK',
  lsi1sk: 'LSI1SK',
  gsi1pk: 'GSI1PK',
  gsi1sk: 'GSI1SK',
  gsi2pk: 'GSI2PK',
  gsi2sk: 'GSI2SK',
  ttl: 'expiresAt',
} as const;

export const INDEX = {
  /** Per-user events ordered by event time (LSI: strongly consistent, newest first with ScanIndexForward=false). */
  userTime: 'ByUserTime',
  /** Events by receive day and shard, ordered by receive time, keys only: the freshness probe. */
  received: 'ByReceived',
  /**
   * The same keys with the event's attributes projected: a delta read is one
   * Query per bucket, with no BatchGetItem (billed by the bytes returned, not
   * 4 KB per event). Added beside ByReceived, which stays until a later release
   * (CloudFormation cannot create and delete GSIs in one update; docs/scale.md).
   */
  receivedEvents: 'ByReceivedEvents',
  /** Sparse directory of catalog records (by update time) and erasure markers (by user). */
  directory: 'Directory',
} as const;

/** Shards per receive-day bucket; spreads a day's write load over this many partitions. */
export const RECEIVED_SHARDS = 8;

export interface AttributeDef {
  name: string;
  type: 'S' | 'N';
}
export interface IndexDef {
  name: string;
  partitionKey: AttributeDef;
  sortKey: AttributeDef;
  /** 'keys' when every reader of the index needs only keys (cheaper writes and storage); default 'all'. */
  projection?: 'keys' | 'all' | 'include';
  /** With projection 'include': the non-key attributes the index carries. */
  include?: readonly string[];
}

/**
 * What ByReceivedEvents carries besides keys: an event's training attributes
 * (shared/storage/dynamodb/items.ts) and the attribution fields the online job reads.
 */
export const RECEIVED_EVENT_ATTRIBUTES = [
  'eventId',
  'userId',
  'itemId',
  'type',
  'value',
  'timestamp',
  'receivedAt',
  'recommendationId',
  'position',
  'modelVersion',
  'variant',
] as const;
export interface TableSchema {
  partitionKey: AttributeDef;
  sortKey: AttributeDef;
  localIndexes: IndexDef[];
  globalIndexes: IndexDef[];
  ttlAttribute: string;
}

const S = (name: string): AttributeDef => ({ name, type: 'S' });

export const TABLE_SCHEMA: TableSchema = {
  partitionKey: S(KEY.pk),
  sortKey: S(KEY.sk),
  localIndexes: [{ name: INDEX.userTime, partitionKey: S(KEY.pk), sortKey: S(KEY.lsi1sk) }],
  globalIndexes: [
    // Training's freshness probe reads only keys from it (and delta reads while ByReceivedEvents backfills).
    { name: INDEX.received, partitionKey: S(KEY.gsi1pk), sortKey: S(KEY.gsi1sk), projection: 'keys' },
    {
      name: INDEX.receivedEvents,
      partitionKey: S(KEY.gsi1pk),
      sortKey: S(KEY.gsi1sk),
      projection: 'include',
      include: RECEIVED_EVENT_ATTRIBUTES,
    },
    { name: INDEX.directory, partitionKey: S(KEY.gsi2pk), sortKey: S(KEY.gsi2sk) },
  ],
  ttlAttribute: KEY.ttl,
};

/** Zero-padded epoch milliseconds: sorts lexicographically in time order until year 2286. */
export function ts13(ms: number): string {
  return Math.max(0, Math.floor(ms)).toString().padStart(13, '0');
}

/** UTC day of an epoch-ms time, as used in the received-index bucket key. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export const keys = {
  user: (userId: string) => `U#${userId}`,
  event: (eventId: string) => `E#${eventId}`,
  eventTime: (timestamp: number, eventId: string) => `T#${ts13(timestamp)}#${eventId}`,
  receivedBucket: (receivedAt: number, shard: number) => `B#${dayOf(receivedAt)}#${shard}`,
  receivedSort: (receivedAt: number, userId: string, eventId: string) => `${ts13(receivedAt)}#${userId}#${eventId}`,
  erased: 'ERASED',
  item: (itemId: string) => `I#${itemId}`,
  itemMeta: 'META',
  catalogPartition: 'CATALOG',
  catalogSort: (updatedAt: number, itemId: string) => `${ts13(updatedAt)}#${itemId}`,
  erasedPartition: 'ERASED',
  lease: (name: string) => `LEASE#${name}`,
  leaseSort: 'LEASE',
  runPartition: 'RUN',
} as const;
