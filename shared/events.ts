/**
 * The interaction vocabulary shared by ingest, training and serving.
 * Event weights live here and only here: training reads them to build the
 * user × item confidence matrix, the CLI reads them for csv input.
 */

export const EVENT_TYPES = ['view', 'click', 'add_to_cart', 'like', 'purchase', 'rating', 'impression'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Default weight of one event of each type in the implicit-feedback matrix.
 * `rating` has no fixed weight: its value is the weight (see {@link eventWeight}).
 * `impression` (items an app showed, for online metrics: shared/online) weighs 0:
 * being shown is never a positive signal, so training and fold-in leave it out.
 */
export const EVENT_WEIGHTS: Readonly<Record<Exclude<EventType, 'rating'>, number>> = Object.freeze({
  view: 1,
  click: 2,
  like: 3,
  add_to_cart: 3,
  purchase: 5,
  impression: 0,
});

/** Inclusive range of a rating's value. Ingest enforces it; training clamps to it (ATTUNE_RATING_MIN/MAX). */
export interface RatingRange {
  min: number;
  max: number;
}
/** Half stars to five stars: covers 1..5 integer scales (MovieLens 100K) and 0.5-step ones. */
export const DEFAULT_RATING_RANGE: Readonly<RatingRange> = Object.freeze({ min: 0.5, max: 5 });

/**
 * What `value` means for each type:
 * - rating: the rating, required, within the configured {@link RatingRange}; it is the event's weight.
 * - purchase: optional revenue (≥ 0, any currency unit); stored and returned, never a weight.
 * - others: no value; one sent is rejected rather than silently ignored.
 */
export const VALUE_MEANING: Readonly<Record<EventType, 'rating' | 'revenue' | 'none'>> = Object.freeze({
  view: 'none',
  click: 'none',
  like: 'none',
  add_to_cart: 'none',
  purchase: 'revenue',
  rating: 'rating',
  impression: 'none',
});

/**
 * Why `value` is not acceptable for an event of `type`, or null. Numbers the
 * store cannot hold are checked separately (ingest/values.ts).
 */
export function valueIssue(
  type: EventType,
  value: number | undefined,
  range: RatingRange = DEFAULT_RATING_RANGE,
): string | null {
  const meaning = VALUE_MEANING[type];
  if (meaning === 'rating') {
    if (value === undefined) return 'is required for a rating';
    if (!(value >= range.min && value <= range.max)) return `a rating must be between ${range.min} and ${range.max}`;
    return null;
  }
  if (value === undefined) return null;
  if (meaning === 'revenue') return value >= 0 ? null : 'purchase revenue must not be negative';
  return `is only accepted for rating (the rating) and purchase (revenue), not for ${type}`;
}

/**
 * The one place a (type, value) pair becomes a confidence weight, for training,
 * the CLI and fold-in alike. Bounded: a rating weighs its value clamped to
 * [0, range.max], so one absurd row (a rating of 1e9 from a CSV, a legacy
 * record) weighs no more than an honest top rating, and a negative or
 * non-finite one weighs 0 and can never flip the sign of a confidence. Other
 * types weigh their fixed {@link EVENT_WEIGHTS}; a purchase's revenue does not count.
 */
export function eventWeight(type: EventType, value?: number | null, range: RatingRange = DEFAULT_RATING_RANGE): number {
  if (type === 'rating') {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return 0;
    return Math.min(value, range.max);
  }
  return EVENT_WEIGHTS[type] ?? 0;
}

/** The largest weight {@link eventWeight} can return for this rating range. */
export function maxEventWeight(range: RatingRange = DEFAULT_RATING_RANGE): number {
  return Math.max(range.max, ...Object.values(EVENT_WEIGHTS));
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
  /** The answer (recommendations, rank, similar) this event responds to: online attribution (shared/online). */
  recommendationId?: string;
  /** Impressions only: the item's 1-based position, and the answer's model version and variant, echoed. */
  position?: number;
  modelVersion?: string;
  variant?: string;
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
