/** InteractionStore on the single DynamoDB table (key design in shared/storage/schema.ts). */
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { CatalogItem, Interaction } from '../../events';
import {
  InvalidCursorError,
  StoreUnavailableError,
  type Erasure,
  type EventPage,
  type InteractionStore,
  type PutEventsResult,
} from '../../ports/interactions';
import { INDEX, KEY, keys, ts13 } from '../schema';
import { BATCH_LIMIT, batchWriteChunk, type BatchRetryOptions } from './batch';
import { catalogFromItem, eventFromItem, eventToItem } from './items';

export interface DynamoInteractionStoreOptions {
  retentionDays?: number;
  retry?: BatchRetryOptions;
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, pk: string): Record<string, unknown> {
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
    k[KEY.pk] === pk &&
    typeof k[KEY.sk] === 'string' &&
    typeof k[KEY.lsi1sk] === 'string' &&
    Object.keys(k).length === 3;
  if (!ok) throw new InvalidCursorError('cursor is not one this API issued for this user');
  return k;
}

export class DynamoInteractionStore implements InteractionStore {
  private readonly retentionDays: number;
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly opts: DynamoInteractionStoreOptions = {},
  ) {
    this.retentionDays = opts.retentionDays ?? 0;
  }

  async putEvents(events: Interaction[]): Promise<PutEventsResult> {
    // BatchWriteItem rejects two requests for one key: write each (user, eventId) once;
    // its duplicates share its outcome.
    const firstOf = new Map<string, number>();
    const owner: number[] = [];
    events.forEach((ev, i) => {
      const k = `${ev.userId}\u0000${ev.eventId}`;
      if (!firstOf.has(k)) firstOf.set(k, i);
      owner[i] = firstOf.get(k)!;
    });
    const unique = [...firstOf.values()];
    const failedOwners = new Set<number>();
    const chunks: number[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_LIMIT) chunks.push(unique.slice(i, i + BATCH_LIMIT));
    await Promise.all(
      chunks.map(async (chunk) => {
        const requests = chunk.map((i) => ({ PutRequest: { Item: eventToItem(events[i], this.retentionDays) } }));
        const { unprocessed } = await batchWriteChunk(this.doc, this.table, requests, this.opts.retry);
        if (unprocessed.length === 0) return;
        const left = new Set(unprocessed.map((r) => (r.PutRequest!.Item as any)[KEY.sk] + '\u0000' + (r.PutRequest!.Item as any)[KEY.pk]));
        for (const i of chunk) {
          if (left.has(`${keys.event(events[i].eventId)}\u0000${keys.user(events[i].userId)}`)) failedOwners.add(i);
        }
      }),
    );
    const stored: number[] = [];
    const failed: number[] = [];
    events.forEach((_, i) => (failedOwners.has(owner[i]) ? failed : stored).push(i));
    return { stored, failed };
  }

  async listUserEvents(userId: string, opts: { limit: number; cursor?: string }): Promise<EventPage> {
    const pk = keys.user(userId);
    const start = opts.cursor ? decodeCursor(opts.cursor, pk) : undefined;
    const out = await this.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.userTime,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': KEY.pk },
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: false,
        Limit: opts.limit,
        ExclusiveStartKey: start,
      }),
    );
    const events = (out.Items ?? []).map(eventFromItem);
    const last = out.LastEvaluatedKey;
    return {
      events,
      cursor: last ? encodeCursor({ [KEY.pk]: last[KEY.pk], [KEY.sk]: last[KEY.sk], [KEY.lsi1sk]: last[KEY.lsi1sk] }) : null,
    };
  }

  async eraseUser(userId: string): Promise<{ deleted: number }> {
    const now = Date.now();
    // The marker goes first: from this moment serving and training ignore the user,
    // even if deleting their events is interrupted (a retry finishes the job).
    await this.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          [KEY.pk]: keys.user(userId),
          [KEY.sk]: keys.erased,
          [KEY.gsi2pk]: keys.erasedPartition,
          [KEY.gsi2sk]: userId,
          userId,
          erasedAt: now,
        },
      }),
    );
    let deleted = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page: Record<string, any> = await this.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :e)',
          ExpressionAttributeNames: { '#pk': KEY.pk, '#sk': KEY.sk },
          ExpressionAttributeValues: { ':pk': keys.user(userId), ':e': 'E#' },
          ProjectionExpression: '#pk, #sk',
          ExclusiveStartKey: start,
          Limit: 500,
        }),
      );
      const items: Record<string, any>[] = page.Items ?? [];
      for (let i = 0; i < items.length; i += BATCH_LIMIT) {
        const requests = items.slice(i, i + BATCH_LIMIT).map((it) => ({
          DeleteRequest: { Key: { [KEY.pk]: it[KEY.pk], [KEY.sk]: it[KEY.sk] } },
        }));
        const { unprocessed } = await batchWriteChunk(this.doc, this.table, requests, this.opts.retry);
        if (unprocessed.length > 0) {
          throw new StoreUnavailableError(
            `erasure of user interrupted after deleting ${deleted + requests.length - unprocessed.length} events; the marker is stored, retry to finish`,
          );
        }
        deleted += requests.length;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { deleted };
  }

  async getErasure(userId: string): Promise<Erasure | null> {
    const out = await this.send(
      new GetCommand({ TableName: this.table, Key: { [KEY.pk]: keys.user(userId), [KEY.sk]: keys.erased } }),
    );
    return out.Item ? { userId, erasedAt: Number(out.Item.erasedAt) } : null;
  }

  async erasedAmong(userIds: string[]): Promise<Set<string>> {
    const unique = [...new Set(userIds)];
    const erased = new Set<string>();
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, any> | undefined = {
        [this.table]: {
          Keys: unique.slice(i, i + 100).map((u) => ({ [KEY.pk]: keys.user(u), [KEY.sk]: keys.erased })),
          ProjectionExpression: 'userId',
        },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 5) throw new StoreUnavailableError('could not read erasure markers');
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 25 * 2 ** attempt));
        const out: any = await this.send(new BatchGetCommand({ RequestItems: request }));
        for (const it of out.Responses?.[this.table] ?? []) erased.add(it.userId);
        request = out.UnprocessedKeys;
      }
    }
    return erased;
  }

  async listErasures(): Promise<Erasure[]> {
    const items = await this.queryAll({
      IndexName: INDEX.directory,
      KeyConditionExpression: '#pk = :p',
      ExpressionAttributeNames: { '#pk': KEY.gsi2pk },
      ExpressionAttributeValues: { ':p': keys.erasedPartition },
    });
    return items.map((it) => ({ userId: it.userId, erasedAt: Number(it.erasedAt) }));
  }

  async putItem(item: Omit<CatalogItem, 'createdAt' | 'updatedAt'>, now = Date.now()): Promise<CatalogItem> {
    const iso = new Date(now).toISOString();
    const out = await this.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { [KEY.pk]: keys.item(item.itemId), [KEY.sk]: keys.itemMeta },
        UpdateExpression:
          'SET itemId = :id, categories = :c, available = :a, updatedAt = :u, createdAt = if_not_exists(createdAt, :u), #g2pk = :g2pk, #g2sk = :g2sk' +
          (item.title !== undefined ? ', title = :t' : '') +
          (item.properties !== undefined ? ', properties = :p' : '') +
          (item.title === undefined || item.properties === undefined
            ? ' REMOVE ' + [item.title === undefined ? 'title' : '', item.properties === undefined ? 'properties' : ''].filter(Boolean).join(', ')
            : ''),
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
      }),
    );
    return catalogFromItem(out.Attributes!);
  }

  async getItem(itemId: string): Promise<CatalogItem | null> {
    const out = await this.send(
      new GetCommand({ TableName: this.table, Key: { [KEY.pk]: keys.item(itemId), [KEY.sk]: keys.itemMeta } }),
    );
    return out.Item ? catalogFromItem(out.Item) : null;
  }

  async markItemUnavailable(itemId: string, now = Date.now()): Promise<CatalogItem> {
    const iso = new Date(now).toISOString();
    const out = await this.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { [KEY.pk]: keys.item(itemId), [KEY.sk]: keys.itemMeta },
        UpdateExpression:
          'SET itemId = :id, available = :f, updatedAt = :u, createdAt = if_not_exists(createdAt, :u), categories = if_not_exists(categories, :empty), #g2pk = :g2pk, #g2sk = :g2sk',
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
      }),
    );
    return catalogFromItem(out.Attributes!);
  }

  async listCatalog(sinceMs?: number): Promise<CatalogItem[]> {
    const items = await this.queryAll({
      IndexName: INDEX.directory,
      KeyConditionExpression: sinceMs === undefined ? '#pk = :p' : '#pk = :p AND #sk >= :s',
      ExpressionAttributeNames: { '#pk': KEY.gsi2pk, ...(sinceMs === undefined ? {} : { '#sk': KEY.gsi2sk }) },
      ExpressionAttributeValues: { ':p': keys.catalogPartition, ...(sinceMs === undefined ? {} : { ':s': ts13(sinceMs) }) },
    });
    return items.map(catalogFromItem);
  }

  private async queryAll(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>): Promise<Record<string, any>[]> {
    const all: Record<string, any>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }));
      all.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return all;
  }

  /** Every SDK failure that survived its retries is a store outage to the caller. */
  private async send<T>(command: any): Promise<T & Record<string, any>> {
    try {
      return (await this.doc.send(command)) as any;
    } catch (err) {
      if (err instanceof InvalidCursorError) throw err;
      const name = (err as { name?: string }).name;
      if (name === 'ValidationException' && (command.input as any)?.ExclusiveStartKey) {
        throw new InvalidCursorError('cursor does not match this query');
      }
      throw new StoreUnavailableError(`DynamoDB: ${name ?? 'error'}: ${(err as Error).message}`);
    }
  }
}
