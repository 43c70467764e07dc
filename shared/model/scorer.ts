/**
 * Scores from a loaded artifact, for batch inference (CLI recommend/predict).
 * Every kind scores from its own arrays; users the model does not know get
 * the (time-decayed) popular items. Serving has its own faster path.
 */
import type { Csr } from '../math/csr';
import { scoreItemKnn, scoreUserKnn } from '../math/knn';
import { TopK, scoreAll } from '../math/topk';
import type { Model } from './types';

export interface Scored {
  itemId: string;
  score: number;
}

export class ModelScorer {
  readonly userIndex: Map<string, number>;
  readonly itemIndex: Map<string, number>;
  private readonly buf: Float32Array;
  private readonly seen: Csr;

  constructor(readonly model: Model) {
    this.userIndex = new Map(model.userIds.map((id, u) => [id, u]));
    this.itemIndex = new Map(model.itemIds.map((id, i) => [id, i]));
    this.buf = new Float32Array(model.itemIds.length);
    const n = model.seenIndices.length;
    this.seen = { rows: model.userIds.length, cols: model.itemIds.length, indptr: model.seenIndptr, indices: model.seenIndices, data: new Float32Array(n).fill(1) };
  }

  /** out[i] = ranking score of item i for known user u. */
  scoreUser(u: number, out: Float32Array): void {
    const m = this.model;
    const f = m.factors;
    switch (m.manifest.kind) {
      case 'als':
        scoreAll(m.userFactors.subarray(u * f, u * f + f), m.itemFactors, f, out);
        return;
      case 'mf':
        scoreAll(m.userFactors.subarray(u * f, u * f + f), m.itemFactors, f, out);
        if (m.itemBias) for (let i = 0; i < out.length; i++) out[i] += m.itemBias[i];
        return;
      case 'item-knn':
        scoreItemKnn(m.neighbors!, m.seenIndices.subarray(m.seenIndptr[u], m.seenIndptr[u + 1]), null, out);
        return;
      case 'user-knn':
        scoreUserKnn(m.neighbors!, this.seen, u, out);
        return;
      default:
        out.set(m.popularity);
    }
  }

  /** Top-k items for a user, training items excluded; popular items for an unknown user. */
  recommend(userId: string, k: number): Scored[] {
    const u = this.userIndex.get(userId);
    const out = this.buf;
    if (u === undefined) out.set(this.model.popularity);
    else {
      this.scoreUser(u, out);
      for (let q = this.model.seenIndptr[u]; q < this.model.seenIndptr[u + 1]; q++) out[this.model.seenIndices[q]] = -Infinity;
    }
    const heap = new TopK(k);
    for (let i = 0; i < out.length; i++) if (out[i] > -Infinity) heap.push(i, out[i]);
    const idx = new Int32Array(k);
    const sc = new Float32Array(k);
    const n = heap.drain(idx, sc);
    return Array.from({ length: n }, (_, r) => ({ itemId: this.model.itemIds[idx[r]], score: sc[r] }));
  }

  /**
   * Prediction for one pair: the rating for mf (global + biases + dot, clipped
   * to the trained scale), the ranking score otherwise; an unknown user or item
   * falls back to what is known (biases for mf, popularity, else 0).
   */
  predict(userId: string, itemId: string): number {
    const m = this.model;
    const u = this.userIndex.get(userId);
    const i = this.itemIndex.get(itemId);
    const f = m.factors;
    if (m.manifest.kind === 'mf') {
      let r = m.globalBias ?? 0;
      if (u !== undefined && m.userBias) r += m.userBias[u];
      if (i !== undefined && m.itemBias) r += m.itemBias[i];
      if (u !== undefined && i !== undefined) for (let k = 0; k < f; k++) r += m.userFactors[u * f + k] * m.itemFactors[i * f + k];
      const clip = m.manifest.hyperParameters.clip;
      return Array.isArray(clip) && clip.length === 2 ? Math.min(Number(clip[1]), Math.max(Number(clip[0]), r)) : r;
    }
    if (i === undefined) return 0;
    if (u === undefined) return m.popularity[i];
    this.scoreUser(u, this.buf);
    return this.buf[i];
  }
}
