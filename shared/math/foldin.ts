/**
 * The one least-squares step against fixed item factors: fold a user in from
 * their history, and explain a score by history item (implicit's `explain`).
 * Serving, the CLI and tests all use {@link UserSystem}; it owns its scratch
 * (no module-level buffers), so two users' systems can never share memory.
 */
import type { FoldInParams } from './confidence';
import { confidence, rowRegularization } from './confidence';
import { alsScratch, buildRowSystem, type AlsScratch } from './als-step';
import { choleskyRobust, choleskySolve } from './linalg';

/** A user's history in model item indices: distinct items and their summed event weights. */
export interface History {
  itemIdx: Int32Array;
  weights: Float64Array;
}

export interface Contribution {
  itemIndex: number;
  weight: number;
}

/**
 * One user's factored normal equations (α0·YᵀY + Σ (c_i − α0) y_i y_iᵀ + λ_u I),
 * factored once and then used to solve for the user's vector and to explain
 * any number of scores (factoring once instead of per explained item is what
 * keeps explanations cheap).
 */
export class UserSystem {
  private readonly conf: Float64Array;
  private readonly s: AlsScratch;
  private readonly t: Float64Array;

  /**
   * @param history distinct items (no repeats: sum weights first)
   * @param yty gramian of `itemFactors`
   */
  constructor(
    private readonly itemFactors: Float32Array,
    private readonly f: number,
    yty: Float64Array,
    private readonly history: History,
    params: FoldInParams,
  ) {
    const n = history.itemIdx.length;
    if (history.weights.length !== n) throw new RangeError('UserSystem: itemIdx and weights differ in length');
    this.conf = new Float64Array(n);
    for (let q = 0; q < n; q++) this.conf[q] = confidence(history.weights[q], params);
    this.s = alsScratch(f);
    this.t = new Float64Array(f);
    const items = Math.floor(itemFactors.length / Math.max(1, f));
    const lam = rowRegularization(n, items, params);
    buildRowSystem(history.itemIdx, this.conf, 0, n, itemFactors, yty, f, lam, params.unobservedWeight, this.s);
    this.s.backup.set(this.s.a);
    choleskyRobust(this.s.a, f, this.s.backup);
  }

  /** The folded-in user vector (the exact ALS user step). */
  solve(out: Float32Array = new Float32Array(this.f)): Float32Array {
    const { s, f } = this;
    // s.x holds the right-hand side once; solve into a copy so solve() can be called again
    const x = new Float64Array(s.x);
    choleskySolve(s.a, f, x, x);
    for (let k = 0; k < f; k++) out[k] = x[k];
    return out;
  }

  /** Every history item's part in `target`'s score, c_i·(A⁻¹y_t)·y_i, in history order; the parts sum to the score. */
  contributions(target: number): Float64Array {
    const { s, f, t, itemFactors } = this;
    const to = target * f;
    for (let k = 0; k < f; k++) t[k] = itemFactors[to + k];
    choleskySolve(s.a, f, t, t);
    const idx = this.history.itemIdx;
    const out = new Float64Array(idx.length);
    for (let q = 0; q < idx.length; q++) {
      const yo = idx[q] * f;
      let d = 0;
      for (let k = 0; k < f; k++) d += t[k] * itemFactors[yo + k];
      out[q] = this.conf[q] * d;
    }
    return out;
  }

  /** The `limit` history items contributing most (positively) to `target`'s score, largest first. */
  explain(target: number, limit: number): Contribution[] {
    return topContributions(this.history.itemIdx, this.contributions(target), limit);
  }
}

/** The `limit` largest positive parts, largest first (ties: lower item index). */
export function topContributions(itemIdx: ArrayLike<number>, parts: ArrayLike<number>, limit: number): Contribution[] {
  const best: Contribution[] = [];
  for (let q = 0; q < itemIdx.length; q++) {
    const w = parts[q];
    if (!(w > 0)) continue;
    if (best.length === limit && w <= best[limit - 1].weight) continue;
    best.push({ itemIndex: itemIdx[q], weight: w });
    best.sort((a, b) => b.weight - a.weight || a.itemIndex - b.itemIndex);
    if (best.length > limit) best.pop();
  }
  return best;
}

/**
 * The exact ALS user step for one user: solves
 * (α0·YᵀY + Σ (c_i − α0) y_i y_iᵀ + λ_u I) x = Σ c_i y_i by Cholesky.
 * `itemIdx` must not repeat an item (sum weights first). `yty` is gramian(itemFactors).
 */
export function foldInUser(
  itemFactors: Float32Array,
  f: number,
  yty: Float64Array,
  itemIdx: ArrayLike<number>,
  weights: ArrayLike<number>,
  params: FoldInParams,
  out: Float32Array = new Float32Array(f),
): Float32Array {
  return new UserSystem(itemFactors, f, yty, history(itemIdx, weights), params).solve(out);
}

/**
 * Splits the folded-in score of `targetItem` into per-history-item parts,
 * sorted by contribution, largest first; the parts sum to the score.
 */
export function explainScore(
  itemFactors: Float32Array,
  f: number,
  yty: Float64Array,
  itemIdx: ArrayLike<number>,
  weights: ArrayLike<number>,
  params: FoldInParams,
  targetItem: number,
): Contribution[] {
  const h = history(itemIdx, weights);
  const parts = new UserSystem(itemFactors, f, yty, h, params).contributions(targetItem);
  const out = Array.from(h.itemIdx, (itemIndex, q) => ({ itemIndex, weight: parts[q] }));
  out.sort((a, b) => b.weight - a.weight || a.itemIndex - b.itemIndex);
  return out;
}

function history(itemIdx: ArrayLike<number>, weights: ArrayLike<number>): History {
  if (weights.length !== itemIdx.length) throw new RangeError('foldInUser: itemIdx and weights differ in length');
  return { itemIdx: Int32Array.from(itemIdx), weights: Float64Array.from(weights) };
}
