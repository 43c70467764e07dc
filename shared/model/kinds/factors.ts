/**
 * What every latent-factor kind shares: dense scoring against item factors
 * (JS here, serving's SIMD kernel through {@link LoadOptions.dense}), cosine
 * similarity between items (written once), and the checks a loaded factor
 * artifact must pass.
 */
import { gramian } from '../../math/linalg';
import { dot, scoreAll } from '../../math/topk';
import { CorruptModelError } from '../errors';
import type { Model } from '../types';
import type { DenseScorer, LoadOptions } from './kind';

/** Plain-JS {@link DenseScorer}. */
export function jsDense(itemFactors: Float32Array, items: number, f: number): DenseScorer {
  let g: Float64Array | undefined;
  return {
    itemFactors,
    scoreAll: (q, out) => scoreAll(q, itemFactors, f, out),
    gramian: () => (g ??= gramian(itemFactors, items, f)),
  };
}

/** Item factors ready to score: the dense scorer, YᵀY (shipped or computed once) and inverse norms (on first use). */
export class ItemFactors {
  readonly dense: DenseScorer;
  private inv: Float32Array | undefined;
  private g: Float64Array | undefined;

  constructor(
    itemFactors: Float32Array,
    readonly items: number,
    readonly f: number,
    opts: LoadOptions = {},
    shippedGramian?: Float64Array,
  ) {
    this.dense = f > 0 ? (opts.dense ?? jsDense)(itemFactors, items, f) : jsDense(itemFactors, items, f);
    this.g = shippedGramian;
  }

  /** Row-major items × f (the scorer's copy when it keeps one). */
  get y(): Float32Array {
    return this.dense.itemFactors;
  }

  gramian(): Float64Array {
    return (this.g ??= this.dense.gramian());
  }

  /** 1/‖y_i‖ (0 for a zero row); ≈ 8 ms at 100k × 64, so only similar-items pays it. */
  invNorms(): Float32Array {
    if (this.inv) return this.inv;
    const { y, items, f } = this;
    const inv = new Float32Array(items);
    for (let i = 0; i < items; i++) {
      const s = dot(y, i * f, y, i * f, f);
      inv[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
    }
    return (this.inv = inv);
  }

  /** out[j] = cos(y_item, y_j): the one cosine of Attune's factor kinds. */
  cosine(item: number, out: Float32Array): void {
    const { f } = this;
    const q = this.y.slice(item * f, item * f + f);
    this.dense.scoreAll(q, out);
    const inv = this.invNorms();
    const qi = inv[item];
    for (let j = 0; j < this.items; j++) out[j] *= qi * inv[j];
  }

  /** q · y_i */
  score(q: Float32Array, i: number): number {
    return dot(q, 0, this.y, i * this.f, this.f);
  }
}

/** Throws CorruptModelError unless the artifact has factors of a factor kind. */
export function requireFactors(model: Model): void {
  if (!(model.factors > 0))
    throw new CorruptModelError(`${model.manifest.kind}: a factor model with ${model.factors} factors`);
}

/** A number parameter, or the fallback when absent. */
export function num(params: Record<string, unknown>, key: string, fallback: number): number {
  const v = params[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
