/**
 * BatchWriteItem with the retry loop the SDK does not do for us: the SDK
 * retries throttled *calls*; items DynamoDB returns as UnprocessedItems are
 * ours to resend, with exponential backoff and full jitter.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const BATCH_LIMIT = 25;

export interface BatchRetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

type WriteRequest = { PutRequest?: { Item: Record<string, unknown> }; DeleteRequest?: { Key: Record<string, unknown> } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes up to 25 requests; resolves to the requests still unprocessed after
 * all attempts (empty on success). A call that throws (store unreachable after
 * the SDK's own retries) leaves every pending request unprocessed.
 */
export async function batchWriteChunk(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: WriteRequest[],
  opts: BatchRetryOptions = {},
): Promise<{ unprocessed: WriteRequest[]; error?: unknown }> {
  const attempts = opts.attempts ?? 6;
  const base = opts.baseDelayMs ?? 25;
  const cap = opts.maxDelayMs ?? 1000;
  let pending = requests;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts && pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(Math.random() * Math.min(cap, base * 2 ** attempt));
    try {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending as any } }));
      pending = (out.UnprocessedItems?.[table] as WriteRequest[] | undefined) ?? [];
      lastError = undefined;
    } catch (err) {
      lastError = err;
      // Validation errors will not heal on retry; connection and throttling errors might.
      if ((err as { name?: string }).name === 'ValidationException') break;
    }
  }
  return { unprocessed: pending, error: lastError };
}
