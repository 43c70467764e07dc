/**
 * The interaction vocabulary shared by ingest, training and serving.
 * Event weights live here and only here: training reads them to build the
 * user × item confidence matrix, the CLI reads them for csv input.
 */

export const EVENT_TYPES = ['view', 'click', 'add_to_cart', 'like', 'purchase', 'rating'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Default weight of one event of each type in the implicit-feedback matrix.
 * `rating` has no fixed weight: its value is the weight (see {@link eventWeight}).
 */
export const EVENT_WEIGHTS: Readonly<Record<Exclude<EventType, 'rating'>, number>> = Object.freeze({
  view: 1,
  click: 2,
  like: 3,
  add_to_cart: 3,
  purchase: 5,
});

/**
 * Weight of one event. A rating weighs its value (a 1..5 star rating counts
 * like 1..5 views); negative or non-finite ratings weigh 0 so that a bad value
 * can never flip the sign of a user's confidence.
 */
export function eventWeight(type: EventType, value?: number | null): number {
  if (type === 'rating') {
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
  }
  return EVENT_WEIGHTS[type];
}

/** One stored interaction, as every layer above the storage adapters sees it. */
export interface Interaction {
  eventId: string;
  userId: string;
  itemId: string;
  type: EventType;
  value?: number;
  /** Event time, epoch milliseconds (client's clock, or receive time when absent). */
  timestamp: number;
  /** When Attune stored it, epoch milliseconds (server clock; training watermarks use this). */
  receivedAt: number;
  sessionId?: string;
  properties?: Record<string, unknown>;
}

/** Catalog record of one item. */
export interface CatalogItem {
  itemId: string;
  title?: string;
  categories: string[];
  available: boolean;
  createdAt: string;
  updatedAt: string;
  properties?: Record<string, unknown>;
}
