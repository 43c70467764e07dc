/** Planted-cluster interactions in the API's event shape, for training tests. */
import type { EventType, Interaction } from '../../../shared/events';
import { generateSynthetic } from '../../../shared/math/synthetic';

const TYPE: Record<string, EventType> = { view: 'view', cart: 'add_to_cart', purchase: 'purchase' };

export function syntheticInteractions(
  opts: { users?: number; items?: number; seed?: number; receivedAt?: number } = {},
): Interaction[] {
  const data = generateSynthetic({
    users: opts.users ?? 80,
    items: opts.items ?? 40,
    clusters: 4,
    eventsPerUser: 12,
    seed: opts.seed ?? 7,
  });
  const base = opts.receivedAt ?? Date.UTC(2026, 0, 10);
  return data.triples.map((t, n) => ({
    eventId: `s${n}`,
    userId: t.userId,
    itemId: t.itemId,
    type: TYPE[t.eventType] ?? 'view',
    timestamp: t.timestamp,
    receivedAt: base + n,
  }));
}
