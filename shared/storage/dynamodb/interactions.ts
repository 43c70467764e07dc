/** InteractionStore on the single DynamoDB table (key design in shared/storage/schema.ts). */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  paginateQuery,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { CatalogItem, Interaction } from '../../events';
import {
  InvalidCursorError,
  StoreInputError,
  StoreMisconfiguredError,
  type StoreUnavailableError,
  type CatalogPage,
  type Erasure,
  type EventPage,
  type InteractionStore,
  type PutEventsResult,
} from '../../ports/interactions';
import { type CallTimeouts, STORE_TIMEOUTS } from '../aws/clients';
import { errorName, mayHaveLanded } from '../aws/errors';
import { INDEX, KEY, keys, ts13 } from '../schema';
import { BATCH_LIMIT, batchWriteChunk, type BatchRetryOptions } from './batch';
import { call, collect } from './call';
import type { StoredUserAttributes, UserAttributeStore, UserAttributesBody } from '../../ingest/attributes';
import { deleteUserAttributes, getUserAttributes, listUserAttributes, putUserAttributes } from './attributes';
import { erasedUsers, listErasureMarkers, sweepUserEvents } from './erasure';
import { catalogFromItem, eventFromItem, eventToItem } from './items';

export interface DynamoInteractionStoreOptions {
  retentionDays?: number;
  retry?: BatchRetryOptions;
  /**
   * Pause before an erasure's second sweep (default 1 s): long enough for a write that was in
   * flight when the first sweep read the user's events to have landed (docs/stores.md).
   */
  erasureSweepDelayMs?: number;
}

type Outcome =
  | { kind: 'stored' }
  /** `ambiguous`: the write may have landed although it failed (a timeout, not a refusal). */
  | { kind: 'failed'; ambiguous?: boolean }
  | { kind: 'invalid'; error: string }
  | { kind: 'erased' };
type StoreFault = StoreUnavailableError | StoreMisconfiguredError;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Below this much budget left, putEvents skips the re-check (the reads still hide the events). */
const MIN_RECHECK_MS = 500;
/** Deleting what a write left for an erased user: short, it runs after the write's budget. */
const COMPENSATION = { requestTimeoutMs: 1_000, budgetMs: 2_000 };
const eventKey = (ev: Interaction) => `${keys.user(ev.userId)}\u0000${keys.event(ev.eventId)}`;
const itemKey = (it: Record<string, unknown>) => `${it[KEY.pk]}\u0000${it[KEY.sk]}`;

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * A cursor this API issued: the base64url JSON of the last key read, exactly `attrs` (all strings) with
 * `fixed` values where the query pins them; anything else is refused rather than handed to DynamoDB.
 */
function decodeKey(cursor: string, fixed: Record<string, string>, attrs: string[], what: string) {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor is not one this API issued');
  }
  const k = key as Record<string, unknown>;
  const ok =
    k !== null &&
    typeof k === 'object' &&
    Object.entries(fixed).every(([a, v]) => k[a] === v) &&
    attrs.every((a) => typeof k[a] === 'string') &&
    Object.keys(k).length === attrs.length;
  if (!ok) throw new InvalidCursorError(`cursor is not one this API issued for ${what}`);
  return k;
}

/** A user's events page cursor: their ByUserTime key. */
const decodeCursor = (cursor: string, pk: string) =>
  decodeKey(cursor, { [KEY.pk]: pk }, [KEY.pk, KEY.sk, KEY.lsi1sk], 'this user');

/** A catalog page's cursor: the Directory index key of the last record listed, as this API wrote it. */
const decodeCatalogCursor = (cursor: string) =>
  decodeKey(cursor, { [KEY.gsi2pk]: keys.catalogPartition }, [KEY.gsi2pk, KEY.gsi2sk, KEY.pk, KEY.sk], 'the catalog');

