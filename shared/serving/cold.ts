/**
 * New catalog items — known from PUT /items, not yet columns of the served
 * model — as serving sees them. Two ways to score one for a user, chosen per model:
 * - **ridge** (kinds with a factor ridge: ALS, neural): v̂ = W₀ + Σ W_t over its
 *   tokens ({@link ColdItems}), scored U_u · v̂ and compared by cosine with the
 *   model's items;
 * - **content** (every other kind: EASE, kNN, MF, blend): TF-IDF cosine between
 *   the user's history profile and the item's tokens (shared/math/content.ts),
 *   put in the kind's score units by the line the user's own scores of the model's
 *   items follow against their cosines — from the catalog alone, so the artifact
 *   carries nothing for it. Measured close to the ridge and well above the category
 *   heuristic on ML-100K (docs/neural.md, cold items).
 * The records come from the catalog cache's own reads (tap), so this costs no
 * store call; the set on a model is rebuilt only when the model or the catalog
 * changed, O(new items × factors) or O(catalog tokens).
 */
import type { CatalogItem } from '../events';
import { type Bags, cosineLine, inverseDocumentFrequency, rowCosineWith } from '../math/content';
import { dot } from '../math/topk';
import { metadataOfCatalog } from '../metadata/catalog';
import { Vocabulary, itemTokens } from '../metadata/vocabulary';
import type { ColdItems } from '../model/kinds/cold-ridge';
import { fnv1a } from '../model/user-histories';
import type { InteractionStore } from '../ports/interactions';
import type { PreparedModel } from './prepared';

const utf8 = new TextEncoder();

/** Newest new items served at most (a bound on the projection's memory and rebuild time). */
export const MAX_COLD_ITEMS = 10_000;

interface ColdRecord {
  tokens: string[];
  categories: string[];
  available: boolean;
  /** When the item entered the catalog (ms; NaN when unknown): exploration decays with age. */
  createdAt: number;
}

/** The catalog's token space over a model's items and the new items (content mode). */
export interface ContentSpace {
  readonly vocabulary: readonly string[];
  readonly idf: Float32Array;
  /** Rows 0..items-1: the model's items; row items + j: new item j. */
  readonly bags: Bags;
  readonly items: number;
  /** ‖tf-idf vector‖ of every row (0 for an empty bag). */
  readonly norms: Float32Array;
}

/** The new items of one catalog generation placed on one model. */
export interface ColdSet {
  readonly mode: 'ridge' | 'content';
  readonly ids: string[];
  readonly index: Map<string, number>;
  /** ids.length × f, row-major: v̂ of each new item (ridge mode; empty otherwise). */
  readonly vectors: Float32Array;
  /** 1/‖v̂_j‖ (0 for a zero vector). */
  readonly invNorms: Float32Array;
  readonly categories: string[][];
  /** createdAt of each new item (ms; NaN when unknown). */
  readonly createdAt: Float64Array;
  /** FNV-1a of each new item's id: the item's half of the daily draw (./explore.ts). */
  readonly hashes: Uint32Array;
  /**
   * Category → its items' summed popularity in the model (distinct users,
   * time-decayed when training decays) over the most popular category's: what
   * users without a vector explore by when no declared interest matches.
   */
  readonly categoryPopularity: ReadonlyMap<string, number>;
  /** Vocabulary rows of each new item's known tokens (ridge mode: for explanations). */
  readonly tokenRows: number[][];
  readonly f: number;
  /** The model's ridge (ridge mode), null in content mode. */
  readonly ridge: ColdItems | null;
  /** The catalog's token space (content mode), null in ridge mode. */
  readonly content: ContentSpace | null;
}

