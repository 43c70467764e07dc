/**
 * implicit-style convenience over a kind (fit a matrix, recommend, similar
 * items) for benchmarks and tests: the scores are the kind's own, the same
 * ones training evaluates and serving serves.
 */
import type { Csr } from '../../math/csr';
import { TopK } from '../../math/topk';
import { kindSpec } from './index';
import type { FitOptions, FittedModel } from './kind';

export interface Ranked {
  items: Int32Array;
  scores: Float32Array;
}

export class Recommender {
  private model: FittedModel | undefined;
  private ui: Csr | undefined;
  private buf = new Float32Array(0);

  constructor(
    readonly kind: string,
    readonly params: Record<string, unknown> = {},
  ) {
    kindSpec(kind);
  }

  /** Trains on a users × items matrix of interaction strengths (ratings for mf). */
  fit(ui: Csr, opts: Partial<FitOptions> = {}): this {
    const seed = typeof this.params.seed === 'number' ? this.params.seed : 42;
    const ids = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
    this.ui = ui;
    this.model = kindSpec(this.kind).fit({ ui, userIds: ids(ui.rows, 'u'), itemIds: ids(ui.cols, 'i') }, this.params, {
      seed,
      ...opts,
    });
    return this;
  }

  get fitted(): FittedModel {
    if (!this.model) throw new Error(`${this.kind}: call fit() first`);
    return this.model;
  }

  /** out[i] = score of item i for the user; higher is better. */
  scoreItems(user: number, out: Float32Array): void {
    this.fitted.user(user).scoreAll(out);
  }

  /** Top-k items, best first; `excludeSeen` drops the user's training items. */
  recommend(user: number, k: number, excludeSeen = true): Ranked {
    const ui = this.ui!;
    const scores = this.scratch(ui.cols);
    this.scoreItems(user, scores);
    if (excludeSeen) for (let q = ui.indptr[user]; q < ui.indptr[user + 1]; q++) scores[ui.indices[q]] = -Infinity;
    return topOf(scores, k, -1);
  }

  /** Top-k items most similar to `item` (itself excluded); empty when the kind has no similarity. */
  similarItems(item: number, k: number): Ranked {
    const m = this.fitted;
    if (!m.similarItems) return { items: new Int32Array(0), scores: new Float32Array(0) };
    const scores = this.scratch(m.items);
    m.similarItems(item, scores);
    return topOf(scores, k, item);
  }

  private scratch(n: number): Float32Array {
    if (this.buf.length !== n) this.buf = new Float32Array(n);
    return this.buf;
  }
}

function topOf(scores: Float32Array, k: number, skip: number): Ranked {
  const heap = new TopK(k);
  for (let i = 0; i < scores.length; i++) if (i !== skip && scores[i] > -Infinity) heap.push(i, scores[i]);
  const items = new Int32Array(k);
  const out = new Float32Array(k);
  const n = heap.drain(items, out);
  return { items: items.slice(0, n), scores: out.slice(0, n) };
}

/** An unfitted recommender of the given kind; `params` are that kind's parameters. */
export function createRecommender(kind: string, params: Record<string, unknown> = {}): Recommender {
  return new Recommender(kind, params);
}