export class DynamoInteractionStore implements InteractionStore, UserAttributeStore {
  private readonly retentionDays: number;
  private readonly sweepDelayMs: number;
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly opts: DynamoInteractionStoreOptions = {},
  ) {
    this.retentionDays = opts.retentionDays ?? 0;
    this.sweepDelayMs = opts.erasureSweepDelayMs ?? 1000;
  }

  async putEvents(events: Interaction[]): Promise<PutEventsResult> {
    // BatchWriteItem rejects two requests for one key: write each (user, eventId) once;
    // its duplicates share its outcome.
    const firstOf = new Map<string, number>();
    const owner = events.map((ev, i) => {
      const k = eventKey(ev);
      if (!firstOf.has(k)) firstOf.set(k, i);
      return firstOf.get(k)!;
    });
    const unique = [...firstOf.values()];
    const outcome = new Map<number, Outcome>();
    let fault: StoreFault | undefined;
    const noteFault = (err: StoreFault) => {
      // A misconfiguration is the more useful cause to report when both happened.
      if (!fault || err instanceof StoreMisconfiguredError) fault = err;
    };
    // One budget for the write and its re-check: a hung store answers inside STORE_TIMEOUTS.write.
    const deadline = Date.now() + STORE_TIMEOUTS.write.budgetMs;
    const chunks: number[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_LIMIT) chunks.push(unique.slice(i, i + BATCH_LIMIT));
    await Promise.all(
      chunks.map(async (chunk) => {
        const items = chunk.map((i) => eventToItem(events[i], this.retentionDays));
        const requests = items.map((Item) => ({ PutRequest: { Item } }));
        const { unprocessed, error } = await batchWriteChunk(this.doc, this.table, requests, this.opts.retry, true);
        if (error instanceof StoreInputError) {
          // One bad value fails the whole batch: find it by writing each event alone.
          await Promise.all(chunk.map(async (i, k) => outcome.set(i, await this.putOne(items[k], noteFault))));
          return;
        }
        if (error) noteFault(error);
        const ambiguous = error !== undefined && mayHaveLanded(error);
        const left = new Set(unprocessed.map((r) => itemKey(r.PutRequest!.Item)));
        for (const i of chunk)
          outcome.set(i, left.has(eventKey(events[i])) ? { kind: 'failed', ambiguous } : { kind: 'stored' });
      }),
    );
    await this.undoErased(events, unique, outcome, deadline);

    const lists = { stored: [] as number[], failed: [] as number[], erased: [] as number[] };
    const invalid: { index: number; error: string }[] = [];
    events.forEach((_, i) => {
      const o = outcome.get(owner[i])!;
      if (o.kind === 'invalid') invalid.push({ index: i, error: o.error });
      else lists[o.kind].push(i);
    });
    return { ...lists, invalid, ...(lists.failed.length > 0 ? { error: fault } : {}) };
  }

  /** PutItem of one event, for isolating the value a batch refused. */
  private async putOne(item: Record<string, unknown>, noteFault: (e: StoreFault) => void): Promise<Outcome> {
    try {
      await call({ what: 'PutItem of one event', timeouts: STORE_TIMEOUTS.write, callerValues: true }, (o) =>
        this.doc.send(new PutCommand({ TableName: this.table, Item: item }), o),
      );
      return { kind: 'stored' };
    } catch (err) {
      if (err instanceof StoreInputError) return { kind: 'invalid', error: err.message };
      noteFault(err as StoreFault);
      return { kind: 'failed' };
    }
  }

  /**
   * The write path's half of erasure: re-reads the markers of the users just written (after the
   * write took effect) and deletes what it wrote for any user erased meanwhile. Writes that failed
   * ambiguously (a timeout: they may still land) are deleted too; sent after them, the delete
   * lands after them on a store that answers in order. When the re-check cannot be read, the
   * events stay reported as stored: an erasure that raced them still hides them (reads check the
   * marker) and its second sweep deletes them.
   */
  private async undoErased(
    events: Interaction[],
    unique: number[],
    outcome: Map<number, Outcome>,
    deadline: number,
  ): Promise<void> {
    const written = unique.filter((i) => {
      const o = outcome.get(i)!;
      return o.kind === 'stored' || (o.kind === 'failed' && o.ambiguous === true);
    });
    const left = deadline - Date.now();
    // A write that used up the budget leaves no time to re-check: its events stay hidden, as above.
    if (written.length === 0 || left < MIN_RECHECK_MS) return;
    const timeouts = { requestTimeoutMs: Math.min(STORE_TIMEOUTS.write.requestTimeoutMs, left), budgetMs: left };
    let erased: Set<string>;
    try {
      erased = await erasedUsers(
        this.doc,
        this.table,
        written.map((i) => events[i].userId),
        timeouts,
      );
    } catch {
      return;
    }
    const undo = written.filter((i) => erased.has(events[i].userId));
    for (let c = 0; c < undo.length; c += BATCH_LIMIT) {
      const requests = undo.slice(c, c + BATCH_LIMIT).map((i) => ({
        DeleteRequest: { Key: { [KEY.pk]: keys.user(events[i].userId), [KEY.sk]: keys.event(events[i].eventId) } },
      }));
      // A delete that fails here leaves events the marker already hides; the erasure's sweep removes them.
      await batchWriteChunk(this.doc, this.table, requests, { ...this.opts.retry, timeouts: COMPENSATION });
    }
    for (const i of undo) outcome.set(i, { kind: 'erased' });
  }

  async listUserEvents(userId: string, opts: { limit: number; cursor?: string }): Promise<EventPage> {
    const pk = keys.user(userId);
    const start = opts.cursor ? decodeCursor(opts.cursor, pk) : undefined;
    const input: QueryCommandInput = {
      TableName: this.table,
      IndexName: INDEX.userTime,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': KEY.pk },
      ExpressionAttributeValues: { ':pk': pk },
      ScanIndexForward: false,
      Limit: opts.limit,
      ExclusiveStartKey: start,
      ConsistentRead: true,
    };
    const query = call({ what: "Query of a user's events", timeouts: STORE_TIMEOUTS.read }, (o) =>
      this.doc.send(new QueryCommand(input), o),
    ).catch((err: Error) => {
      const cause = err.cause as Error | undefined;
      const aboutCursor =
        start && errorName(cause) === 'ValidationException' && /start(ing)? ?key/i.test(cause?.message ?? '');
      throw aboutCursor ? new InvalidCursorError('cursor does not match this query') : err;
    });
    // Read together: events a write raced into an erased user's partition stay hidden.
    const [out, erasure] = await Promise.all([query, this.getErasure(userId)]);
    if (erasure) return { events: [], cursor: null };
    const events = (out.Items ?? []).map(eventFromItem);
    const last = out.LastEvaluatedKey;
    return {
      events,
      cursor: last
        ? encodeCursor({ [KEY.pk]: last[KEY.pk], [KEY.sk]: last[KEY.sk], [KEY.lsi1sk]: last[KEY.lsi1sk] })
        : null,
    };
  }

  async eraseUser(userId: string): Promise<{ deleted: number }> {
    // The marker goes first: from this moment reads, serving and training ignore the user, and
    // every write that lands after it deletes itself (putEvents re-checks the marker).
    await call({ what: 'PutItem of an erasure marker', timeouts: STORE_TIMEOUTS.write }, (o) =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            [KEY.pk]: keys.user(userId),
            [KEY.sk]: keys.erased,
            [KEY.gsi2pk]: keys.erasedPartition,
            [KEY.gsi2sk]: userId,
            userId,
            erasedAt: Date.now(),
          },
        }),
        o,
      ),
    );
    // the user's attributes go with their events (a write racing the marker deletes itself)
    await deleteUserAttributes(this.doc, this.table, userId);
    let deleted = await sweepUserEvents(this.doc, this.table, userId, this.opts.retry);
    // A write that landed before the marker but after this sweep's read: the second sweep takes it.
    await sleep(this.sweepDelayMs);
    deleted += await sweepUserEvents(this.doc, this.table, userId, this.opts.retry);
    return { deleted };
  }

  async clearErasure(userId: string): Promise<boolean> {
    // Events a racing write left behind were hidden by the marker; they go before it does.
    await sweepUserEvents(this.doc, this.table, userId, this.opts.retry);
    const out = await call({ what: 'DeleteItem of an erasure marker', timeouts: STORE_TIMEOUTS.write }, (o) =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { [KEY.pk]: keys.user(userId), [KEY.sk]: keys.erased },
          ReturnValues: 'ALL_OLD',
        }),
        o,
      ),
    );
    return out.Attributes !== undefined;
  }

  putUserAttributes(userId: string, a: UserAttributesBody, now = Date.now()): Promise<StoredUserAttributes> {
    return putUserAttributes(this.doc, this.table, userId, a, now);
  }

  getUserAttributes(userId: string): Promise<StoredUserAttributes | null> {
    return getUserAttributes(this.doc, this.table, userId);
  }

  listUserAttributes(): Promise<StoredUserAttributes[]> {
    return listUserAttributes(this.doc, this.table);
  }

  async getErasure(userId: string): Promise<Erasure | null> {
    const out = await call({ what: 'GetItem of an erasure marker', timeouts: STORE_TIMEOUTS.read }, (o) =>
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { [KEY.pk]: keys.user(userId), [KEY.sk]: keys.erased },
          ConsistentRead: true,
        }),
        o,
      ),
    );
    return out.Item ? { userId, erasedAt: Number(out.Item.erasedAt) } : null;
  }

  async erasedAmong(userIds: string[]): Promise<Set<string>> {
    return erasedUsers(this.doc, this.table, userIds);
  }

  listErasures(): Promise<Erasure[]> {
    return listErasureMarkers(this.doc, this.table, STORE_TIMEOUTS.list);
  }

  async putItem(item: Omit<CatalogItem, 'createdAt' | 'updatedAt'>, now = Date.now()): Promise<CatalogItem> {
    const iso = new Date(now).toISOString();
    const removed = [item.title === undefined ? 'title' : '', item.properties === undefined ? 'properties' : ''];
    const update = new UpdateCommand({
      TableName: this.table,
      Key: { [KEY.pk]: keys.item(item.itemId), [KEY.sk]: keys.itemMeta },
      UpdateExpression:
        'SET itemId = :id, categories = :c, available = :a, updatedAt = :u, createdAt = if_not_exists(createdAt, :u), ' +
        '#g2pk = :g2pk, #g2sk = :g2sk' +
        (item.title !== undefined ? ', title = :t' : '') +
        (item.properties !== undefined ? ', properties = :p' : '') +
        (removed.some(Boolean) ? ` REMOVE ${removed.filter(Boolean).join(', ')}` : ''),
      ExpressionAttributeNames: { '#g2pk': KEY.gsi2pk, '#g2sk': KEY.gsi2sk },
      ExpressionAttributeValues: {
        ':id': item.itemId,
        ':c': item.categories,
        ':a': item.available,
        ':u': iso,
        ':g2pk': keys.catalogPartition,
        ':g2sk': keys.catalogSort(now, item.itemId),
        ...(item.title !== undefined ? { ':t': item.title } : {}),
        ...(item.properties !== undefined ? { ':p': item.properties } : {}),
      },
      ReturnValues: 'ALL_NEW',
    });
    const ctx = { what: 'UpdateItem of a catalog record', timeouts: STORE_TIMEOUTS.write, callerValues: true };
    const out = await call(ctx, (o) => this.doc.send(update, o));
    return catalogFromItem(out.Attributes!);
  }

  async getItem(itemId: string): Promise<CatalogItem | null> {
    const get = new GetCommand({
      TableName: this.table,
      Key: { [KEY.pk]: keys.item(itemId), [KEY.sk]: keys.itemMeta },
    });
    const out = await call({ what: 'GetItem of a catalog record', timeouts: STORE_TIMEOUTS.read }, (o) =>
      this.doc.send(get, o),
    );
    return out.Item ? catalogFromItem(out.Item) : null;
  }

  async markItemUnavailable(itemId: string, now = Date.now()): Promise<CatalogItem> {
    const iso = new Date(now).toISOString();
    const update = new UpdateCommand({
      TableName: this.table,
      Key: { [KEY.pk]: keys.item(itemId), [KEY.sk]: keys.itemMeta },
      UpdateExpression:
        'SET itemId = :id, available = :f, updatedAt = :u, createdAt = if_not_exists(createdAt, :u), ' +
        'categories = if_not_exists(categories, :empty), #g2pk = :g2pk, #g2sk = :g2sk',
      ExpressionAttributeNames: { '#g2pk': KEY.gsi2pk, '#g2sk': KEY.gsi2sk },
      ExpressionAttributeValues: {
        ':id': itemId,
        ':f': false,
        ':u': iso,
        ':empty': [],
        ':g2pk': keys.catalogPartition,
        ':g2sk': keys.catalogSort(now, itemId),
      },
      ReturnValues: 'ALL_NEW',
    });
    const ctx = { what: 'UpdateItem of a catalog record', timeouts: STORE_TIMEOUTS.write, callerValues: true };
    const out = await call(ctx, (o) => this.doc.send(update, o));
    return catalogFromItem(out.Attributes!);
  }

  async listCatalog(sinceMs?: number): Promise<CatalogItem[]> {
    const since = sinceMs !== undefined;
    const items = await this.queryAll('Query of the catalog', STORE_TIMEOUTS.catalog, {
      IndexName: INDEX.directory,
      KeyConditionExpression: since ? '#pk = :p AND #sk >= :s' : '#pk = :p',
      ExpressionAttributeNames: { '#pk': KEY.gsi2pk, ...(since ? { '#sk': KEY.gsi2sk } : {}) },
      ExpressionAttributeValues: { ':p': keys.catalogPartition, ...(since ? { ':s': ts13(sinceMs) } : {}) },
    });
    return items.map(catalogFromItem);
  }

  async listCatalogPage(opts: { limit: number; cursor?: string }): Promise<CatalogPage> {
    const start = opts.cursor ? decodeCatalogCursor(opts.cursor) : undefined;
    const out = await call({ what: 'Query of a catalog page', timeouts: STORE_TIMEOUTS.read }, (o) =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.directory,
          KeyConditionExpression: '#pk = :p',
          ExpressionAttributeNames: { '#pk': KEY.gsi2pk },
          ExpressionAttributeValues: { ':p': keys.catalogPartition },
          Limit: opts.limit,
          ExclusiveStartKey: start,
        }),
        o,
      ),
    );
    const last = out.LastEvaluatedKey;
    const cursor = last
      ? encodeCursor({
          [KEY.gsi2pk]: last[KEY.gsi2pk],
          [KEY.gsi2sk]: last[KEY.gsi2sk],
          [KEY.pk]: last[KEY.pk],
          [KEY.sk]: last[KEY.sk],
        })
      : null;
    return { items: (out.Items ?? []).map(catalogFromItem), cursor };
  }

  private queryAll(
    what: string,
    timeouts: CallTimeouts,
    input: Omit<QueryCommandInput, 'TableName'>,
  ): Promise<Record<string, any>[]> {
    return collect({ what, timeouts }, (o) =>
      paginateQuery({ client: this.doc }, { ...input, TableName: this.table }, o),
    );
  }
}