/** Catalog records seen by serving, and their projection as new items on the served model. */
export class ColdCatalog {
  /** Insertion order is update order (a changed record is re-inserted): the newest are last. */
  private readonly records = new Map<string, ColdRecord>();
  private generation = 0;
  /** Per model: A/B variants' models are served at once beside the latest. */
  private readonly cached = new WeakMap<PreparedModel, { generation: number; set: ColdSet | null }>();

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
    this.records.set(r.itemId, {
      tokens: itemTokens(m),
      categories: m.categories,
      available: r.available !== false,
      createdAt: Date.parse(r.createdAt),
    });
    this.generation++;
  }

  /** Metadata tokens of any catalog item (model items too); empty when the catalog does not know it. */
  tokensOf(itemId: string): readonly string[] {
    return this.records.get(itemId)?.tokens ?? [];
  }

  /**
   * The available new items of the catalog that the model can place: with a ridge,
   * those with at least one token in its vocabulary; otherwise every one with a token.
   */
  setFor(pm: PreparedModel): ColdSet | null {
    const c = this.cached.get(pm);
    if (c && c.generation === this.generation) return c.set;
    const set = this.build(pm);
    this.cached.set(pm, { generation: this.generation, set });
    return set;
  }

  private build(pm: PreparedModel): ColdSet | null {
    const r = pm.fitted.coldItems;
    const ridge = r && r.factors === pm.factors && pm.factors > 0 ? r : null;
    const picked: [string, ColdRecord][] = [];
    const all = [...this.records];
    for (let q = all.length - 1; q >= 0 && picked.length < MAX_COLD_ITEMS; q--) {
      const [id, rec] = all[q];
      if (rec.available && rec.tokens.length > 0 && !pm.itemIndex.has(id)) picked.push([id, rec]);
    }
    picked.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return ridge ? this.ridgeSet(pm, ridge, picked) : this.contentSet(pm, picked);
  }

  private ridgeSet(pm: PreparedModel, ridge: ColdItems, picked: [string, ColdRecord][]): ColdSet {
    const f = pm.factors;
    const kept: [string, ColdRecord][] = [];
    const tokenRows: number[][] = [];
    const rows: Float32Array[] = [];
    for (const [id, r] of picked) {
      const v = ridge.vectorOf(r.tokens);
      if (!v) continue;
      kept.push([id, r]);
      tokenRows.push(ridge.indicesOf(r.tokens));
      rows.push(v);
    }
    const vectors = new Float32Array(kept.length * f);
    const invNorms = new Float32Array(kept.length);
    rows.forEach((v, j) => {
      vectors.set(v, j * f);
      const n = dot(v, 0, v, 0, f);
      invNorms[j] = n > 0 ? 1 / Math.sqrt(n) : 0;
    });
    return { ...this.common(pm, kept), mode: 'ridge', vectors, invNorms, tokenRows, f, ridge, content: null };
  }

  private contentSet(pm: PreparedModel, picked: [string, ColdRecord][]): ColdSet {
    const vocab = new Vocabulary();
    const ptr = [0];
    const indices: number[] = [];
    const add = (tokens: readonly string[]) => {
      for (const t of new Set(tokens)) indices.push(vocab.add(t));
      ptr.push(indices.length);
    };
    for (let i = 0; i < pm.items; i++) add(this.tokensOf(pm.model.itemIds[i]));
    // a new item none of whose tokens a model item carries has nothing in common with any user's history
    const placed = picked.filter(([, r]) => r.tokens.some((t) => vocab.get(t) !== undefined));
    for (const [, r] of placed) add(r.tokens);
    const indptr = Int32Array.from(ptr);
    const bags = { indptr, indices: Int32Array.from(indices) };
    const idf = inverseDocumentFrequency(bags, vocab.size);
    const norms = new Float32Array(indptr.length - 1);
    for (let row = 0; row < norms.length; row++) {
      let n = 0;
      for (let q = indptr[row]; q < indptr[row + 1]; q++) n += idf[indices[q]] ** 2;
      norms[row] = Math.sqrt(n);
    }
    const content = { vocabulary: vocab.tokens, idf, bags, items: pm.items, norms };
    const none = new Float32Array(0);
    return {
      ...this.common(pm, placed),
      mode: 'content',
      vectors: none,
      invNorms: none,
      tokenRows: [],
      f: 0,
      ridge: null,
      content,
    };
  }

  private common(pm: PreparedModel, kept: [string, ColdRecord][]) {
    const ids = kept.map(([id]) => id);
    const pop = new Map<string, number>();
    for (let i = 0; i < pm.items; i++)
      for (const c of this.records.get(pm.model.itemIds[i])?.categories ?? [])
        pop.set(c, (pop.get(c) ?? 0) + pm.model.popularity[i]);
    const top = Math.max(0, ...pop.values());
    for (const [c, v] of pop) pop.set(c, top > 0 ? v / top : 0);
    return {
      ids,
      index: new Map(ids.map((id, j) => [id, j])),
      categories: kept.map(([, r]) => r.categories),
      createdAt: Float64Array.from(kept, ([, r]) => r.createdAt),
      hashes: Uint32Array.from(ids, (id) => fnv1a(utf8.encode(id))),
      categoryPopularity: pop,
    };
  }
}

