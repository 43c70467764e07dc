/**
 * Item cold start for factor kinds: a ridge regression from an item's metadata
 * tokens (categories, scalar properties; shared/metadata) to its factors,
 * fitted when the model is, on the items that have interactions and metadata.
 * A catalog item nobody has interacted with then gets v̂ = W₀ + Σ W_t over its
 * tokens and is scored like any item (U_u · v̂) and compared by cosine. The
 * artifact carries W and the vocabulary as two kind files, written, hashed and
 * verified by the codec like every other file.
 */
import { fitTokenRidge } from '../../training/cold-items';
import { Vocabulary, itemTokens, tokenBags, type ItemMetadata } from '../../metadata/vocabulary';
import { popularityFromCsr } from '../../math/popularity';
import { CorruptModelError } from '../errors';
import type { Model } from '../types';
import type { FittedModel, PartValue, TrainingData } from './kind';

export const COLD_FILES = { ridge: 'cold_ridge.f64', json: 'cold_items.json' } as const;
/** λ of the ridge: ML-100K's validation choice (docs/neural.md, cold items). */
export const COLD_RIDGE_LAMBDA = 30;
/** Most frequent tokens kept: the solve is (T+1)³, so the vocabulary, not the catalog, sets its cost. */
export const MAX_COLD_TOKENS = 1000;

/** What a fitted factor model knows about items it has only metadata for. */
export interface ColdItems {
  readonly factors: number;
  /** Token of each row of W (the intercept row is last and has no token). */
  readonly vocabulary: readonly string[];
  /** Row index of each known token of `tokens` (unknown ones dropped, repeats once). */
  indicesOf(tokens: readonly string[]): number[];
  /** v̂ of an item known by these tokens; null when none of them is in the vocabulary. */
  vectorOf(tokens: readonly string[]): Float32Array | null;
  /** W_t: what token t adds to a vector (an explanation's share of U_u · v̂ is U_u · W_t). */
  tokenVector(t: number): Float32Array;
}

/** {@link ColdItems} over W ((tokens + 1) × f, intercept last) and its vocabulary. */
export function coldItemsOf(ridge: Float64Array, vocabulary: readonly string[], f: number): ColdItems {
  const T = vocabulary.length;
  const index = new Map(vocabulary.map((t, k) => [t, k]));
  const indicesOf = (tokens: readonly string[]) => [
    ...new Set(tokens.map((t) => index.get(t)).filter((k): k is number => k !== undefined)),
  ];
  return {
    factors: f,
    vocabulary,
    indicesOf,
    vectorOf(tokens) {
      const ks = indicesOf(tokens);
      if (ks.length === 0) return null;
      const v = new Float32Array(f);
      for (let d = 0; d < f; d++) {
        let s = ridge[T * f + d];
        for (const k of ks) s += ridge[k * f + d];
        v[d] = s;
      }
      return v;
    },
    tokenVector: (t) => Float32Array.from(ridge.subarray(t * f, t * f + f)),
  };
}

interface ColdJson {
  vocabulary: string[];
  lambda: number;
  /** Items the ridge was fitted on. */
  fittedOn: number;
}

const ridges = new WeakMap<ColdItems, { ridge: Float64Array; json: ColdJson }>();

/**
 * Fits the ridge on `data.side.items` (ItemMetadata[]): rows are the items with
 * at least one interaction and at least one kept token. Null when there are none
 * (no metadata: the model carries no cold-item files).
 */
export function fitColdItems(
  data: TrainingData,
  itemFactors: Float32Array,
  f: number,
  lambda = COLD_RIDGE_LAMBDA,
): ColdItems | null {
  return fitColdItemsFor(data, popularityFromCsr(data.ui), itemFactors, f, lambda);
}

/**
 * {@link fitColdItems} from each item's pair count (only > 0 is read) instead of the CSR: the large path
 * counts an item's pairs from its shard files and never holds the interactions.
 */
export function fitColdItemsFor(
  data: Pick<TrainingData, 'itemIds' | 'side'>,
  counts: ArrayLike<number>,
  itemFactors: Float32Array,
  f: number,
  lambda = COLD_RIDGE_LAMBDA,
): ColdItems | null {
  const meta = data.side?.items as ItemMetadata[] | undefined;
  if (!meta?.length || f <= 0) return null;
  const byId = new Map(meta.map((m) => [m.itemId, itemTokens(m)]));
  const freq = new Map<string, number>();
  data.itemIds.forEach((id, i) => {
    if (!(counts[i] > 0)) return;
    for (const t of new Set(byId.get(id) ?? [])) freq.set(t, (freq.get(t) ?? 0) + 1);
  });
  const kept = [...freq.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, MAX_COLD_TOKENS)
    .map(([t]) => t);
  if (kept.length === 0) return null;
  const vocab = Vocabulary.from(kept);
  const bags = tokenBags(data.itemIds, (id) => byId.get(id), vocab, false);
  const rows: number[] = [];
  for (let i = 0; i < data.itemIds.length; i++) if (counts[i] > 0 && bags.indptr[i + 1] > bags.indptr[i]) rows.push(i);
  const ridge = fitTokenRidge(bags, vocab.size, itemFactors, f, rows, lambda);
  const cold = coldItemsOf(ridge, vocab.tokens, f);
  ridges.set(cold, { ridge, json: { vocabulary: vocab.tokens, lambda, fittedOn: rows.length } });
  return cold;
}

/** The artifact files of a fitted ridge. */
export function coldParts(cold: ColdItems): Record<string, PartValue> {
  const r = ridges.get(cold);
  if (!r) return {};
  return { [COLD_FILES.ridge]: r.ridge, [COLD_FILES.json]: r.json };
}

/** The ridge of a decoded artifact; undefined when it has none, CorruptModelError when its files do not fit. */
export function loadColdItems(model: Model): ColdItems | undefined {
  const ridge = model.parts?.[COLD_FILES.ridge];
  const json = model.parts?.[COLD_FILES.json] as ColdJson | undefined;
  if (ridge === undefined && json === undefined) return undefined;
  const bad = (why: string) => new CorruptModelError(`${model.manifest.kind}: cold items: ${why}`);
  if (!json || !Array.isArray(json.vocabulary) || !json.vocabulary.every((t) => typeof t === 'string'))
    throw bad(`${COLD_FILES.json} missing or malformed`);
  if (!(ridge instanceof Float64Array) || ridge.length !== (json.vocabulary.length + 1) * model.factors)
    throw bad(`${COLD_FILES.ridge} must hold (tokens + 1) × factors values`);
  const cold = coldItemsOf(ridge, json.vocabulary, model.factors);
  ridges.set(cold, { ridge, json });
  return cold;
}

/**
 * The fitted model with its cold items attached: `coldItems` set and the
 * ridge's files added to its artifact. Unchanged when there are none.
 */
export function withColdItems<T extends FittedModel>(fitted: T, cold: ColdItems | null | undefined): T {
  if (!cold) return fitted;
  const artifact = fitted.artifact.bind(fitted);
  return Object.assign(fitted, {
    coldItems: cold,
    artifact: () => {
      const a = artifact();
      return { ...a, parts: { ...(a.parts ?? {}), ...coldParts(cold) } };
    },
  });
}
