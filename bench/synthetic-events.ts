/**
 * The training benches' generated input: planted-cluster events (seed 7) as stored interactions, received one
 * millisecond apart from a fixed day so snapshot watermarks and deltas are reproducible.
 */
import type { EventType, Interaction } from '../shared/events';
import { generateSynthetic } from '../shared/math/synthetic';

/** Receive times start here (bench/workflow.ts's MovieLens input uses it too). */
export const RECEIVED_FROM = Date.UTC(2026, 0, 10);
const TYPE: Record<string, EventType> = { view: 'view', cart: 'add_to_cart', purchase: 'purchase' };

export function plantedEvents(users: number, items: number, eventsPerUser: number): Interaction[] {
  const data = generateSynthetic({ users, items, clusters: 8, eventsPerUser, seed: 7 });
  return data.triples.map((t, n) => ({
    eventId: `s${n}`,
    userId: t.userId,
    itemId: t.itemId,
    type: TYPE[t.eventType] ?? 'view',
    timestamp: t.timestamp,
    receivedAt: RECEIVED_FROM + n,
  }));
}
