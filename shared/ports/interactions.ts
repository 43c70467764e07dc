/**
 * The interaction store port: what ingest and serving need from the event log
 * and the catalog. Implemented by DynamoDB (shared/storage/dynamodb) and in
 * memory (shared/storage/memory); one contract suite runs against both.
 */
import type { CatalogItem, Interaction } from '../events';

export interface PutEventsResult {
  /** Events newly stored by this call. */
  stored: string[];
  /** Events that were already stored (same user and eventId): a retry, nothing written. */
  duplicates: string[];
  /** Events the store did not take after retries; never reported as accepted. */
  failed: string[];
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
   * Stores events idempotently by (userId, eventId). Retries throttled writes
   * with backoff; events still not stored come back in `failed`.
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
  /** Marks an item unavailable; false when the item has no catalog record (one is created, unavailable). */
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
