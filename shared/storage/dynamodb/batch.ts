/**
 * BatchWriteItem with the retry loop the SDK does not do for us: the SDK
 * retries throttled *calls*; items DynamoDB returns as UnprocessedItems are
 * ours to resend, with exponential backoff and full jitter, until a deadline.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attemptTimeoutMs, STORE_TIMEOUTS, type CallTimeouts } from '../aws/clients';
import { classifyStoreError, type StoreError } from '../aws/errors';

export const BATCH_LIMIT = 25;

export interface BatchRetryOptions {
  /** Rounds of resending UnprocessedItems (default 6). */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-attempt timeout and whole-chunk budget (default STORE_TIMEOUTS.write). */
  timeouts?: CallTimeouts;
}

export type WriteRequest = {
  PutRequest?: { Item: Record<string, unknown> };
  DeleteRequest?: { Key: Record<string, unknown> };
};

export interface ChunkOutcome {
  /** Requests not known to be applied (empty on success). A thrown call leaves every pending one here. */
  unprocessed: WriteRequest[];
  /** Why `unprocessed` is not empty, classified; never dropped. */
  error?: StoreError;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes up to 25 requests. Unprocessed items are resent; a call that throws is not repeated
 * here, because the SDK has already spent its retry budget on it. `callerValues`: the items carry
 * values a client sent, so a ValidationException is their fault (StoreInputError).
 */
export async function batchWriteChunk(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: WriteRequest[],
  opts: BatchRetryOptions = {},
  callerValues = false,
): Promise<ChunkOutcome> {
  const attempts = opts.attempts ?? 6;
  const base = opts.baseDelayMs ?? 25;
  const cap = opts.maxDelayMs ?? 1000;
  const t = opts.timeouts ?? STORE_TIMEOUTS.write;
  const deadline = Date.now() + t.budgetMs;
  let pending = requests;
  const what = () => `BatchWriteItem of ${pending.length} requests`;
  for (let attempt = 0; attempt < attempts && pending.length > 0; attempt++) {
    if (attempt > 0) {
      const delay = Math.random() * Math.min(cap, base * 2 ** attempt);
      if (Date.now() + delay >= deadline) break;
      await sleep(delay);
    }
    try {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }), {
        requestTimeout: attemptTimeoutMs(t),
        abortSignal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      });
      pending = (out.UnprocessedItems?.[table] as WriteRequest[] | undefined) ?? [];
    } catch (err) {
      return {
        unprocessed: pending,
        error: classifyStoreError(err, { store: 'DynamoDB', what: what(), callerValues }),
      };
    }
  }
  if (pending.length === 0) return { unprocessed: [] };
  const error = classifyStoreError(
    Object.assign(new Error(`${pending.length} items still unprocessed after ${attempts} rounds`), {
      name: 'ProvisionedThroughputExceededException',
    }),
    { store: 'DynamoDB', what: what() },
  );
  return { unprocessed: pending, error };
}
