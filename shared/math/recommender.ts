/**
 * One model interface for every kind (like benfred/implicit's RecommenderBase),
 * so the CLI, evaluation and tuning treat als, mf, item-knn, user-knn and
 * popular the same way. Indices are the dense user/item indices of the fitted
 * users × items matrix.
 */
import type { ModelKind } from '../model/types';
import type { Csr } from './csr';
import { DEFAULT_ALS_PARAMS, trainAls, type AlsModel, type AlsParams } from './als';
import { DEFAULT_MF_PARAMS, scoreUserMf, trainBiasedMf, type MfModel, type MfParams } from './mf';
import { itemNeighbors, scoreItemKnn, scoreUserKnn, userNeighbors, type KnnOptions, type Neighbors } from './knn';
import { popularityFromCsr } from './popularity';
import { TopK, scoreAll } from './topk';

export interface Ranked {
  items: Int32Array;
  scores: Float32Array;
}

export interface Recommender {
  readonly kind: ModelKind;
  /** Trains on a users × items matrix of interaction strengths (ratings for mf). */
  fit(ui: Csr): void;
  /** out[i] = score of item i for the user; higher is better. */
  scoreItems(user: number, out: Float32Array): void;
  /** Top-k items, best first; `excludeSeen` drops the user's training items. */
  recommend(user: number, k: number, excludeSeen?: boolean): Ranked;
  /** Top-k items most similar to `item` (itself excluded). */
  similarItems(item: number, k: number): Ranked;
}

abstract class Base implements Recommender {
  abstract readonly kind: ModelKind;
  protected ui: Csr | undefined;
  private buf = new Float32Array(0);

  abstract fit(ui: Csr): void;
  abstract scoreItems(user: number, out: Float32Array): void;
  /** out[j] = similarity of item j to `item`. */
  protected abstract itemSimilarities(item: number, out: Float32Array): void;

  protected matrix(): Csr {
    if (!this.ui) throw new Error(`${this.kind}: call fit() first`);
    return this.ui;
  }

  private scratch(n: number): Float32Array {
    if (this.buf.length !== n) this.buf = new Float32Array(n);
    return this.buf;
  }

  recommend(user: number, k: number, excludeSeen = true): Ranked {
    const ui = this.matrix();
    const scores = this.scratch(ui.cols);
    this.scoreItems(user, scores);
    if (excludeSeen && user < ui.rows)
      for (let q = ui.indptr[user]; q < ui.indptr[user + 1]; q++) scores[ui.indices[q]] = -Infinity;
    return topOf(scores, k, -1);
  }

