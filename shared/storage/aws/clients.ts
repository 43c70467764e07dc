/**
 * SDK clients for the adapters. Endpoints are never passed here: the SDK reads
 * AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 itself, so the same code
 * reaches AWS in Lambda and the embedded stores on a laptop.
 *
 * Every client has a connection timeout, a per-attempt request timeout that throws (the SDK
 * only warns by default), and a bounded retry budget, so a hung store becomes a
 * StoreUnavailableError well inside the functions' timeouts (docs/stores.md, "Timeouts").
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';

export interface CallTimeouts {
  /** Per attempt, until the response headers (the SDK retries a timed-out attempt). */
  requestTimeoutMs: number;
  /** Whole operation, all attempts and backoff included: the AbortSignal each call carries. */
  budgetMs: number;
}

/**
 * The numbers, chosen against the function timeouts (Ingest 29 s, Recommend 10 s, Train 15 min).
 * A POST /events makes at most three store operations in sequence (erasure check, write,
 * re-check), so 3 × 8 s stays inside 29 s; Recommend's reads run in parallel, 4 s inside 10 s.
 * dynalite on a loaded laptop answers a 25-item BatchWrite in well under a second, so 2 s per
 * attempt does not turn load into false outages.
 */
export const STORE_TIMEOUTS = {
  connectionTimeoutMs: 1_000,
  /** SDK attempts per call (standard mode: exponential backoff with jitter). */
  maxAttempts: 3,
  /** Ingest writes and reads (POST /events, GET events, DELETE user, items). */
  write: { requestTimeoutMs: 2_000, budgetMs: 8_000 } satisfies CallTimeouts,
  /** Reads on the Recommend path (recent events, erasure marker, catalog). */
  read: { requestTimeoutMs: 1_500, budgetMs: 4_000 } satisfies CallTimeouts,
  /**
   * The catalog listing: Recommend refreshes it on the request path when due (incremental, one
   * small page; the first read is the whole catalog), so it must end inside Recommend's 10 s.
   */
  catalog: { requestTimeoutMs: 1_500, budgetMs: 6_000 } satisfies CallTimeouts,
  /** Whole listings (erasure markers, a user's events to erase): 1 MB pages, one budget. */
  list: { requestTimeoutMs: 3_000, budgetMs: 30_000 } satisfies CallTimeouts,
  /** Training: 1 MB scan pages on a busy table; the job's own budget bounds the run. */
  training: { requestTimeoutMs: 10_000, budgetMs: 60_000 } satisfies CallTimeouts,
  /**
   * S3: reads wait 3 s for headers (a model body then streams under the idle socket timeout,
   * however long it is in total); writes upload whole artifacts before the answer, so 60 s.
   */
  s3: {
    read: { requestTimeoutMs: 3_000, budgetMs: 8_000 } satisfies CallTimeouts,
    write: { requestTimeoutMs: 60_000, budgetMs: 180_000 } satisfies CallTimeouts,
    socketTimeoutMs: 10_000,
  },
} as const;

const requestHandler = (requestTimeout: number, socketTimeout: number) => ({
  connectionTimeout: STORE_TIMEOUTS.connectionTimeoutMs,
  requestTimeout,
  socketTimeout,
  throwOnRequestTimeout: true,
});

/** `overrides`: for tests that point one client at a fault (a hung endpoint); none in production. */
export function dynamoDocumentClient(overrides: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    maxAttempts: STORE_TIMEOUTS.maxAttempts,
    retryMode: 'standard',
    // The client default is the longest per-call figure; adapters pass a shorter one per call.
    requestHandler: requestHandler(STORE_TIMEOUTS.training.requestTimeoutMs, STORE_TIMEOUTS.training.requestTimeoutMs),
    ...overrides,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}

export function s3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  const local = Boolean(env.AWS_ENDPOINT_URL_S3);
  return new S3Client({
    maxAttempts: STORE_TIMEOUTS.maxAttempts,
    retryMode: 'standard',
    requestHandler: requestHandler(STORE_TIMEOUTS.s3.read.requestTimeoutMs, STORE_TIMEOUTS.s3.socketTimeoutMs),
    // Path-style addressing only for a custom endpoint (s3rver has no virtual-host DNS).
    forcePathStyle: local,
    // With the SDK's default checksums, s3rver stores stream uploads wrapped in aws-chunked
    // framing (corrupted, silently); real S3 keeps the SDK's default (checksums when supported).
    ...(local ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });
}

/**
 * Against a local endpoint (dynalite, s3rver: one request at a time, on a laptop that also runs
 * the tests) an answer queued behind others is slow, not lost: abandoning it after 2 s and
 * retrying only lengthens the queue the store still works through. There an attempt may take
 * LOCAL_ATTEMPT_SCALE times longer; the budgets, which bound a hung store, stay the same.
 */
export const LOCAL_ATTEMPT_SCALE = 3;

export function attemptTimeoutMs(t: CallTimeouts, env: NodeJS.ProcessEnv = process.env): number {
  const local = Boolean(env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  return local ? Math.min(t.budgetMs, t.requestTimeoutMs * LOCAL_ATTEMPT_SCALE) : t.requestTimeoutMs;
}

/** Per-call options for `send`: the attempt timeout and an abort signal for the whole budget. */
export function callOptions(t: CallTimeouts): { requestTimeout: number; abortSignal: AbortSignal } {
  return { requestTimeout: attemptTimeoutMs(t), abortSignal: AbortSignal.timeout(t.budgetMs) };
}
