/**
 * The manifest's `exposure` block: what the published model does to exposure
 * when it answers its users. Each user's top-k of the items they have not
 * seen (serving's answer before request filters and re-ranking) is collected,
 * then shared/math/exposure.ts measures Gini, coverage, the long-tail share and,
 * when the run has the catalog's metadata, each category's (and each value of a
 * label property's, such as a provider) share of slots against its share of interactions.
 *
 * The published model is measured rather than the holdout's: the holdout model
 * may not be the one served (the neural gate can swap it), and exposure is not
 * an accuracy number that memorised pairs would flatter.
 */
import type { Csr } from '../math/csr';
import { type GroupExposure, type ModelExposure, exposureReport, round4 } from '../math/exposure';
import { TopK } from '../math/topk';
import type { FittedModel } from '../model/kinds';
import type { Dataset } from './dataset';

export type { ModelExposure };

/** At most this many users are measured (evenly spaced by index): enough for stable shares, bounded cost. */
export const EXPOSURE_MAX_USERS = 5000;

/**
 * Exposure of `fitted` (trained on `ui`, users × items of `d`) in everyone's top-k.
 * `shouldStop` is polled between users: a cut-short measurement is not reported (null).
 */
export function modelExposure(
  fitted: FittedModel,
  d: Pick<Dataset, 'itemIds' | 'side'>,
  ui: Csr,
  opts: { k?: number; maxUsers?: number; shouldStop?: () => boolean } = {},
): ModelExposure | null {
  const k = opts.k ?? 10;
  const items = ui.cols;
  const interactions = new Float64Array(items);
  for (let q = 0; q < ui.indptr[ui.rows]; q++) interactions[ui.indices[q]]++;
  const active: number[] = [];
  for (let u = 0; u < ui.rows; u++) if (ui.indptr[u + 1] > ui.indptr[u]) active.push(u);
  const scores = new Float32Array(items);
  const heap = new TopK(k);
  const idx = new Int32Array(k);
  const val = new Float32Array(k);
  const lists: Int32Array[] = [];
  for (const u of evenlySpaced(active, opts.maxUsers ?? EXPOSURE_MAX_USERS)) {
    if (opts.shouldStop?.()) return null;
    fitted.user(u).scoreAll(scores);
    for (let q = ui.indptr[u]; q < ui.indptr[u + 1]; q++) scores[ui.indices[q]] = -Infinity;
    heap.reset(k);
    for (let i = 0; i < items; i++) if (scores[i] > -Infinity) heap.push(i, scores[i]);
    lists.push(idx.slice(0, heap.drain(idx, val)));
  }
  return exposureOfLists(lists, k, interactions, d);
}

/** The users measured: at most `max` of `active` (ascending), evenly spaced by position (the large path's too). */
export function evenlySpaced(active: ArrayLike<number>, max: number): number[] {
  const step = Math.max(1, active.length / Math.max(1, max));
  const out: number[] = [];
  for (let t = 0; t < active.length; t += step) out.push(active[Math.floor(t)]);
  return out;
}

/**
 * The block from users' top-k lists and each item's interaction count over everyone: the large path collects
 * the lists of a sample of users and counts the items' pairs from its shard files (distributed/exposure.ts).
 */
export function exposureOfLists(
  lists: Int32Array[],
  k: number,
  interactions: Float64Array,
  d: Pick<Dataset, 'itemIds' | 'side'>,
): ModelExposure {
  const items = interactions.length;
  const groups = categoryIndex(d);
  const r = exposureReport({ lists, k, items, interactions, ...(groups ? { groupsOf: (i) => groups[i] } : {}) });
  const byProperty: Record<string, GroupExposure[]> = {};
  for (const [name, values] of propertyIndexes(d))
    byProperty[name] = exposureReport({ lists, k, items, interactions, groupsOf: (i) => values[i] }).groups ?? [];
  return {
    users: r.users,
    k: r.k,
    gini: round4(r.gini),
    coverage: round4(r.coverage),
    longTail: round4(r.longTail),
    longTailInteractions: round4(r.longTailInteractions),
    ...(r.groups?.length ? { groupedBy: 'category' as const, groups: r.groups } : {}),
    ...(Object.keys(byProperty).length ? { byProperty } : {}),
  };
}

/** Properties grouped on: string or boolean values, 2..MAX_PROPERTY_VALUES distinct ones (a provider, a brand). */
export const MAX_PROPERTY_VALUES = 50;
/** At most this many properties, by name, keep the manifest small. */
export const MAX_PROPERTIES = 5;

/**
 * Per grouping property, each item's value as a one-group list. A property
 * qualifies when its values are labels (strings or booleans) with 2 to
 * {@link MAX_PROPERTY_VALUES} distinct values: numbers (a price) and ids are not groups.
 */
function propertyIndexes(d: Pick<Dataset, 'itemIds' | 'side'>): [string, (readonly string[])[]][] {
  const meta = d.side?.items;
  if (!Array.isArray(meta) || meta.length === 0) return [];
  const values = new Map<string, Map<string, string>>();
  const rejected = new Set<string>();
  for (const m of meta as { itemId?: unknown; properties?: unknown }[]) {
    if (typeof m.itemId !== 'string' || !m.properties || typeof m.properties !== 'object') continue;
    for (const [name, v] of Object.entries(m.properties as Record<string, unknown>)) {
      if (rejected.has(name)) continue;
      if (typeof v !== 'string' && typeof v !== 'boolean') {
        rejected.add(name);
        continue;
      }
      let byItem = values.get(name);
      if (!byItem) values.set(name, (byItem = new Map()));
      byItem.set(m.itemId, String(v));
    }
  }
  const out: [string, (readonly string[])[]][] = [];
  for (const name of [...values.keys()].sort()) {
    if (rejected.has(name) || out.length >= MAX_PROPERTIES) continue;
    const byItem = values.get(name)!;
    const distinct = new Set(byItem.values()).size;
    if (distinct < 2 || distinct > MAX_PROPERTY_VALUES) continue;
    out.push([name, d.itemIds.map((id) => (byItem.has(id) ? [byItem.get(id)!] : []))]);
  }
  return out;
}

/** Categories per item index from the run's catalog metadata (Dataset.side.items); null without any. */
function categoryIndex(d: Pick<Dataset, 'itemIds' | 'side'>): (readonly string[])[] | null {
  const meta = d.side?.items;
  if (!Array.isArray(meta) || meta.length === 0) return null;
  const byId = new Map<string, readonly string[]>();
  for (const m of meta as { itemId?: unknown; categories?: unknown }[])
    if (typeof m.itemId === 'string' && Array.isArray(m.categories)) byId.set(m.itemId, m.categories as string[]);
  if (byId.size === 0) return null;
  return d.itemIds.map((id) => byId.get(id) ?? []);
}
