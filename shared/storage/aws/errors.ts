/**
 * The one place an AWS SDK error (DynamoDB or S3) becomes a store error the HTTP layer can answer
 * honestly: retryable → StoreUnavailableError (503 + Retry-After), caused by the caller's values →
 * StoreInputError (400), anything else → StoreMisconfiguredError (500, logged with its cause).
 * Unknown errors are misconfiguration on purpose: a 503 with Retry-After would make clients retry
 * forever something no retry can fix. The table of names is in docs/stores.md.
 */
import { StoreInputError, StoreMisconfiguredError, StoreUnavailableError } from '../../ports/interactions';

export interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

export type StoreError = StoreUnavailableError | StoreInputError | StoreMisconfiguredError;

/** Throttling and capacity answers: the store is there but busy. */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'RequestThrottled',
  'RequestThrottledException',
  'TransactionInProgressException',
]);

/** Server-side and transport failures that a later attempt may not meet. */
const TRANSIENT = new Set([
  'InternalServerError',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** The deployment cannot use the store: permissions, credentials, missing resources. */
const MISCONFIGURED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'ResourceNotFoundException',
  'NoSuchBucket',
  'IncompleteSignatureException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSNotFoundException',
]);

/** ValidationException messages that describe our table, not the caller's values. */
const SCHEMA_MESSAGES = [/specified index/i, /requested resource not found/i, /table.*not.*exist/i];

/** Messages the DynamoDB marshaller and service give for values the caller sent. */
const VALUE_MESSAGES = [
  /Number .* (greater|lesser|smaller) than Number\.(MAX|MIN)_SAFE_INTEGER/i,
  /Unsupported type passed/i,
  /Special numeric value/i,
  /removeUndefinedValues/i,
  /Number overflow/i,
  /Nesting Levels/i,
  /size has exceeded/i,
  /Item size/i,
  /empty (string|set)/i,
  /Invalid (attribute|number|UpdateExpression)/i,
  /One or more parameter values (are|were) (not valid|invalid)/i,
  /duplicate/i,
];

export function errorName(err: unknown): string {
  const e = err as SdkErrorShape;
  return String(e?.name && e.name !== 'Error' ? e.name : (e?.code ?? e?.Code ?? e?.name ?? 'Error'));
}

function describe(err: unknown): string {
  const e = err as SdkErrorShape;
  const status = e?.$metadata?.httpStatusCode;
  return `${errorName(err)}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(err)}`;
}

export function isRetryable(err: unknown): boolean {
  const e = err as SdkErrorShape;
  const name = errorName(err);
  const status = e?.$metadata?.httpStatusCode ?? 0;
  return (
    THROTTLING.has(name) || TRANSIENT.has(name) || TRANSIENT.has(String(e?.code)) || status >= 500 || status === 429
  );
}

/** Failures after which the request may have reached the store and been applied (no answer came back). */
const AMBIGUOUS = new Set([
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
  'ECONNRESET',
  'EPIPE',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** True when a failed write may nevertheless have landed (for a classified error: its cause). */
export function mayHaveLanded(err: unknown): boolean {
  const e = (err instanceof Error && err.cause !== undefined ? err.cause : err) as SdkErrorShape;
  return AMBIGUOUS.has(errorName(e)) || AMBIGUOUS.has(String(e?.code)) || (e?.$metadata?.httpStatusCode ?? 0) >= 500;
}

export interface ClassifyContext {
  /** Which store, for the message: "DynamoDB" or "S3". */
  store: string;
  /** What was being done, e.g. "BatchWriteItem of 25 events". */
  what: string;
  /** The request carried values the caller chose (events, catalog records): a value error is theirs. */
  callerValues?: boolean;
}

/** Classifies one SDK (or marshalling) error. Store errors pass through unchanged. */
export function classifyStoreError(err: unknown, ctx: ClassifyContext): StoreError {
  if (
    err instanceof StoreUnavailableError ||
    err instanceof StoreInputError ||
    err instanceof StoreMisconfiguredError
  ) {
    return err;
  }
  const e = err as SdkErrorShape;
  const name = errorName(err);
  const where = `${ctx.store} ${ctx.what}`;
  if (isRetryable(err)) {
    const busy = THROTTLING.has(name) || e?.$retryable?.throttling === true || e?.$metadata?.httpStatusCode === 429;
    return new StoreUnavailableError(`${where} failed after retries: ${describe(err)}`, {
      cause: err,
      // Throttling eases within a second or two; an unreachable store takes longer to come back.
      retryAfterSeconds: busy ? 2 : 5,
    });
  }
  if (MISCONFIGURED.has(name) || e?.$metadata?.httpStatusCode === 403) {
    return new StoreMisconfiguredError(`${where}: ${describe(err)}`, { cause: err });
  }
  const message = e?.message ?? '';
  const fromService = e?.$metadata !== undefined;
  if (ctx.callerValues && !SCHEMA_MESSAGES.some((r) => r.test(message))) {
    // The service's ValidationException on a write, or the marshaller refusing a value before sending.
    if (
      (fromService && name === 'ValidationException') ||
      (!fromService && VALUE_MESSAGES.some((r) => r.test(message)))
    ) {
      return new StoreInputError(`${ctx.store} refused the value: ${message}`, { cause: err });
    }
  }
  return new StoreMisconfiguredError(`${where}: unexpected ${describe(err)}`, { cause: err });
}
