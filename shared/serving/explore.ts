/**
 * Exploration: a share of a user's recommendation slots (ATTUNE_EXPLORE_SHARE,
 * default 1 in 10; `explore=0` turns it off per request) goes to new catalog
 * items, so items nobody has interacted with are shown and collect the events
 * that move them into the factor model — the idea of Amazon Personalize's
 * exploration weight.
 *
 * - A user with a vector: new items are scored by their metadata (./cold.ts:
 *   ridge U_u · v̂, or content similarity in the kind's units) and drawn by a
 *   Gumbel-max over score / τ (τ = a quarter of the candidates' score spread) plus
 *   the log of the age weight: the best-matching new item most days, near ties alternating.
 * - A user without one (popular answers): the new items in their declared
 *   interests (PUT /users/{id}/attributes) or, when none matches, in the
 *   categories most popular in the model's interactions, drawn with weight
 *   match × age weight (Efraimidis–Spirakis keys).
 * Every draw's uniform comes from a hash of (user, UTC day) mixed with the item's: reproducible
 * for a user within a day, different across users and days. An item's weight
 * halves every {@link EXPLORE_HALF_LIFE_DAYS} days since it entered the catalog
 * and is 0 after {@link EXPLORE_MAX_AGE_DAYS}: a new item nobody takes up stops
 * being explored; one with interactions is a model item after the next training.
 *
 * Also the metadata reason of `because`: a user's score of a vector is a sum
 * over its parts (U_u · v̂ = U_u · W₀ + Σ_t U_u · W_t), so the category token
 * with the largest positive share U_u · W_t is the metadata's reason; with
 * content, the item's category carrying the largest share of its cosine with
 * the user's history profile.
 */
import { contentProfile, cosineLine, profileWeights, rowCosineWith, strongestShare } from '../math/content';
import { categoryOfToken } from '../metadata/catalog';
import type { UserScorer } from '../model/kinds';
import { fnv1a } from '../model/user-histories';
import { bagOf, type ColdCatalog, type ColdSet, coldVector } from './cold';
import type { PreparedModel } from './prepared';

/** Days for a new item's exploration weight to halve. */
export const EXPLORE_HALF_LIFE_DAYS = 14;
/** Age (days in the catalog) after which a new item is no longer explored (weight 1/16). */
export const EXPLORE_MAX_AGE_DAYS = 4 * EXPLORE_HALF_LIFE_DAYS;
/** τ of the vector users' draw, as a share of the candidates' score standard deviation. */
export const EXPLORE_TEMPERATURE = 0.25;
const DAY_MS = 86_400_000;

/** A new item's exploration weight at `now`: 1 when its age is unknown, 0 past the maximum age. */
export function ageWeight(createdAt: number, now: number): number {
  if (!Number.isFinite(createdAt)) return 1;
  const days = Math.max(0, (now - createdAt) / DAY_MS);
  return days > EXPLORE_MAX_AGE_DAYS ? 0 : 0.5 ** (days / EXPLORE_HALF_LIFE_DAYS);
}

const utf8 = new TextEncoder();

/** The (user, UTC day) half of {@link dailyUniform}: hashed once per request. */
export function dailySeed(userId: string, now: number): number {
  return fnv1a(utf8.encode(`${userId}\u0000${Math.floor(now / DAY_MS)}`));
}

/** A uniform in (0, 1) from a daily seed and an item's hash (ColdSet.hashes): murmur3's finalizer over their mix. */
export function uniformOf(seed: number, itemHash: number): number {
  let x = seed ^ Math.imul(itemHash, 0x9e3779b1);
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (((x ^ (x >>> 16)) >>> 0) + 0.5) / 4294967296;
}

/** A uniform in (0, 1) from (user, UTC day, item): the same within a day, independent across them. */
export function dailyUniform(userId: string, now: number, itemId: string): number {
  return uniformOf(dailySeed(userId, now), fnv1a(utf8.encode(itemId)));
}

/** How one user scores the new items of a set, in the kind's own score units. */
export interface NewItemScores {
  /** Score of new item j; NaN when its metadata says nothing to this model. */
  score(j: number): number;
  /** The category behind new item j's score, when one adds to it. */
  reason(j: number): { category: string } | null;
  /** The metadata reason of model item i when its metadata dominates (ridge only). */
  warmReason(i: number): { category: string } | null;
}

/**
 * The user's scores of the set's new items; null when the model cannot score
 * them for this user (a ridge with a scorer lacking scoreVector). Content mode
 * builds the profile from `history` (model item indices: the seen row and recent
 * events) and, on first use, fits the units to the kind's scores of every model
 * item (`kindScores` when the caller has them unchanged, else one scoreAll).
 */
