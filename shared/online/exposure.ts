/**
 * Exposure per (model version, variant) from what apps reported as shown
 * (issue #14 §4): the same numbers the manifest carries for a model offline
 * (shared/math/exposure.ts: Gini of slots over the catalog, coverage, long-tail
 * share, each category's share of slots against its share of interactions),
 * here over real impressions, kept incrementally by the online job.
 *
 * State kept (bounded, plain JSON):
 * - per group, one counter per distinct item shown, aligned with the group's
 *   `items` list (≤ MAX_ITEMS_PER_GROUP = 100,000 items a group); impressions of
 *   items beyond that cap are only summed (`shownBeyondCap`) and reported, not spread;
 * - once for the state, events other than impressions per item ("interactions":
 *   what popularity, the long tail and the categories' interaction shares are
 *   measured by), for at most MAX_INTERACTION_ITEMS distinct items (the rest summed).
 * An impression counts when its position is 1..EXPOSURE_K or when the app gave none
 * ("exposure in the top-10"; positions beyond 10 were scrolled to, not recommended first).
 */
import { type GroupExposure, groupRows, headItems, round4 } from '../math/exposure';
import { MAX_PROPERTIES, MAX_PROPERTY_VALUES } from '../training/exposure';

/** Positions counted as exposure (1..k; an impression without a position counts too). */
export const EXPOSURE_K = 10;
/** Distinct items whose interactions the state counts one by one. */
export const MAX_INTERACTION_ITEMS = 100_000;
/** Categories listed per row; the rest are summed as "(other)" (as in the manifest). */
export const MAX_EXPOSURE_GROUPS = 20;

/** The fields the online state carries for exposure (all optional: states saved before them still load). */
export interface ExposureGroupFields {
  items: string[];
  /** shown[j]: exposure impressions of items[j] (missing entries are 0). */
  shown?: number[];
  /** Exposure impressions of items beyond the group's item cap. */
  shownBeyondCap?: number;
}

export interface ExposureStateFields {
  /** Items with events other than impressions since the state began, and their counts (aligned arrays). */
  interactionItems?: string[];
  interactionCounts?: number[];
  /** Such events of items beyond MAX_INTERACTION_ITEMS. */
  interactionsBeyondCap?: number;
}

export const countsAsExposure = (position: number) => position === 0 || (position >= 1 && position <= EXPOSURE_K);

/** One exposure impression of the group's item at `index` (its place in `items`), or beyond the cap (-1). */
export function countShown(g: ExposureGroupFields, index: number): void {
  if (index < 0) {
    g.shownBeyondCap = (g.shownBeyondCap ?? 0) + 1;
    return;
  }
  const c = (g.shown ??= []);
  while (c.length <= index) c.push(0);
  c[index]++;
}

// The state is plain JSON (arrays parse and walk fast); a Map beside the item list keeps a fold linear.
const interactionIndexes = new WeakMap<string[], Map<string, number>>();

export function countInteraction(s: ExposureStateFields, itemId: string): void {
  const items = (s.interactionItems ??= []);
  const counts = (s.interactionCounts ??= []);
  let index = interactionIndexes.get(items);
  if (!index) interactionIndexes.set(items, (index = new Map(items.map((id, j) => [id, j]))));
  const j = index.get(itemId);
  if (j !== undefined) counts[j] = (counts[j] ?? 0) + 1;
  else if (items.length < MAX_INTERACTION_ITEMS) {
    index.set(itemId, items.push(itemId) - 1);
    counts[items.length - 1] = 1;
  } else s.interactionsBeyondCap = (s.interactionsBeyondCap ?? 0) + 1;
}

export interface ExposureCatalog {
  /** The catalog's items in a fixed order (the served model's item ids). */
  itemIds: readonly string[];
  /** Categories of an item (empty when unknown); absent: no per-category rows. */
  categoriesOf?: (itemId: string) => readonly string[];
  /** An item's catalog properties; label properties (a provider, a brand) become groups as in the manifest. */
  propertiesOf?: (itemId: string) => Readonly<Record<string, unknown>> | undefined;
}

/**
 * One way of grouping items (categories, or one label property's values), made
 * once per report: group names interned, each item's groups as CSR rows
 * (indptr/indices), and each group's interactions — so a row sums slots into an
 * array by index instead of looking names up item by item.
 */
interface Grouping {
  names: string[];
  indptr: Int32Array;
  indices: Int32Array;
  use: Float64Array;
}

/**
 * The items exposure is measured over, with what is fixed for every row:
 * popularity (interactions), the head (top 20% by it) and per-category interaction sums.
 * The catalog's items first, then any item shown or interacted with that it lacks (sorted),
 * so coverage never exceeds 1 and ties in popularity break the same way every time.
 */
