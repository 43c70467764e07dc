/**
 * One user's ALS normal equations against the cached item factors, factored
 * once per request and then used twice: to fold the user in (their vector)
 * and to explain scores by history item (implicit's `explain`). The math is
 * shared/math's (buildRowSystem, Cholesky); factoring once instead of per
 * explained item is what keeps explanations cheap.
 */
import { alsScratch, buildRowSystem, type AlsScratch } from '../math/als-step';
import { confidence, rowRegularization } from '../math/confidence';
import { choleskyRobust, choleskySolve } from '../math/linalg';
import type { FoldInParams } from '../model/types';

/** A user's history in model item indices: distinct items and their summed event weights. */
export interface History {
  itemIdx: Int32Array;
  weights: Float64Array;
}

export interface Contribution {
  itemIndex: number;
  weight: number;
}

let cached: { f: number; s: AlsScratch; t: Float64Array } | undefined;

/** Factored (α0·YᵀY + Σ (c_i − α0) y_i y_iᵀ + λ_u I) of one user. */
export class UserSystem {
  private readonly conf: Float64Array;
  private readonly s: AlsScratch;
  private readonly t: Float64Array;

  /**
   * @param history distinct items with positive weights
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
    this.conf = new Float64Array(n);
    for (let q = 0; q < n; q++) this.conf[q] = confidence(history.weights[q], params);
    // one scratch per factor count: serving handles one request at a time per process
    if (!cached || cached.f !== f) cached = { f, s: alsScratch(f), t: new Float64Array(f) };
    this.s = cached.s;
    this.t = cached.t;
    const items = Math.floor(itemFactors.length / f);
    const lam = rowRegularization(n, items, params);
    buildRowSystem(history.itemIdx, this.conf, 0, n, itemFactors, yty, f, lam, params.unobservedWeight, this.s);
    this.s.backup.set(this.s.a);
    choleskyRobust(this.s.a, f, this.s.backup);
  }

  /** The folded-in user vector (the exact ALS user step). */
  solve(out: Float32Array): Float32Array {
    const { s, f } = this;
    choleskySolve(s.a, f, s.x, s.x);
    for (let k = 0; k < f; k++) out[k] = s.x[k];
    return out;
  }

  /**
   * The `limit` history items contributing most (positively) to the score of
   * `target`: item i contributes c_i·(A⁻¹y_t)·y_i; the parts sum to the score.
   */
  explain(target: number, limit: number): Contribution[] {
    const { s, f, t, itemFactors } = this;
    const to = target * f;
    for (let k = 0; k < f; k++) t[k] = itemFactors[to + k];
    choleskySolve(s.a, f, t, t);
    const best: Contribution[] = [];
    const idx = this.history.itemIdx;
    for (let q = 0; q < idx.length; q++) {
      const yo = idx[q] * f;
      let d = 0;
      for (let k = 0; k < f; k++) d += t[k] * itemFactors[yo + k];
      const w = this.conf[q] * d;
      if (!(w > 0)) continue;
      if (best.length === limit && w <= best[limit - 1].weight) continue;
      best.push({ itemIndex: idx[q], weight: w });
      best.sort((a, b) => b.weight - a.weight || a.itemIndex - b.itemIndex);
      if (best.length > limit) best.pop();
    }
    return best;
  }
}