/** Token ids of a row of a content space (a model item i, or new item j at row items + j). */
export function bagOf(c: ContentSpace, row: number): Int32Array {
  return c.bags.indices.subarray(c.bags.indptr[row], c.bags.indptr[row + 1]);
}

/** Weights w_t = idf_t² / ‖row‖ of a row's tokens: rowCosineWith(bags, b, w, ‖b‖) is then cos(row, b). */
export function rowWeights(c: ContentSpace, row: number): Float32Array {
  const w = new Float32Array(c.idf.length);
  const n = c.norms[row];
  if (n > 0) for (const t of bagOf(c, row)) w[t] = c.idf[t] ** 2 / n;
  return w;
}

/** cos of two rows' tf-idf vectors: Σ over shared tokens idf² / (‖a‖‖b‖); 0 when one is empty. */
export function rowCosine(c: ContentSpace, a: number, b: number): number {
  const na = c.norms[a] * c.norms[b];
  if (!(na > 0)) return 0;
  const x = bagOf(c, a);
  const y = bagOf(c, b);
  let s = 0;
  for (let p = 0; p < x.length; p++) for (let q = 0; q < y.length; q++) if (x[p] === y[q]) s += c.idf[x[p]] ** 2;
  return s / na;
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

/** Similarity of new item j to every model item into out: cosine of v̂_j (ridge) or of tf-idf vectors (content). */
export function coldQueryScores(pm: PreparedModel, set: ColdSet, j: number, out: Float32Array): void {
  if (set.mode === 'ridge') {
    cosineToItems(pm, coldVector(set, j), set.invNorms[j], out);
    return;
  }
  const c = set.content!;
  const w = rowWeights(c, c.items + j);
  for (let i = 0; i < pm.items; i++) out[i] = rowCosineWith(c.bags, i, w, c.norms[i]);
}

/**
 * Similar items of a model item (i) or a new item (j): the model's own list
 * (`warm`, best first) merged with the new items, cut to k; new items carry
 * `coldStart: true`. Ridge: cosine of the vectors. Content: to a model item,
 * the tf-idf cosine put in the units of the kind's own similarities to it
 * (`similarity`, over the model's items; none without them); to a new item, tf-idf cosine.
 */
export function similarWithNewItems(
  pm: PreparedModel,
  set: ColdSet,
  query: { i: number } | { j: number },
  warm: { itemId: string; score: number }[],
  k: number,
  similarity: Float32Array | null = null,
): { itemId: string; score: number; coldStart?: true }[] {
  const fresh = (
    set.mode === 'ridge' ? ridgeNeighbours(pm, set, query, k) : contentNeighbours(set, query, similarity, k)
  )
    .filter((x) => Number.isFinite(x.score))
    .map(({ j, score }) => ({ itemId: set.ids[j], score, coldStart: true as const }));
  return [...warm, ...fresh].sort((a, b) => b.score - a.score).slice(0, k);
}

function ridgeNeighbours(pm: PreparedModel, set: ColdSet, query: { i: number } | { j: number }, k: number) {
  const f = pm.factors;
  if ('i' in query) {
    const q = pm.model.itemFactors.subarray(query.i * f, query.i * f + f);
    return nearestCold(set, q, inverseNorms(pm.model.itemFactors, pm.items, f)[query.i], k);
  }
  return nearestCold(set, coldVector(set, query.j), set.invNorms[query.j], k, query.j);
}

function contentNeighbours(
  set: ColdSet,
  query: { i: number } | { j: number },
  similarity: Float32Array | null,
  k: number,
): { j: number; score: number }[] {
  const c = set.content!;
  const out: { j: number; score: number }[] = [];
  if ('i' in query) {
    if (!similarity) return out;
    const w = rowWeights(c, query.i);
    const { a, b } = cosineLine(c.bags, c.norms, w, similarity, c.items);
    for (let j = 0; j < set.ids.length; j++)
      out.push({ j, score: a + b * rowCosineWith(c.bags, c.items + j, w, c.norms[c.items + j]) });
  } else
    for (let j = 0; j < set.ids.length; j++)
      if (j !== query.j) out.push({ j, score: rowCosine(c, c.items + query.j, c.items + j) });
  out.sort((a, b) => b.score - a.score || a.j - b.j);
  return out.filter((x) => !Number.isNaN(x.score)).slice(0, k);
}
