/** A user's recent events turned into what scoring needs: seen items, fold-in weights, freshness. */
import { DEFAULT_RATING_RANGE, eventWeight, type Interaction, type RatingRange } from '../events';
import type { History } from '../math/foldin';

/** Events read per request (one Query): enough to fold a user in, bounded in cost. */
export const RECENT_EVENTS = 200;

export interface UserActivity {
  /** Model item indices the user has any event for. */
  seen: Int32Array;
  /** Distinct model items with positive summed weight (eventWeight), for fold-in. */
  history: History;
  /** Some event was received after the model's training watermark. */
  fresh: boolean;
  /** Number of events read. */
  events: number;
}

/**
 * Aggregates events per item (summing eventWeight) against a model's item index.
 * Items unknown to the model count for nothing: they have no factors. A rating
 * weighs its value within `range`, the one ingest accepted (ATTUNE_RATING_MIN/MAX),
 * as training weighed it.
 */
export function summarizeEvents(
  events: readonly Interaction[],
  itemIndex: Map<string, number>,
  watermark: number,
  range: RatingRange = DEFAULT_RATING_RANGE,
): UserActivity {
  const sums = new Map<number, number>();
  let fresh = false;
  for (const ev of events) {
    // Shown is not seen: an impression neither hides an item nor makes a user "fresh".
    if (ev.type === 'impression') continue;
    if (ev.receivedAt > watermark) fresh = true;
    const idx = itemIndex.get(ev.itemId);
    if (idx === undefined) continue;
    sums.set(idx, (sums.get(idx) ?? 0) + eventWeight(ev.type, ev.value, range));
  }
  const seen = Int32Array.from(sums.keys());
  const positive = [...sums].filter(([, w]) => w > 0);
  return {
    seen,
    history: {
      itemIdx: Int32Array.from(positive, ([i]) => i),
      weights: Float64Array.from(positive, ([, w]) => w),
    },
    fresh,
    events: events.length,
  };
}

/**
 * Adds the model's seen items of a known user that the recent window missed,
 * at the weight of one view: the artifact keeps which items, not how strongly.
 */
export function withModelHistory(history: History, seenRow: Int32Array): History {
  const have = new Set(history.itemIdx);
  const extra = seenRow.filter((i) => !have.has(i));
  if (extra.length === 0) return history;
  const itemIdx = new Int32Array(history.itemIdx.length + extra.length);
  itemIdx.set(history.itemIdx);
  itemIdx.set(extra, history.itemIdx.length);
  const weights = new Float64Array(itemIdx.length);
  weights.set(history.weights);
  weights.fill(eventWeight('view'), history.weights.length);
  return { itemIdx, weights };
}

/**
 * A stored training history with the events received after the model's watermark
 * added (summed per item, as training would sum them next run).
 */
export function withFreshEvents(
  stored: History,
  events: readonly Interaction[],
  itemIndex: Map<string, number>,
  watermark: number,
  range: RatingRange = DEFAULT_RATING_RANGE,
): History {
  const sums = new Map<number, number>();
  for (let q = 0; q < stored.itemIdx.length; q++) sums.set(stored.itemIdx[q], stored.weights[q]);
  for (const ev of events) {
    if (!(ev.receivedAt > watermark)) continue;
    const idx = itemIndex.get(ev.itemId);
    if (idx !== undefined) sums.set(idx, (sums.get(idx) ?? 0) + eventWeight(ev.type, ev.value, range));
  }
  const positive = [...sums].filter(([, w]) => w > 0);
  return { itemIdx: Int32Array.from(positive, ([i]) => i), weights: Float64Array.from(positive, ([, w]) => w) };
}
