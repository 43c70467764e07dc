/**
 * Declared interests (PUT /users/{id}/attributes) for users the model has no
 * vector for: their popular list puts the items of their interests first (by
 * popularity within them, the rest after, by popularity), and their exploration
 * slot draws among new items of those interests (./explore.ts). Interests are
 * matched to catalog categories case-insensitively. Read only for such users
 * (one GetItem): an answer with a vector, or without stored attributes, is unchanged.
 */
import type { UserAttributeStore } from '../ingest/attributes';
import type { CatalogView } from './catalog';
import type { Logger } from './context';

export type InterestSource = Pick<UserAttributeStore, 'getUserAttributes'>;

/** The user's declared interests; [] when none are stored or the read failed (logged: the answer goes on without). */
export async function readInterests(source: InterestSource | undefined, userId: string, log: Logger) {
  if (!source) return [];
  try {
    return (await source.getUserAttributes(userId))?.interests ?? [];
  } catch (err) {
    log('warn', 'user attributes unavailable; serving popular items without interests', { error: err });
    return [];
  }
}

/** The first of the item's categories among the interests (lowercased), or null. */
export function interestOf(categories: readonly string[], wanted: ReadonlySet<string>): string | null {
  for (const c of categories) if (wanted.has(c.toLowerCase())) return c;
  return null;
}

/**
 * Popularity with the items of the interests lifted above every other item
 * (pop + lift, lift = max pop + 1) into `out`; the lifted items' matching
 * category by index. Null when no model item is in an interest (the plain
 * popular list stands).
 */
export function interestsFirst(
  popularity: Float32Array,
  view: CatalogView,
  interests: readonly string[],
  out: Float32Array,
): { matched: Map<number, string>; lift: number } | null {
  const wanted = new Set(interests.map((x) => x.toLowerCase()));
  const n = popularity.length;
  let top = 0;
  for (let i = 0; i < n; i++) top = Math.max(top, popularity[i]);
  const matched = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const c = wanted.size ? interestOf(view.categoriesOf(i), wanted) : null;
    if (c !== null) matched.set(i, c);
    out[i] = c !== null ? popularity[i] + top + 1 : popularity[i];
  }
  return matched.size > 0 ? { matched, lift: top + 1 } : null;
}
