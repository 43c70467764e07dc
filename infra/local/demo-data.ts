/**
 * Demo data for `npm start` on an empty store: a generated catalog with
 * readable titles and categories and realistic interactions (long-tail
 * popularity, taste clusters, several event types), or a local MovieLens copy
 * read in place (its license forbids shipping it with the project).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogItem, EventType, Interaction } from '../../shared/events';
import { generateSynthetic } from '../../shared/math/synthetic';
import { deriveEventId } from '../../shared/ingest/normalize';

export interface DemoDataset {
  name: string;
  items: Omit<CatalogItem, 'createdAt' | 'updatedAt'>[];
  events: Interaction[];
}

const THEMES: { category: string; adjectives: string[]; nouns: string[] }[] = [
  {
    category: 'running',
    adjectives: ['Featherlight', 'Trail', 'Tempo', 'Marathon', 'Cushioned', 'Reflective'],
    nouns: ['Shoes', 'Socks', 'Vest', 'Watch', 'Cap', 'Shorts', 'Bottle'],
  },
  {
    category: 'kitchen',
    adjectives: ['Cast-iron', 'Copper', 'Nonstick', 'Ceramic', 'Chef’s', 'Bamboo'],
    nouns: ['Skillet', 'Knife', 'Dutch Oven', 'Whisk', 'Cutting Board', 'Grater', 'Saucepan'],
  },
  {
    category: 'jazz',
    adjectives: ['Blue', 'Midnight', 'Cool', 'Smoky', 'Late-night', 'Modal'],
    nouns: ['Sessions', 'Standards', 'Trio Live', 'Ballads', 'Quartet', 'Nocturnes', 'Vinyl Box'],
  },
  {
    category: 'sci-fi',
    adjectives: ['Quantum', 'Orbital', 'Galactic', 'Cyber', 'Solar', 'Deep-space'],
    nouns: ['Chronicles', 'Odyssey', 'Protocol', 'Frontier', 'Empire', 'Drift', 'Signal'],
  },
  {
    category: 'garden',
    adjectives: ['Heirloom', 'Organic', 'Hardy', 'Dwarf', 'Climbing', 'Perennial'],
    nouns: ['Tomato Seeds', 'Rose', 'Trowel', 'Planter', 'Compost', 'Hose', 'Lavender'],
  },
  {
    category: 'board-games',
    adjectives: ['Cooperative', 'Strategic', 'Family', 'Party', 'Deluxe', 'Pocket'],
    nouns: ['Catan Set', 'Dice Tower', 'Card Game', 'Puzzle Box', 'Chess Set', 'Expansion', 'Meeples'],
  },
  {
    category: 'photography',
    adjectives: ['Prime', 'Wide-angle', 'Vintage', 'Mirrorless', 'Carbon', 'Compact'],
    nouns: ['Lens', 'Tripod', 'Camera Bag', 'Filter Kit', 'Flash', 'Film Roll', 'Strap'],
  },
  {
    category: 'coffee',
    adjectives: ['Single-origin', 'Dark-roast', 'Burr', 'Pour-over', 'Cold-brew', 'Espresso'],
    nouns: ['Beans', 'Grinder', 'Kettle', 'Dripper', 'Mug', 'Scale', 'Tamper'],
  },
];

/** Maps the generator's event kinds onto Attune's vocabulary, keeping the weights' order. */
const DEMO_TYPES = [
  { type: 'view', weight: 1, probability: 0.55 },
  { type: 'click', weight: 2, probability: 0.2 },
  { type: 'like', weight: 3, probability: 0.08 },
  { type: 'add_to_cart', weight: 3, probability: 0.1 },
  { type: 'purchase', weight: 5, probability: 0.07 },
];

/** A generated shop: `users` users in taste clusters over themed items, spread over the last 30 days. */
export function generateDemoDataset(
  opts: { users?: number; items?: number; eventsPerUser?: number; seed?: number; now?: number } = {},
): DemoDataset {
  const users = opts.users ?? 400;
  const items = opts.items ?? 320;
  const now = opts.now ?? Date.now();
  const span = 30 * 86_400_000;
  const data = generateSynthetic({
    users,
    items,
    clusters: THEMES.length,
    eventsPerUser: opts.eventsPerUser ?? 25,
    seed: opts.seed ?? 7,
    eventTypes: DEMO_TYPES,
    startTime: now - span - 60_000,
    spanMs: span,
    userPrefix: 'user-',
    itemPrefix: 'item-',
  });
  const catalog = Array.from({ length: items }, (_, i) => {
    const theme = THEMES[data.itemCluster[i]];
    const k = Math.floor(i / THEMES.length);
    const adjective = theme.adjectives[k % theme.adjectives.length];
    const noun = theme.nouns[Math.floor(k / theme.adjectives.length) % theme.nouns.length];
    // past every adjective × noun pair, titles repeat with a number
    const round = Math.floor(k / (theme.adjectives.length * theme.nouns.length));
    const title = `${adjective} ${noun}${round > 0 ? ` ${round + 1}` : ''}`;
    return { itemId: `item-${i}`, title, categories: [theme.category], available: true };
  });
  const events: Interaction[] = data.triples.map((t) => {
    const base = { userId: t.userId, itemId: t.itemId, type: t.eventType as EventType, timestamp: t.timestamp };
    return { ...base, eventId: deriveEventId(base), receivedAt: now };
  });
  return { name: 'demo-shop', items: catalog, events };
}

/** MovieLens 100K from a local folder (u.data ratings as `rating` events, u.item titles and genres). */
export function loadMovieLens(dir: string, now = Date.now()): DemoDataset {
  const genres = readFileSync(join(dir, 'u.genre'), 'latin1')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|')[0]);
  const items = readFileSync(join(dir, 'u.item'), 'latin1')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split('|');
      const categories = f.slice(5).flatMap((flag, g) => (flag === '1' ? [genres[g]] : []));
      return { itemId: f[0], title: f[1], categories, available: true };
    });
  const events = readFileSync(join(dir, 'u.data'), 'latin1')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [u, i, r, t] = line.split('\t');
      const base = { userId: u, itemId: i, type: 'rating' as const, value: Number(r), timestamp: Number(t) * 1000 };
      return { ...base, eventId: deriveEventId(base), receivedAt: now };
    });
  return { name: 'movielens', items, events };
}