export function newItemScores(
  pm: PreparedModel,
  set: ColdSet,
  cold: ColdCatalog,
  scorer: UserScorer,
  history: readonly ArrayLike<number>[],
  kindScores?: Float32Array,
): NewItemScores | null {
  if (set.mode === 'ridge') {
    const sv = scorer.scoreVector?.bind(scorer);
    if (!sv) return null;
    return {
      score: (j) => sv(coldVector(set, j)),
      reason: (j) => categoryReason(set, sv, set.tokenRows[j]),
      warmReason: (i) => warmCategoryReason(pm, set, cold, scorer, i),
    };
  }
  const c = set.content!;
  const items = [...new Set(history.flatMap((h) => Array.from(h)))].filter((i) => i >= 0 && i < c.items);
  const profile = contentProfile(c.bags, c.idf, items);
  // a history without tokens says nothing about any new item
  if (!profile.some((x) => x !== 0)) return { score: () => Number.NaN, reason: () => null, warmReason: () => null };
  const w = profileWeights(profile, c.idf);
  let line: { a: number; b: number } | undefined;
  const units = () => {
    if (!line) {
      let all = kindScores;
      if (!all) {
        all = new Float32Array(pm.items);
        scorer.scoreAll(all);
      }
      line = cosineLine(c.bags, c.norms, w, all, c.items);
    }
    return line;
  };
  return {
    score: (j) => {
      const { a, b } = units();
      return a + b * rowCosineWith(c.bags, c.items + j, w, c.norms[c.items + j]);
    },
    reason: (j) => {
      const t = strongestShare(profile, bagOf(c, c.items + j), c.idf, (x) => categoryOfToken(c.vocabulary[x]) !== null);
      return t < 0 ? null : { category: categoryOfToken(c.vocabulary[t])! };
    },
    warmReason: () => null,
  };
}

/**
 * The `n` new items drawn for a user with a vector among those `admit` lets
 * through: Gumbel-max keys score/τ + ln(age weight) + G(u), u from
 * {@link dailyUniform}; items with a non-finite score or weight 0 are never drawn.
 */
export function drawScored(
  set: ColdSet,
  score: (j: number) => number,
  n: number,
  admit: (j: number) => boolean,
  user: { userId: string; now: number },
): { j: number; score: number }[] {
  if (n <= 0) return [];
  // typed arrays and one index sort: this runs over every admitted new item on each request
  const m = set.ids.length;
  const js = new Int32Array(m);
  const xs = new Float64Array(m);
  const ws = new Float64Array(m);
  let c = 0;
  let sum = 0;
  for (let j = 0; j < m; j++) {
    if (!admit(j)) continue;
    const w = ageWeight(set.createdAt[j], user.now);
    if (!(w > 0)) continue;
    const x = score(j);
    if (!Number.isFinite(x)) continue;
    js[c] = j;
    xs[c] = x;
    ws[c++] = w;
    sum += x;
  }
  const mean = sum / Math.max(1, c);
  let ss = 0;
  for (let q = 0; q < c; q++) ss += (xs[q] - mean) ** 2;
  const tau = EXPLORE_TEMPERATURE * Math.sqrt(ss / Math.max(1, c));
  const seed = dailySeed(user.userId, user.now);
  const keys = new Float64Array(c);
  for (let q = 0; q < c; q++) {
    const gumbel = -Math.log(-Math.log(uniformOf(seed, set.hashes[js[q]])));
    keys[q] = (tau > 0 ? (xs[q] - mean) / tau : 0) + Math.log(ws[q]) + gumbel;
  }
  // the n best keys by insertion (n is a few slots; a full sort of 10,000 items is not needed)
  const top: number[] = [];
  const before = (a: number, b: number) => keys[a] > keys[b] || (keys[a] === keys[b] && js[a] < js[b]);
  for (let q = 0; q < c; q++) {
    if (top.length === n && !before(q, top[n - 1])) continue;
    let p = top.length === n ? n - 1 : top.length;
    while (p > 0 && before(q, top[p - 1])) {
      top[p] = top[p - 1];
      p--;
    }
    top[p] = q;
  }
  return top.map((q) => ({ j: js[q], score: xs[q] }));
}

/**
 * The `n` new items drawn for a user without a vector: weight = match × age
 * weight, match the number of the item's categories among `interests`
 * (lowercased) when any admitted item has one, else its most popular category's
 * share of the most popular's ({@link ColdSet.categoryPopularity}); keys ln(u)/weight.
 */
