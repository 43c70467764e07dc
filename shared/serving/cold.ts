/**
 * New catalog items — known from PUT /items, not yet columns of the served
 * model — as serving sees them: each gets a factor vector from its metadata
 * (the model's {@link ColdItems} ridge: v̂ = W₀ + Σ W_t over its tokens), is
 * scored U_u · v̂ for a user and compared by cosine with the model's items.
 * The records come from the catalog cache's own reads (tap), so this costs no
 * store call; the projection on a model is rebuilt only when the model or the
 * catalog changed, O(new items × factors).
 */
import type { CatalogItem } from '../events';
import { dot } from '../math/topk';
import { metadataOfCatalog } from '../metadata/catalog';
import { itemTokens } from '../metadata/vocabulary';
import type { ColdItems } from '../model/kinds/cold-ridge';
import type { InteractionStore } from '../ports/interactions';
import type { PreparedModel } from './prepared';

/** Newest new items served at most (a bound on the projection's memory and rebuild time). */
export const MAX_COLD_ITEMS = 10_000;

interface ColdRecord {
  tokens: string[];
  categories: string[];
  available: boolean;
}

/** The new items of one catalog generation projected on one model. */
export interface ColdSet {
  readonly ids: string[];
  readonly index: Map<string, number>;
  /** ids.length × f, row-major: v̂ of each new item. */
  readonly vectors: Float32Array;
  /** 1/‖v̂_j‖ (0 for a zero vector). */
  readonly invNorms: Float32Array;
  readonly categories: string[][];
  /** Vocabulary rows of each new item's known tokens (for explanations). */
  readonly tokenRows: number[][];
  readonly f: number;
  readonly ridge: ColdItems;
}

/** Catalog records seen by serving, and their projection as new items on the served model. */
export class ColdCatalog {
  /** Insertion order is update order (a changed record is re-inserted): the newest are last. */
  private readonly records = new Map<string, ColdRecord>();
  private generation = 0;
  private cached: { pm: PreparedModel; generation: number; set: ColdSet | null } | null = null;

  /** The store as the catalog cache should read it: every record read also reaches this catalog. */
  tap(store: Pick<InteractionStore, 'listCatalog'>): Pick<InteractionStore, 'listCatalog'> {
    return {
      listCatalog: async (since) => {
        const records = await store.listCatalog(since);
        for (const r of records) this.apply(r);
        return records;
      },
    };
  }

  apply(r: CatalogItem): void {
    const m = metadataOfCatalog(r);
    this.records.delete(r.itemId);
    this.records.set(r.itemId, { tokens: itemTokens(m), categories: m.categories, available: r.available !== false });
    this.generation++;
  }

  /** Metadata tokens of any catalog item (model items too); empty when the catalog does not know it. */
  tokensOf(itemId: string): readonly string[] {
    return this.records.get(itemId)?.tokens ?? [];
  }

  /**
   * The available new items of the catalog that the model can place (at least one
   * token in its vocabulary); null when the model has no cold-item ridge.
   */
  setFor(pm: PreparedModel): ColdSet | null {
    const c = this.cached;
    if (c && c.pm === pm && c.generation === this.generation) return c.set;
    const set = this.build(pm);
    this.cached = { pm, generation: this.generation, set };
    return set;
  }

  private build(pm: PreparedModel): ColdSet | null {
    const ridge = pm.fitted.coldItems;
    if (!ridge || ridge.factors !== pm.factors || pm.factors <= 0) return null;
    const f = pm.factors;
    const picked: [string, ColdRecord][] = [];
    const all = [...this.records];
    for (let q = all.length - 1; q >= 0 && picked.length < MAX_COLD_ITEMS; q--) {
      const [id, r] = all[q];
      if (r.available && r.tokens.length > 0 && !pm.itemIndex.has(id)) picked.push([id, r]);
    }
    picked.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const ids: string[] = [];
    const categories: string[][] = [];
    const tokenRows: number[][] = [];
    const rows: Float32Array[] = [];
    for (const [id, r] of picked) {
      const v = ridge.vectorOf(r.tokens);
      if (!v) continue;
      ids.push(id);
      categories.push(r.categories);
      tokenRows.push(ridge.indicesOf(r.tokens));
      rows.push(v);
    }
    const vectors = new Float32Array(ids.length * f);
    const invNorms = new Float32Array(ids.length);
    rows.forEach((v, j) => {
      vectors.set(v, j * f);
      const n = dot(v, 0, v, 0, f);
      invNorms[j] = n > 0 ? 1 / Math.sqrt(n) : 0;
    });
    return { ids, index: new Map(ids.map((id, j) => [id, j])), vectors, invNorms, categories, tokenRows, f, ridge };
  }
}

/** Row j of a cold set's vectors (a view). */
export function coldVector(set: ColdSet, j: number): Float32Array {
  return set.vectors.subarray(j * set.f, (j + 1) * set.f);
}

const itemNorms = new WeakMap<Float32Array, Float32Array>();

/** 1/‖y_i‖ of a model's item factors, computed once per factor array. */
export function inverseNorms(y: Float32Array, items: number, f: number): Float32Array {
  let inv = itemNorms.get(y);
  if (!inv) {
    inv = new Float32Array(items);
    for (let i = 0; i < items; i++) {
      const s = dot(y, i * f, y, i * f, f);
      inv[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
    }
    itemNorms.set(y, inv);
  }
  return inv;
}

/** cos(q, y_i) for every model item into out, q a vector with inverse norm qi. */
export function cosineToItems(pm: PreparedModel, q: Float32Array, qi: number, out: Float32Array): void {
  const { itemFactors: y } = pm.model;
  const f = pm.factors;
  const inv = inverseNorms(y, pm.items, f);
  for (let i = 0; i < pm.items; i++) out[i] = dot(q, 0, y, i * f, f) * qi * inv[i];
}

/** cos(q, v̂_j) of every new item, best first, at most k, skipping `skip`. */
export function nearestCold(set: ColdSet, q: Float32Array, qi: number, k: number, skip = -1) {
  const out: { j: number; score: number }[] = [];
  for (let j = 0; j < set.ids.length; j++) {
    if (j === skip) continue;
    out.push({ j, score: dot(q, 0, set.vectors, j * set.f, set.f) * qi * set.invNorms[j] });
  }
  out.sort((a, b) => b.score - a.score || a.j - b.j);
  return out.slice(0, k);
}

/**
 * Similar items of a model item (i) or a new item (j): the model's own list
 * (`warm`, best first) merged with the new items by cosine of their vectors,
 * cut to k; new items carry `coldStart: true`.
 */
export function similarWithNewItems(
  pm: PreparedModel,
  set: ColdSet,
  query: { i: number } | { j: number },
  warm: { itemId: string; score: number }[],
  k: number,
): { itemId: string; score: number; coldStart?: true }[] {
  const f = pm.factors;
  let q: Float32Array;
  let qi: number;
  let skip = -1;
  if ('i' in query) {
    q = pm.model.itemFactors.subarray(query.i * f, query.i * f + f);
    qi = inverseNorms(pm.model.itemFactors, pm.items, f)[query.i];
  } else {
    q = coldVector(set, query.j);
    qi = set.invNorms[query.j];
    skip = query.j;
  }
  const fresh = nearestCold(set, q, qi, k, skip).map(({ j, score }) => ({
    itemId: set.ids[j],
    score,
    coldStart: true as const,
  }));
  return [...warm, ...fresh].sort((a, b) => b.score - a.score).slice(0, k);
}