export interface ExposureUniverse {
  ids: string[];
  index: Map<string, number>;
  interactions: Float64Array;
  head: Uint8Array;
  use: number;
  tailUse: number;
  categories: Grouping | null;
  /** Per label property name (sorted, at most MAX_PROPERTIES). */
  properties: [string, Grouping][];
}

export function exposureUniverse(
  interactions: Pick<ExposureStateFields, 'interactionItems' | 'interactionCounts'>,
  shownItems: Iterable<string>,
  catalog?: ExposureCatalog | null,
): ExposureUniverse {
  const usedItems = interactions.interactionItems ?? [];
  const usedCounts = interactions.interactionCounts ?? [];
  const ids = [...(catalog?.itemIds ?? [])];
  const index = new Map<string, number>();
  ids.forEach((id, i) => {
    if (!index.has(id)) index.set(id, i);
  });
  const extra = new Set<string>();
  for (const id of usedItems) if (!index.has(id)) extra.add(id);
  for (const id of shownItems) if (!index.has(id)) extra.add(id);
  for (const id of [...extra].sort()) index.set(id, ids.push(id) - 1);
  const use = new Float64Array(ids.length);
  for (let j = 0; j < usedItems.length; j++) use[index.get(usedItems[j])!] += usedCounts[j] ?? 0;
  const head = headItems(use);
  let total = 0;
  let tail = 0;
  for (let i = 0; i < ids.length; i++) {
    total += use[i];
    if (!head[i]) tail += use[i];
  }
  const grouping = (of: (i: number) => readonly string[]): Grouping => {
    const id = new Map<string, number>();
    const names: string[] = [];
    const indptr = new Int32Array(ids.length + 1);
    const indices: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      for (const c of of(i)) {
        let g = id.get(c);
        if (g === undefined) id.set(c, (g = names.push(c) - 1));
        indices.push(g);
      }
      indptr[i + 1] = indices.length;
    }
    const groupUse = new Float64Array(names.length);
    for (let i = 0; i < ids.length; i++) for (let q = indptr[i]; q < indptr[i + 1]; q++) groupUse[indices[q]] += use[i];
    return { names, indptr, indices: Int32Array.from(indices), use: groupUse };
  };
  const cats = catalog?.categoriesOf;
  const props = catalog?.propertiesOf;
  return {
    ids,
    index,
    interactions: use,
    head,
    use: total,
    tailUse: tail,
    categories: cats ? grouping((i) => cats(ids[i])) : null,
    properties: props ? labelProperties(ids, props).map(([name, v]) => [name, grouping((i) => v[i])]) : [],
  };
}

/**
 * The manifest's rule (shared/training/exposure.ts) for which properties are
 * groups: string or boolean values, 2..MAX_PROPERTY_VALUES distinct ones, at
 * most MAX_PROPERTIES by name; a property with any other value type is not one.
 */
function labelProperties(
  ids: readonly string[],
  propertiesOf: (itemId: string) => Readonly<Record<string, unknown>> | undefined,
): [string, (readonly string[])[]][] {
  const values = new Map<string, (readonly string[])[]>();
  const distinct = new Map<string, Set<string>>();
  const rejected = new Set<string>();
  ids.forEach((id, i) => {
    for (const [name, v] of Object.entries(propertiesOf(id) ?? {})) {
      if (rejected.has(name)) continue;
      if (typeof v !== 'string' && typeof v !== 'boolean') {
        rejected.add(name);
        continue;
      }
      let byItem = values.get(name);
      if (!byItem) {
        values.set(name, (byItem = new Array(ids.length).fill(NONE)));
        distinct.set(name, new Set());
      }
      byItem[i] = [String(v)];
      distinct.get(name)!.add(String(v));
    }
  });
  return [...values.keys()]
    .sort()
    .filter((n) => !rejected.has(n))
    .filter((n) => distinct.get(n)!.size >= 2 && distinct.get(n)!.size <= MAX_PROPERTY_VALUES)
    .slice(0, MAX_PROPERTIES)
    .map((n) => [n, values.get(n)!]);
}

const NONE: readonly string[] = [];

export interface OnlineExposure {
  k: number;
  /** Exposure impressions counted (positions 1..k or none), and those beyond the per-group item cap (not spread). */
  impressions: number;
  beyondCap: number;
  /** Items exposure is measured over (the catalog plus any item shown or used that it lacks). */
  catalogItems: number;
  gini: number;
  coverage: number;
  longTail: number;
  longTailInteractions: number;
  groups?: GroupExposure[];
  /** The same shares per value of each label property of the catalog (a provider, a brand), by name. */
  byProperty?: Record<string, GroupExposure[]>;
}

/** Exposure of one row's counters over the universe; null before any exposure impression. */
export function onlineExposure(
  shown: ReadonlyMap<string, number>,
  beyondCap: number,
  u: ExposureUniverse,
): OnlineExposure | null {
  const items: number[] = [];
  const counts: number[] = [];
  for (const [id, x] of shown) {
    items.push(u.index.get(id)!);
    counts.push(x);
  }
  return exposureOf(items, counts, beyondCap, u);
}