export function drawUnscored(
  set: ColdSet,
  interests: readonly string[],
  n: number,
  admit: (j: number) => boolean,
  user: { userId: string; now: number },
): { j: number; weight: number; category: string }[] {
  if (n <= 0) return [];
  const wanted = new Set(interests.map((x) => x.toLowerCase()));
  const byInterest: { j: number; match: number; category: string }[] = [];
  const byPopularity: { j: number; match: number; category: string }[] = [];
  for (let j = 0; j < set.ids.length; j++) {
    // an item past the exploration age is no candidate: interests matching only such items fall back to popularity
    if (!admit(j) || !(ageWeight(set.createdAt[j], user.now) > 0)) continue;
    const hits = set.categories[j].filter((c) => wanted.has(c.toLowerCase()));
    if (hits.length > 0) byInterest.push({ j, match: hits.length, category: hits[0] });
    let best: string | null = null;
    for (const c of set.categories[j])
      if ((set.categoryPopularity.get(c) ?? 0) > (best === null ? 0 : set.categoryPopularity.get(best)!)) best = c;
    if (best !== null) byPopularity.push({ j, match: set.categoryPopularity.get(best)!, category: best });
  }
  const pool = byInterest.length > 0 ? byInterest : byPopularity;
  const seed = dailySeed(user.userId, user.now);
  const keyed: { j: number; weight: number; category: string; key: number }[] = [];
  for (const x of pool) {
    const weight = x.match * ageWeight(set.createdAt[x.j], user.now);
    if (weight > 0) keyed.push({ ...x, weight, key: Math.log(uniformOf(seed, set.hashes[x.j])) / weight });
  }
  keyed.sort((a, b) => b.key - a.key || a.j - b.j);
  return keyed.slice(0, n).map(({ j, weight, category }) => ({ j, weight, category }));
}

/** The exploration slots of a list of k (floor: 1 in 10 gives one slot from k = 10 on). */
export function explorationSlots(k: number, share: number): number {
  return share > 0 ? Math.min(k, Math.floor(k * share + 1e-9)) : 0;
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
    const c = categoryOfToken(set.ridge!.vocabulary[t]);
    if (c === null) continue;
    const s = scoreVector(set.ridge!.tokenVector(t)) - zero;
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
  if (!sv || !set.ridge || set.f !== pm.factors) return null;
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
  /** The user's history as model item indices (the content profile's items). */
  history: readonly ArrayLike<number>[];
  /** The kind's own scores of every model item for this user, when the caller has them unchanged. */
  kindScores?: Float32Array;
  /** The user's scorer; null (popular answers): new items are drawn by interests or category popularity. */
  scorer: UserScorer | null;
  /** Who and when: the seed of the daily draw and the clock of the age weight. */
  userId: string;
  now: number;
  /** The user's declared interests (only read for users without a vector). */
  interests?: readonly string[];
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
 * The recommendations with exploration slots filled by drawn new items that pass
 * the request's filters (`coldStart: true`, `because` their category), and warm
 * items' `because` given the metadata reason where it dominates (ridge).
 */
export function withNewItems<T extends { itemId: string; score: number; because: object[] }>(
  items: T[],
  r: NewItemsRequest,
): (T | NewItem)[] {
  const set = r.cold.setFor(r.pm);
  if (!set) return items;
  const scores = r.scorer ? newItemScores(r.pm, set, r.cold, r.scorer, r.history, r.kindScores) : null;
  if (r.scorer && !scores) return items;
  if (r.explain && scores && set.mode === 'ridge')
    for (const it of items) {
      const i = r.pm.itemIndex.get(it.itemId);
      const reason = i === undefined ? null : scores.warmReason(i);
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
  if (scores)
    for (const { j, score } of drawScored(set, scores.score, slots, admit, r)) {
      const p = r.probability(score);
      if (r.minProbability !== undefined && !(p !== null && p >= r.minProbability)) continue;
      const reason = r.explain ? scores.reason(j) : null;
      picks.push({ itemId: set.ids[j], score, probability: p, because: reason ? [reason] : [], coldStart: true });
    }
  // popular answers carry no probability, so a probability threshold leaves nothing to explore with
  else if (r.minProbability === undefined)
    for (const { j, weight, category } of drawUnscored(set, r.interests ?? [], slots, admit, r))
      picks.push({
        itemId: set.ids[j],
        score: weight,
        probability: null,
        because: r.explain ? [{ category }] : [],
        coldStart: true,
      });
  return placeExploration<T | NewItem>(items, picks, r.k);
}
