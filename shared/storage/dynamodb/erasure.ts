/**
 * The DynamoDB side of erasure (design and bound in docs/stores.md): the marker read that the
 * write path repeats after writing, and the sweep that deletes a user's events. All reads are
 * strongly consistent: the argument that no acknowledged write escapes both the writer's re-check
 * and the erasure's sweep orders them by when they take effect, which eventual reads would break.
 */
import { BatchGetCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { type Erasure, StoreMisconfiguredError, StoreUnavailableError } from '../../ports/interactions';
import { STORE_TIMEOUTS, type CallTimeouts } from '../aws/clients';
import { INDEX, KEY, keys } from '../schema';
import { BATCH_LIMIT, batchWriteChunk, type BatchRetryOptions } from './batch';
import { call, collect, type Doc } from './call';

/** BatchGetItem takes at most 100 keys a call. */
const GET_LIMIT = 100;
const UNPROCESSED_ROUNDS = 6;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Of these users, the ones with an erasure marker (consistent reads). */
export async function erasedUsers(
  doc: Doc,
  table: string,
  userIds: Iterable<string>,
  timeouts: CallTimeouts = STORE_TIMEOUTS.write,
): Promise<Set<string>> {
  const unique = [...new Set(userIds)];
  const erased = new Set<string>();
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += GET_LIMIT) chunks.push(unique.slice(i, i + GET_LIMIT));
  await Promise.all(
    chunks.map((chunk) =>
      call({ what: `BatchGetItem of ${chunk.length} erasure markers`, timeouts }, async (opts) => {
        let keysLeft: Record<string, unknown>[] = chunk.map((u) => ({ [KEY.pk]: keys.user(u), [KEY.sk]: keys.erased }));
        for (let round = 0; keysLeft.length > 0; round++) {
          if (round >= UNPROCESSED_ROUNDS) {
            throw new StoreUnavailableError(
              `DynamoDB left ${keysLeft.length} erasure markers unread after ${round} rounds`,
            );
          }
          if (round > 0) await sleep(Math.random() * 25 * 2 ** round);
          const out = await doc.send(
            new BatchGetCommand({
              RequestItems: { [table]: { Keys: keysLeft, ProjectionExpression: 'userId', ConsistentRead: true } },
            }),
            opts,
          );
          for (const it of out.Responses?.[table] ?? []) erased.add(String(it.userId));
          keysLeft = (out.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        }
      }),
    ),
  );
  return erased;
}

/** Every erasure marker (the sparse Directory index's ERASED partition); one query for both stores. */
export async function listErasureMarkers(doc: Doc, table: string, timeouts: CallTimeouts): Promise<Erasure[]> {
  const items = await collect({ what: 'Query of the erasure markers', timeouts }, (opts) =>
    paginateQuery(
      { client: doc },
      {
        TableName: table,
        IndexName: INDEX.directory,
        KeyConditionExpression: '#pk = :p',
        ExpressionAttributeNames: { '#pk': KEY.gsi2pk },
        ExpressionAttributeValues: { ':p': keys.erasedPartition },
      },
      opts,
    ),
  );
  return items.map((it) => ({ userId: String(it.userId), erasedAt: Number(it.erasedAt) }));
}

/**
 * Deletes every event of a user; resolves to how many. An interrupted sweep throws a
 * StoreUnavailableError saying how many were deleted (running it again finishes the job).
 */
export async function sweepUserEvents(
  doc: Doc,
  table: string,
  userId: string,
  retry?: BatchRetryOptions,
): Promise<number> {
  const items = await collect({ what: "Query of a user's events to erase", timeouts: STORE_TIMEOUTS.list }, (opts) =>
    paginateQuery(
      { client: doc, pageSize: 500 },
      {
        TableName: table,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :e)',
        ExpressionAttributeNames: { '#pk': KEY.pk, '#sk': KEY.sk },
        ExpressionAttributeValues: { ':pk': keys.user(userId), ':e': keys.event('') },
        ProjectionExpression: '#pk, #sk',
        ConsistentRead: true,
      },
      opts,
    ),
  );
  let deleted = 0;
  for (let i = 0; i < items.length; i += BATCH_LIMIT) {
    const requests = items.slice(i, i + BATCH_LIMIT).map((it) => ({
      DeleteRequest: { Key: { [KEY.pk]: it[KEY.pk], [KEY.sk]: it[KEY.sk] } },
    }));
    const { unprocessed, error } = await batchWriteChunk(doc, table, requests, retry);
    deleted += requests.length - unprocessed.length;
    if (error) {
      const message =
        `erasure interrupted after deleting ${deleted} of ${items.length} events (the marker is stored, so ` +
        `they are hidden; retrying finishes the deletion): ${error.message}`;
      throw error instanceof StoreUnavailableError
        ? new StoreUnavailableError(message, { cause: error, retryAfterSeconds: error.retryAfterSeconds })
        : new StoreMisconfiguredError(message, { cause: error });
    }
  }
  return deleted;
}