/**
 * Sums groups' counters by universe index and measures them: the report's rows.
 * Each group's item → index mapping is made once per universe, and one scratch
 * array serves every row (rows are measured one after another).
 */
export class ExposureRows {
  private readonly indexOf = new WeakMap<ExposureGroupFields, Int32Array>();
  private readonly slots: Float64Array;
  private readonly mark: Uint32Array;
  private stamp = 0;

  constructor(readonly universe: ExposureUniverse) {
    this.slots = new Float64Array(universe.ids.length);
    this.mark = new Uint32Array(universe.ids.length);
  }

  /** Distinct items the groups showed (any position), and their exposure (null before any exposure impression). */
  measure(groups: readonly ExposureGroupFields[]): { itemsShown: number; exposure: OnlineExposure | null } {
    const stamp = ++this.stamp;
    const touched: number[] = [];
    let beyond = 0;
    for (const g of groups) {
      let idx = this.indexOf.get(g);
      if (!idx) this.indexOf.set(g, (idx = Int32Array.from(g.items, (id) => this.universe.index.get(id)!)));
      const c = g.shown ?? [];
      for (let j = 0; j < idx.length; j++) {
        const i = idx[j];
        if (this.mark[i] !== stamp) {
          this.mark[i] = stamp;
          this.slots[i] = 0;
          touched.push(i);
        }
        this.slots[i] += c[j] ?? 0;
      }
      beyond += g.shownBeyondCap ?? 0;
    }
    const values = touched.map((i) => this.slots[i]);
    return { itemsShown: touched.length, exposure: exposureOf(touched, values, beyond, this.universe) };
  }
}

/** Exposure of counts at universe indices (zeros skipped); null before any exposure impression. */
function exposureOf(
  indices: readonly number[],
  counts: readonly number[],
  beyondCap: number,
  u: ExposureUniverse,
): OnlineExposure | null {
  const n = u.ids.length;
  const nonzero: number[] = [];
  const values: number[] = [];
  let total = 0;
  let tailSlots = 0;
  for (let k = 0; k < indices.length; k++) {
    const x = counts[k];
    if (!(x > 0)) continue;
    const i = indices[k];
    nonzero.push(i);
    values.push(x);
    total += x;
    if (!u.head[i]) tailSlots += x;
  }
  if (total === 0) return null;
  const out: OnlineExposure = {
    k: EXPOSURE_K,
    impressions: total,
    beyondCap,
    catalogItems: n,
    gini: round4(sparseGini(values, n)),
    coverage: round4(nonzero.length / n),
    longTail: round4(tailSlots / total),
    longTailInteractions: round4(u.use ? u.tailUse / u.use : 0),
  };
  const shares = (g: Grouping) => {
    const slots = new Float64Array(g.names.length);
    for (let j = 0; j < nonzero.length; j++)
      for (let q = g.indptr[nonzero[j]]; q < g.indptr[nonzero[j] + 1]; q++) slots[g.indices[q]] += values[j];
    return groupShares(g.names, slots, total, g.use, u.use);
  };
  if (u.categories) out.groups = shares(u.categories);
  if (u.properties.length) out.byProperty = Object.fromEntries(u.properties.map(([name, g]) => [name, shares(g)]));
  return out;
}

/**
 * Gini over n amounts of which only the positive ones are given: the n − m zeros
 * take the lowest ranks, so G = Σ_j (2(z + j) − n − 1)·x_(j) / (n·Σx) over the
 * sorted positives — O(m log m) rather than sorting the whole catalog per row.
 * Equal to shared/math/exposure.ts's gini over the full vector (property-tested).
 */
export function sparseGini(positive: readonly number[], n: number): number {
  if (n === 0) return 0;
  const s = Float64Array.from(positive).sort();
  const z = n - s.length;
  let total = 0;
  let weighted = 0;
  for (let j = 0; j < s.length; j++) {
    total += s[j];
    weighted += (2 * (z + j + 1) - n - 1) * s[j];
  }
  return total > 0 ? weighted / (n * total) : 0;
}

/** Per group, share of slots against share of interactions: the manifest's rows, same order and "(other)". */
function groupShares(
  names: readonly string[],
  slots: Float64Array,
  total: number,
  groupUse: Float64Array,
  use: number,
): GroupExposure[] {
  // a group none of whose items was shown or used is left out, as in the manifest
  const sums = names
    .map((g, k) => [g, { s: slots[k]!, u: groupUse[k]! }] as const)
    .filter(([, v]) => v.s > 0 || v.u > 0);
  return groupRows(sums, total, use, MAX_EXPOSURE_GROUPS);
}
