/**
 * The interaction store port: what ingest and serving need from the event log
 * and the catalog. Implemented by DynamoDB (shared/storage/dynamodb) and in
 * memory (shared/storage/memory); one contract suite runs against both.
 */
import type { CatalogItem, Interaction } from '../events';

/** Outcome of a write, by position in the input array. Every index is in exactly one list. */
export interface PutEventsResult {
  /** Indexes of events durably stored (a retried event overwrites its own record: same key). */
  stored: number[];
  /**
   * Indexes of events the store did not take (retryable outage or misconfiguration; see `error`).
   * May over-report (a write whose answer was lost may have landed), never under-report.
   */
  failed: number[];
  /**
   * Indexes of events refused for their own values (StoreInputError): a retry cannot help, so
   * these are a 400 for those events, never a 503. Empty when the store took every value.
   */
  invalid?: { index: number; error: string }[];
  /**
   * Indexes of events whose user was erased while the write was in flight: written, then
   * deleted again by the write path (see docs/stores.md). Not stored, never readable.
   */
  erased?: number[];
  /** Why `failed` is not empty: a StoreUnavailableError or StoreMisconfiguredError with its cause. */
  error?: StoreUnavailableError | StoreMisconfiguredError;
}

export interface EventPage {
  events: Interaction[];
  /** Opaque continuation token, null on the last page. */
  cursor: string | null;
}

/** One page of the catalog listing (GET /items). */
export interface CatalogPage {
  items: CatalogItem[];
  /** Opaque continuation token, null on the last page. */
  cursor: string | null;
}

export interface Erasure {
  userId: string;
  erasedAt: number;
}

export interface InteractionStore {
  /**
   * Stores events idempotently: the key is (userId, eventId), so a retry
   * rewrites the same record instead of adding one. Retries unprocessed writes
   * with backoff and jitter; events still not stored come back in `failed`.
   */
  putEvents(events: Interaction[]): Promise<PutEventsResult>;
  /**
   * One user's events, newest first (event time); empty for an erased user. Throws
   * InvalidCursorError on a bad cursor.
   */
  listUserEvents(userId: string, opts: { limit: number; cursor?: string }): Promise<EventPage>;
  /**
   * Erases a user: records the marker first (reads, serving and training hide them at once),
   * then deletes every event, twice (a second sweep after a short delay catches writes that were
   * in flight). Writes that race the marker delete themselves (putEvents `erased`). Returns how
   * many events were deleted. The marker blocks the id until clearErasure, also for an id that
   * never had events.
   */
  eraseUser(userId: string): Promise<{ deleted: number }>;
  /**
   * Lifts an erasure block (the person consented again): deletes any event of the user left by a
   * write that raced the erasure, then removes the marker. True when a marker existed.
   */
  clearErasure(userId: string): Promise<boolean>;
  /** The erasure marker of a user, if any. */
  getErasure(userId: string): Promise<Erasure | null>;
  /** Of these users, the ones that were erased. */
  erasedAmong(userIds: string[]): Promise<Set<string>>;
  /** Every erasure marker (training leaves these users out). */
  listErasures(): Promise<Erasure[]>;
  /** Upserts a catalog record; createdAt is kept from the first write. */
  putItem(item: Omit<CatalogItem, 'createdAt' | 'updatedAt'>, now?: number): Promise<CatalogItem>;
  getItem(itemId: string): Promise<CatalogItem | null>;
  /** Marks an item unavailable (creating a bare record when the item had none). */
  markItemUnavailable(itemId: string, now?: number): Promise<CatalogItem>;
  /** Catalog records updated at or after `sinceMs` (all when omitted), oldest update first. */
  listCatalog(sinceMs?: number): Promise<CatalogItem[]>;
  /**
   * One page of the catalog, least recently updated first. The cursor is stable: every record is
   * listed, and one updated while a client pages comes again later. Throws InvalidCursorError.
   */
  listCatalogPage(opts: { limit: number; cursor?: string }): Promise<CatalogPage>;
}

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/**
 * The store could not be reached or kept failing (throttling, 5xx, network, timeout): the caller
 * answers 503 with Retry-After = retryAfterSeconds. `cause` holds the SDK error.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  readonly retryAfterSeconds: number;
  constructor(message: string, opts: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.retryAfterSeconds = opts.retryAfterSeconds ?? 2;
  }
}

/**
 * The store refused a value the caller sent (a ValidationException the caller's values caused,
 * or a value the SDK cannot marshal). Retrying cannot help: the caller answers 400.
 */
export class StoreInputError extends Error {
  override name = 'StoreInputError';
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
  }
}

/**
 * The store answered, but this deployment cannot use it (access denied, missing table or index,
 * unknown credentials, or an error nobody classified). Retrying cannot help: the caller answers
 * 500 `internal`, logs the cause as an error and counts it in a metric an alarm watches.
 */
export class StoreMisconfiguredError extends Error {
  override name = 'StoreMisconfiguredError';
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
  }
}
