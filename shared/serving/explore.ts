/**
 * Exploration: a share of a user's recommendation slots (ATTUNE_EXPLORE_SHARE,
 * default 1 in 10; `explore=0` turns it off per request) goes to new catalog
 * items chosen by their metadata score U_u · v̂ (./cold.ts), so items nobody
 * has interacted with are shown and collect the events that move them into the
 * factor model — the idea of Amazon Personalize's exploration weight. Every
 * choice is a pure function of the request's inputs (model, catalog, user's
 * events, options): no randomness, ties broken by item id.
 *
 * Also the metadata reason of `because`: a user's score of a vector is a sum
 * over its parts (U_u · v̂ = U_u · W₀ + Σ_t U_u · W_t), so the category token
 * with the largest positive share U_u · W_t is the metadata's reason.
 */
import { categoryOfToken } from '../metadata/catalog';
import type { UserScorer } from '../model/kinds';
import { type ColdCatalog, type ColdSet, coldVector } from './cold';
import type { PreparedModel } from './prepared';

/** The exploration slots of a list of k (floor: 1 in 10 gives one slot from k = 10 on). */
export function explorationSlots(k: number, share: number): number {
  return share > 0 ? Math.min(k, Math.floor(k * share + 1e-9)) : 0;
}

/** The best `n` new items for the user among those `admit` lets through (best first; ties by id). */
export function pickNewItems(
  set: ColdSet,
  scoreVector: (v: Float32Array) => number,
  n: number,
  admit: (j: number) => boolean,
): { j: number; score: number }[] {
  if (n <= 0) return [];
  const all: { j: number; score: number }[] = [];
  for (let j = 0; j < set.ids.length; j++) if (admit(j)) all.push({ j, score: scoreVector(coldVector(set, j)) });
  all.sort((a, b) => b.score - a.score || a.j - b.j);
  return all.filter((x) => Number.isFinite(x.score)).slice(0, n);
}

/**
 * `warm` cut to k − picks.length with the picks placed at evenly spaced slots,
 * the last slot of each 1/share block (k = 10, one pick: position 10).
 */
export function placeExploration<T>(warm: T[], picks: T[], k: number): T[] {
  if (picks.length === 0) return warm.slice(0, k);
  const kept = warm.slice(0, Math.max(0, k - picks.length));
  const total = kept.length + picks.length;
  const slots = new Set(picks.map((_, j) => Math.min(total - 1, Math.round(((j + 1) * total) / picks.length) - 1)));
  // rounding can put two picks in one slot on short lists: later ones take the next free slot back
  for (let p = total - 1; slots.size < picks.length && p >= 0; p--) slots.add(p);
  const out: T[] = [];
  let w = 0;
  let c = 0;
  for (let p = 0; p < total; p++) out.push(slots.has(p) && c < picks.length ? picks[c++] : kept[w++]);
  return out;
}

/** The category whose token adds most (and positively) to the user's score of a vector; null when none does. */
export function categoryReason(set: ColdSet, scoreVector: (v: Float32Array) => number, rows: number[]) {
  let best: string | null = null;
  let top = 0;
  // a token's share is U_u · W_t; measured from the zero vector's score, so a scorer's constant shift cancels
  const zero = scoreVector(new Float32Array(set.f));
  for (const t of rows) {
    const c = categoryOfToken(set.ridge.vocabulary[t]);
    if (c === null) continue;
    const s = scoreVector(set.ridge.tokenVector(t)) - zero;
    if (s > top) {
      top = s;
      best = c;
    }
  }
  return best === null ? null : { category: best };
}

/** Share of an item's own score its metadata vector must reach for the category to be named. */
export const METADATA_DOMINANCE = 0.5;

/**
 * The metadata reason of a model item, when its metadata dominates: the user's
 * score of the item's metadata vector v̂_i reaches {@link METADATA_DOMINANCE} of
 * their score of the item's own factors y_i (U_u · v̂_i ≥ ½ U_u · y_i, both
 * measured from the zero vector's score, so for `neural` they are its ALS part's
 * scores: the ranker re-orders, the reason is about the factors).
 */
export function warmCategoryReason(
  pm: PreparedModel,
  set: ColdSet,
  catalog: ColdCatalog,
  scorer: UserScorer,
  item: number,
): { category: string } | null {
  const sv = scorer.scoreVector;
  if (!sv || set.f !== pm.factors) return null;
  const tokens = catalog.tokensOf(pm.model.itemIds[item]);
  const v = set.ridge.vectorOf(tokens);
  if (!v) return null;
  const zero = sv(new Float32Array(set.f));
  const own = sv(pm.model.itemFactors.subarray(item * set.f, (item + 1) * set.f)) - zero;
  if (!(own > 0) || sv(v) - zero < METADATA_DOMINANCE * own) return null;
  return categoryReason(set, sv, set.ridge.indicesOf(tokens));
}

/** A new item in a recommendation list. */
export interface NewItem {
  itemId: string;
  score: number;
  probability: number | null;
  because: { category: string }[];
  coldStart: true;
}

export interface NewItemsRequest {
  pm: PreparedModel;
  cold: ColdCatalog;
  /** The user's scorer; null (popular answers) means no metadata score, so no exploration. */
  scorer: UserScorer | null;
  k: number;
  /** Share of slots for new items (0: none). */
  share: number;
  explain: boolean;
  /** Items never to show: the request's exclusions and every item of the user's recent events. */
  exclude: ReadonlySet<string>;
  categories?: string[];
  excludeCategories?: string[];
  /** A filter new items cannot be checked against (a rule expression): no exploration, never a relaxed filter. */
  filtered: boolean;
  probability(score: number): number | null;
  minProbability?: number;
}

/**
 * The recommendations with exploration slots filled by the best-scoring new items
 * that pass the request's filters (`coldStart: true`, `because` their category),
 * and warm items' `because` given the metadata reason where it dominates.
 */
export function withNewItems<T extends { itemId: string; score: number; because: object[] }>(
  items: T[],
  r: NewItemsRequest,
): (T | NewItem)[] {
  const set = r.cold.setFor(r.pm);
  const sv = r.scorer?.scoreVector?.bind(r.scorer);
  if (!set || !sv || !r.scorer) return items;
  if (r.explain)
    for (const it of items) {
      const i = r.pm.itemIndex.get(it.itemId);
      const reason = i === undefined ? null : warmCategoryReason(r.pm, set, r.cold, r.scorer, i);
      if (reason) (it.because as object[]).push(reason);
    }
  const slots = r.filtered ? 0 : explorationSlots(r.k, r.share);
  if (slots === 0 || set.ids.length === 0) return items;
  const only = new Set(r.categories ?? []);
  const never = new Set(r.excludeCategories ?? []);
  const admit = (j: number) =>
    !r.exclude.has(set.ids[j]) &&
    (only.size === 0 || set.categories[j].some((c) => only.has(c))) &&
    !set.categories[j].some((c) => never.has(c));
  const picks: NewItem[] = [];
  for (const { j, score } of pickNewItems(set, sv, slots, admit)) {
    const p = r.probability(score);
    if (r.minProbability !== undefined && !(p !== null && p >= r.minProbability)) continue;
    const reason = r.explain ? categoryReason(set, sv, set.tokenRows[j]) : null;
    picks.push({ itemId: set.ids[j], score, probability: p, because: reason ? [reason] : [], coldStart: true });
  }
  return placeExploration<T | NewItem>(items, picks, r.k);
}
