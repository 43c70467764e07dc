/**
 * A model made ready to serve: id indexes, the kind's fitted model (scoring
 * through serving's SIMD kernel for factor kinds) and a pool of per-request
 * scratch. A request checks scratch out for one synchronous section
 * ({@link PreparedModel.withScratch}), so two requests can never share a
 * buffer, whatever they await in between.
 */
import { TopK } from '../math/topk';
import { loadFitted, type DenseScorer, type FittedModel } from '../model/kinds';
import type { Model } from '../model/types';
import { createKernel } from './simd';

/** Largest k any route accepts; the heap and output buffers are sized for it. */
export const MAX_K = 100;
/** Largest candidate list POST /rank accepts. */
export const MAX_RANK_ITEMS = 500;

const SLOTS = Math.max(MAX_K, MAX_RANK_ITEMS);

/**
 * One request's buffers: scores, exclusion marks, the top-k heap and output.
 * Marks are generation-stamped (item i is excluded when excl[i] === gen), so
 * a new request starts clean without a clearing pass.
 */
export class Scratch {
  readonly scores: Float32Array;
  readonly excl: Int32Array;
  readonly incl: Int32Array;
  readonly heap = new TopK(SLOTS);
  readonly outIndex = new Int32Array(SLOTS);
  readonly outScore = new Float32Array(SLOTS);
  private g = 0;

  constructor(readonly items: number) {
    this.scores = new Float32Array(items);
    this.excl = new Int32Array(items);
    this.incl = new Int32Array(items);
  }

  /** This request's generation; earlier marks become stale at once. */
  get gen(): number {
    return this.g;
  }

  nextGeneration(): number {
    this.g = this.g === 0x7fffffff ? 1 : this.g + 1;
    if (this.g === 1) {
      // wrapped (after 2^31 requests): old stamps could collide, clear once
      this.excl.fill(0);
      this.incl.fill(0);
    }
    return this.g;
  }
}

export interface PreparedModel {
  readonly model: Model;
  readonly version: string;
  readonly kind: string;
  /** The kind's model: every score, similarity and explanation comes from it. */
  readonly fitted: FittedModel;
  /** Epoch ms the model was created (manifest.createdAt). */
  readonly createdAtMs: number;
  /** Newest receivedAt the model was trained on: events after it are "fresh". */
  readonly watermark: number;
  readonly users: number;
  readonly items: number;
  readonly factors: number;
  /** Dense scoring runs on WebAssembly SIMD. */
  readonly simd: boolean;
  readonly userIndex: Map<string, number>;
  readonly itemIndex: Map<string, number>;
  /**
   * Runs `fn` with scratch of its own, returned to the pool when fn returns.
   * `fn` must be synchronous (a returned promise throws): scratch is never held across an await.
   */
  withScratch<T>(fn: (s: Scratch) => T): T;
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
 * Builds the serving structures of a decoded model. Throws CorruptModelError
 * when the kind is unknown to this build or the artifact does not fit it, so
 * the model cache refuses the version. Cost: id indexes and one copy of the
 * item factors into the kernel; norms and (when not shipped) YᵀY wait for first use.
 */
export function prepareModel(model: Model, opts: { simd?: boolean } = {}): PreparedModel {
  let simd = false;
  let kernelFactors: Float32Array | undefined;
  const dense = (y: Float32Array, items: number, f: number): DenseScorer => {
    const k = createKernel(y, items, f, opts);
    simd = k.simd;
    kernelFactors = k.itemFactors;
    // the kernel's score buffer is copied out at once: nothing of one call is visible to the next
    return { itemFactors: k.itemFactors, scoreAll: (q, out) => out.set(k.scoreAll(q)), gramian: () => k.gramian() };
  };
  const fitted = loadFitted(model, { dense });
  // let the decoded copy go when the kernel holds its own (halves resident memory)
  const served: Model =
    kernelFactors && kernelFactors !== model.itemFactors ? { ...model, itemFactors: kernelFactors } : model;
  const items = model.itemIds.length;
  const createdAtMs = Date.parse(model.manifest.createdAt);
  const pool: Scratch[] = [];
  return {
    model: served,
    version: model.manifest.version,
    kind: model.manifest.kind,
    fitted,
    createdAtMs: Number.isFinite(createdAtMs) ? createdAtMs : Date.now(),
    watermark: Number(model.manifest.watermark) || 0,
    users: model.userIds.length,
    items,
    factors: model.factors,
    simd,
    userIndex: idIndex(model.userIds),
    itemIndex: idIndex(model.itemIds),
    withScratch<T>(fn: (s: Scratch) => T): T {
      const s = pool.pop() ?? new Scratch(items);
      try {
        const out = fn(s);
        if (out && typeof (out as { then?: unknown }).then === 'function') {
          throw new Error('withScratch: the callback returned a promise; scratch must not be held across an await');
        }
        return out;
      } finally {
        pool.push(s);
      }
    },
  };
}
