/**
 * The interaction store port: what ingest and serving need from the event log
 * and the catalog. Implemented by DynamoDB (shared/storage/dynamodb) and in
 * memory (shared/storage/memory); one contract suite runs against both.
 */
import type { CatalogItem, Interaction } from '../events';

/** Outcome of a write, by position in the input array. */
export interface PutEventsResult {
  /** Indexes of events durably stored (a retried event overwrites its own record: same key). */
  stored: number[];
  /** Indexes of events the store did not take after retries; never reported as accepted. */
  failed: number[];
}

export interface EventPage {
  events: Interaction[];
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
  /** One user's events, newest first (event time). Throws InvalidCursorError on a bad cursor. */
  listUserEvents(userId: string, opts: { limit: number; cursor?: string }): Promise<EventPage>;
  /**
   * Erases a user: records the marker first (serving and training stop using
   * them at once), then deletes every event. Returns how many were deleted.
   */
  eraseUser(userId: string): Promise<{ deleted: number }>;
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
}

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/** The store could not be reached or kept failing; the caller answers 503. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}