  similarItems(item: number, k: number): Ranked {
    const scores = this.scratch(this.matrix().cols);
    this.itemSimilarities(item, scores);
    return topOf(scores, k, item);
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

/** Cosine between row `item` of a row-major factor matrix and every row. */
function factorCosine(Y: Float32Array, f: number, item: number, out: Float32Array): void {
  const q = Y.subarray(item * f, item * f + f);
  scoreAll(q, Y, f, out);
  let nq = 0;
  for (let k = 0; k < f; k++) nq += q[k] * q[k];
  nq = Math.sqrt(nq);
  for (let i = 0; i < out.length; i++) {
    let n = 0;
    for (let k = 0; k < f; k++) n += Y[i * f + k] ** 2;
    const d = nq * Math.sqrt(n);
    out[i] = d > 0 ? out[i] / d : 0;
  }
}

export class AlsRecommender extends Base {
  readonly kind = 'als' as const;
  model: AlsModel | undefined;
  readonly params: AlsParams;
  constructor(params: Partial<AlsParams> = {}) {
    super();
    this.params = { ...DEFAULT_ALS_PARAMS, ...params };
  }
  fit(ui: Csr): void {
    this.ui = ui;
    this.model = trainAls(ui, this.params);
  }
  scoreItems(user: number, out: Float32Array): void {
    const m = this.model!;
    const f = m.factors;
    scoreAll(m.userFactors.subarray(user * f, user * f + f), m.itemFactors, f, out);
  }
  protected itemSimilarities(item: number, out: Float32Array): void {
    factorCosine(this.model!.itemFactors, this.model!.factors, item, out);
  }
}

export class MfRecommender extends Base {
  readonly kind = 'mf' as const;
  model: MfModel | undefined;
  readonly params: MfParams;
  constructor(params: Partial<MfParams> = {}) {
    super();
    this.params = { ...DEFAULT_MF_PARAMS, ...params };
  }
  fit(ui: Csr): void {
    this.ui = ui;
    this.model = trainBiasedMf(ui, this.params);
  }
  /** Ranks by predicted rating (what an explicit model can offer for top-k). */
  scoreItems(user: number, out: Float32Array): void {
    scoreUserMf(this.model!, user, out);
  }
  protected itemSimilarities(item: number, out: Float32Array): void {
    factorCosine(this.model!.itemFactors, this.model!.factors, item, out);
  }
}

export class ItemKnnRecommender extends Base {
  readonly kind = 'item-knn' as const;
  neighbors: Neighbors | undefined;
  constructor(readonly options: KnnOptions = { k: 100 }) {
    super();
  }
  fit(ui: Csr): void {
    this.ui = ui;
    this.neighbors = itemNeighbors(ui, this.options);
  }
  scoreItems(user: number, out: Float32Array): void {
    const ui = this.matrix();
    const a = ui.indptr[user];
    const b = ui.indptr[user + 1];
    const binary = this.options.binary ?? true;
    scoreItemKnn(this.neighbors!, ui.indices.subarray(a, b), binary ? null : ui.data.subarray(a, b), out);
  }
  protected itemSimilarities(item: number, out: Float32Array): void {
    out.fill(-Infinity);
    const nb = this.neighbors!;
    for (let p = nb.indptr[item]; p < nb.indptr[item + 1]; p++) out[nb.indices[p]] = nb.weights[p];
  }
}

export class UserKnnRecommender extends Base {
  readonly kind = 'user-knn' as const;
  neighbors: Neighbors | undefined;
  private itemNb: Neighbors | undefined;
  constructor(readonly options: KnnOptions = { k: 50 }) {
    super();
  }
  fit(ui: Csr): void {
    this.ui = ui;
    this.neighbors = userNeighbors(ui, this.options);
    this.itemNb = undefined;
  }
  scoreItems(user: number, out: Float32Array): void {
    scoreUserKnn(this.neighbors!, this.matrix(), user, out, !(this.options.binary ?? true));
  }
  /** User-kNN has no item model; item co-occurrence cosine is computed on first use. */
  protected itemSimilarities(item: number, out: Float32Array): void {
    this.itemNb ??= itemNeighbors(this.matrix(), { k: 100 });
    out.fill(-Infinity);
    const nb = this.itemNb;
    for (let p = nb.indptr[item]; p < nb.indptr[item + 1]; p++) out[nb.indices[p]] = nb.weights[p];
  }
}

export class PopularRecommender extends Base {
  readonly kind = 'popular' as const;
  popularity: Float32Array = new Float32Array(0);
  fit(ui: Csr): void {
    this.ui = ui;
    this.popularity = popularityFromCsr(ui, true);
  }
  scoreItems(_user: number, out: Float32Array): void {
    out.set(this.popularity);
  }
  /** No similarity signal: the popular items stand in. */
  protected itemSimilarities(_item: number, out: Float32Array): void {
    out.set(this.popularity);
  }
}

/** Builds an unfitted recommender of the given kind; `params` are that kind's parameters. */
export function createRecommender(kind: ModelKind, params: Record<string, unknown> = {}): Recommender {
  switch (kind) {
    case 'als':
      return new AlsRecommender(params as Partial<AlsParams>);
    case 'mf':
      return new MfRecommender(params as Partial<MfParams>);
    case 'item-knn':
      return new ItemKnnRecommender({ k: 100, ...(params as Partial<KnnOptions>) });
    case 'user-knn':
      return new UserKnnRecommender({ k: 50, ...(params as Partial<KnnOptions>) });
    case 'popular':
      return new PopularRecommender();
  }
}
