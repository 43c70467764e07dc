/**
 * Where the online job reads events from: those received in a time range, by
 * the received-time index that carries the events' attributes (GSI
 * ByReceivedEvents: B#<day>#<shard> / <received13>#…), one Query per shard.
 * While that index cannot be read yet (backfilling after an upgrade, or a local
 * table made before it), by the keys-only ByReceived and a BatchGetItem of the
 * events it names. A memory source over an array serves the tests.
 */
import { BatchGetCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { Interaction } from '../events';
import { STORE_TIMEOUTS } from '../storage/aws/clients';
import { call, collect, type Doc } from '../storage/dynamodb/call';
import { eventFromItem } from '../storage/dynamodb/items';
import { isIndexNotReady } from '../storage/dynamodb/training';
import { dayOf, INDEX, KEY, keys, RECEIVED_SHARDS, ts13 } from '../storage/schema';

export interface ReceivedEventSource {
  /** Events received in (from, to], one UTC day at most (the job walks day by day). */
  receivedBetween(from: number, to: number): Promise<Interaction[]>;
}

export const arraySource = (events: readonly Interaction[]): ReceivedEventSource => ({
  async receivedBetween(from, to) {
    return events.filter((e) => e.receivedAt > from && e.receivedAt <= to).map((e) => structuredClone(e));
  },
});

const BATCH_GET = 100;
const timeouts = STORE_TIMEOUTS.training;
const NAMES = { '#t': 'type', '#v': 'value', '#ts': 'timestamp', '#p': 'position' };
const PROJECTION = 'eventId, userId, itemId, #t, #v, #ts, receivedAt, recommendationId, #p, modelVersion, variant';

export class DynamoReceivedSource implements ReceivedEventSource {
  /** Once ByReceivedEvents answered it stays readable; until then each call tries it first. */
  private eventsIndexActive = false;

  constructor(
    private readonly doc: Doc,
    private readonly table: string,
    private readonly retryDelayMs = 50,
  ) {}

  async receivedBetween(from: number, to: number): Promise<Interaction[]> {
    if (dayOf(from + 1) !== dayOf(to)) throw new RangeError('receivedBetween reads one UTC day at a time');
    try {
      const events = await this.query(INDEX.receivedEvents, from, to, { ProjectionExpression: PROJECTION });
      this.eventsIndexActive = true;
      return events.map(eventFromItem);
    } catch (err) {
      if (this.eventsIndexActive || !isIndexNotReady(err)) throw err;
    }
    const found = await this.query(INDEX.received, from, to, {});
    const wanted = found.map((k) => ({ [KEY.pk]: k[KEY.pk], [KEY.sk]: k[KEY.sk] }));
    const out: Interaction[] = [];
    for (let i = 0; i < wanted.length; i += BATCH_GET) out.push(...(await this.get(wanted.slice(i, i + BATCH_GET))));
    return out;
  }

  /** Every item of one index received in (from, to] (one UTC day), all shards. */
  private async query(index: string, from: number, to: number, extra: { ProjectionExpression?: string }) {
    const day = Date.parse(dayOf(to));
    const shards = await Promise.all(
      Array.from({ length: RECEIVED_SHARDS }, (_, shard) =>
        collect({ what: `Query of the received-time index ${index}`, timeouts }, (o) =>
          paginateQuery(
            { client: this.doc },
            {
              TableName: this.table,
              IndexName: index,
              KeyConditionExpression: '#pk = :b AND #sk BETWEEN :from AND :to',
              ...extra,
              ExpressionAttributeNames: {
                '#pk': KEY.gsi1pk,
                '#sk': KEY.gsi1sk,
                ...(extra.ProjectionExpression ? NAMES : {}),
              },
              ExpressionAttributeValues: {
                ':b': keys.receivedBucket(day, shard),
                ':from': ts13(from + 1),
                // every sort key of the millisecond `to` ("<ts13>#user#event") sorts below this
                ':to': `${ts13(to)}$`,
              },
            },
            o,
          ),
        ),
      ),
    );
    return shards.flat();
  }

  /** One BatchGetItem, retrying unprocessed keys with backoff; events erased meanwhile are simply absent. */
  private async get(batch: Record<string, unknown>[]): Promise<Interaction[]> {
    const out: Interaction[] = [];
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** Math.min(attempt, 6)));
      if (attempt > 8) throw new Error(`BatchGetItem left ${pending.length} events unprocessed after ${attempt} tries`);
      const res = await call({ what: 'BatchGetItem of events', timeouts }, (o) =>
        this.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: { Keys: pending, ProjectionExpression: PROJECTION, ExpressionAttributeNames: NAMES },
            },
          }),
          o,
        ),
      );
      for (const item of res.Responses?.[this.table] ?? []) out.push(eventFromItem(item));
      pending = (res.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
    return out;
  }
}
