/**
 * Scores from a loaded artifact, for batch inference (CLI recommend/predict),
 * through the kind's own implementation (shared/model/kinds) — the same code
 * serving scores with. Users the model does not know get the (time-decayed)
 * popular items.
 */
import { TopK } from '../math/topk';
import { loadFitted, type FittedModel } from './kinds';
import type { Model } from './types';

export interface Scored {
  itemId: string;
  score: number;
}

export class ModelScorer {
  readonly userIndex: Map<string, number>;
  readonly itemIndex: Map<string, number>;
  readonly fitted: FittedModel;
  private readonly buf: Float32Array;

  /** Throws CorruptModelError for a kind this build does not know. */
  constructor(readonly model: Model) {
    this.fitted = loadFitted(model);
    this.userIndex = new Map(model.userIds.map((id, u) => [id, u]));
    this.itemIndex = new Map(model.itemIds.map((id, i) => [id, i]));
    this.buf = new Float32Array(model.itemIds.length);
  }

  /** out[i] = ranking score of item i for known user u (popularity when the kind is not personal). */
  scoreUser(u: number, out: Float32Array): void {
    if (this.fitted.capabilities.personalized) this.fitted.user(u).scoreAll(out);
    else out.set(this.model.popularity);
  }

  /** Top-k items for a user, training items excluded; popular items for an unknown user. */
  recommend(userId: string, k: number): Scored[] {
    const m = this.model;
    const u = this.userIndex.get(userId);
    const out = this.buf;
    if (u === undefined) out.set(m.popularity);
    else {
      this.scoreUser(u, out);
      for (let q = m.seenIndptr[u]; q < m.seenIndptr[u + 1]; q++) out[m.seenIndices[q]] = -Infinity;
    }
    const heap = new TopK(k);
    for (let i = 0; i < out.length; i++) if (out[i] > -Infinity) heap.push(i, out[i]);
    const idx = new Int32Array(k);
    const sc = new Float32Array(k);
    const n = heap.drain(idx, sc);
    return Array.from({ length: n }, (_, r) => ({ itemId: m.itemIds[idx[r]], score: sc[r] }));
  }

  /**
   * Prediction for one pair: the rating for kinds that predict ratings (clipped
   * to the trained scale; an unknown user or item falls back to what is known),
   * the ranking score otherwise (popularity for an unknown user, 0 for an unknown item).
   */
  predict(userId: string, itemId: string): number {
    const u = this.userIndex.get(userId);
    const i = this.itemIndex.get(itemId);
    const f = this.fitted;
    if (f.capabilities.ratings && f.predictRating) return f.predictRating(u ?? -1, i ?? -1);
    if (i === undefined) return 0;
    if (u === undefined || !f.capabilities.personalized) return this.model.popularity[i];
    return f.user(u).score(i);
  }
}
