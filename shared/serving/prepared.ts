/**
 * A model made ready to serve: id indexes, the scoring kernel, item norms,
 * popularity order and every per-request buffer, built once per model load so
 * that a request allocates nothing proportional to the catalog.
 */
import { TopK } from '../math/topk';
import type { Model } from '../model/types';
import { createKernel, type ScoringKernel } from './simd';

/** Largest k any route accepts; the heap and output buffers are sized for it. */
export const MAX_K = 100;
/** Largest candidate list POST /rank accepts. */
export const MAX_RANK_ITEMS = 500;

export interface PreparedModel {
  readonly model: Model;
  readonly version: string;
  /** Epoch ms the model was created (manifest.createdAt). */
  readonly createdAtMs: number;
  /** Newest receivedAt the model was trained on: events after it are "fresh". */
  readonly watermark: number;
  readonly users: number;
  readonly items: number;
  readonly factors: number;
  readonly userIndex: Map<string, number>;
  readonly itemIndex: Map<string, number>;
  /** Null for popularity-only models (no factors). */
  readonly kernel: ScoringKernel | null;
  /** Row-major items × factors; the kernel's copy when it has one. */
  readonly itemFactors: Float32Array;
  /**
   * 1/‖y_i‖ (0 for a zero row), for cosine similarity. Computed on first read
   * (≈ 8 ms at 100k × 64): only similar-items needs it, so cold start does not pay.
   */
  readonly invNorms: Float32Array;
  /** YᵀY: the artifact's when training shipped it, else computed on first use; kept for the life of the model. */
  yty(): Float64Array;
  /** Generation-stamped exclusion marks: item i is excluded when excl[i] === gen. */
  readonly excl: Int32Array;
  /** Same, for "only these items" filters. */
  readonly incl: Int32Array;
  /** Advances the generation; marks of earlier requests become stale at once (no clearing pass). */
  nextGeneration(): number;
  readonly heap: TopK;
  readonly outIndex: Int32Array;
  readonly outScore: Float32Array;
  /** Query vector scratch (fold-in result or a user's row). */
  readonly query: Float32Array;
}

const indexes = new WeakMap<readonly string[], Map<string, number>>();

/**
 * id → position of an id list, built once per list (memoized on the array,
 * which a loaded model never changes). The loader calls it as soon as an id
 * file has arrived, so the work overlaps the transfer of the factors.
 */
export function idIndex(ids: readonly string[]): Map<string, number> {
  let index = indexes.get(ids);
  if (!index) {
    index = new Map<string, number>();
    for (let i = 0; i < ids.length; i++) index.set(ids[i], i);
    indexes.set(ids, index);
  }
  return index;
}

/**
 * Builds the serving structures of a decoded model. Cost: id indexes and one
 * copy of the item factors into the kernel; norms and (when the artifact has
 * none) YᵀY are deferred to first use.
 */
export function prepareModel(model: Model, opts: { simd?: boolean } = {}): PreparedModel {
  const users = model.userIds.length;
  const items = model.itemIds.length;
  const f = model.factors;
  const userIndex = idIndex(model.userIds);
  const itemIndex = idIndex(model.itemIds);

  const kernel = f > 0 ? createKernel(model.itemFactors, items, f, opts) : null;
  const itemFactors = kernel ? kernel.itemFactors : model.itemFactors;
  // let the decoded copy go when the kernel holds its own (halves resident memory)
  const served: Model = kernel && itemFactors !== model.itemFactors ? { ...model, itemFactors } : model;

  let invNorms: Float32Array | undefined;
  const excl = new Int32Array(items);
  const incl = new Int32Array(items);
  let gen = 0;
  let yty: Float64Array | undefined;
  const createdAtMs = Date.parse(model.manifest.createdAt);

  return {
    model: served,
    version: model.manifest.version,
    createdAtMs: Number.isFinite(createdAtMs) ? createdAtMs : Date.now(),
    watermark: Number(model.manifest.watermark) || 0,
    users,
    items,
    factors: f,
    userIndex,
    itemIndex,
    kernel,
    itemFactors,
    get invNorms() {
      return (invNorms ??= inverseNorms(itemFactors, items, f));
    },
    // The codec checked a shipped YᵀY against these factors (shape, symmetry, diagonal).
    yty: () => (yty ??= model.itemGramian ?? (kernel ? kernel.gramian() : new Float64Array(0))),
    excl,
    incl,
    nextGeneration() {
      gen = gen === 0x7fffffff ? 1 : gen + 1;
      if (gen === 1) {
        // wrapped (after 2^31 requests): old stamps could collide, clear once
        excl.fill(0);
        incl.fill(0);
      }
      return gen;
    },
    heap: new TopK(Math.max(MAX_K, MAX_RANK_ITEMS)),
    outIndex: new Int32Array(Math.max(MAX_K, MAX_RANK_ITEMS)),
    outScore: new Float32Array(Math.max(MAX_K, MAX_RANK_ITEMS)),
    query: new Float32Array(Math.max(1, f)),
  };
}

function inverseNorms(y: Float32Array, items: number, f: number): Float32Array {
  const inv = new Float32Array(items);
  for (let i = 0; i < items; i++) {
    let s = 0;
    const o = i * f;
    for (let k = 0; k < f; k++) s += y[o + k] * y[o + k];
    inv[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  return inv;
}
