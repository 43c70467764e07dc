/**
 * Cosine neighbourhood kinds (shared/math/knn.ts). Item-kNN scores a user from
 * their history, Σ_j w_j·S[j,·] — so it folds any user in for free and
 * explains a score by the history items whose neighbour lists carry it.
 * User-kNN scores from the rows of the user's most similar users.
 */
import type { Csr } from '../../math/csr';
import { topContributions } from '../../math/foldin';
import { itemNeighbors, scoreItemKnn, scoreUserKnn, userNeighbors, type Neighbors } from '../../math/knn';
import { CorruptModelError } from '../errors';
import type { Model } from '../types';
import { num } from './factors';
import type { Capabilities, FittedModel, History, KindSpec, UserScorer } from './kind';

/** The training matrix of a fitted model, or the artifact's seen CSR (binary) for a loaded one. */
function seenOf(model: Model): Csr {
  const n = model.seenIndices.length;
  return {
    rows: model.userIds.length,
    cols: model.itemIds.length,
    indptr: model.seenIndptr,
    indices: model.seenIndices,
    data: new Float32Array(n).fill(1),
  };
}

function rowHistory(ui: Csr, u: number): History {
  const a = ui.indptr[u];
  const b = ui.indptr[u + 1];
  return { itemIdx: ui.indices.slice(a, b), weights: Float64Array.from(ui.data.subarray(a, b)) };
}

/** out.fill(-Infinity), then each neighbour's weight. */
function neighbourRow(nb: Neighbors, row: number, out: Float32Array): void {
  out.fill(-Infinity);
  for (let p = nb.indptr[row]; p < nb.indptr[row + 1]; p++) out[nb.indices[p]] = nb.weights[p];
}

function checkNeighbors(model: Model, rows: number): Neighbors {
  const nb = model.neighbors;
  if (!nb) throw new CorruptModelError(`${model.manifest.kind}: the artifact has no neighbour lists`);
  if (nb.indptr.length !== rows + 1)
    throw new CorruptModelError(
      `${model.manifest.kind}: neighbour lists for ${nb.indptr.length - 1} rows, expected ${rows}`,
    );
  return nb;
}

const ITEM_CAPS: Capabilities = { personalized: true, foldIn: true, similarItems: true, explain: true, ratings: false };

class FittedItemKnn implements FittedModel {
  readonly kind = 'item-knn';
  readonly capabilities = ITEM_CAPS;
  readonly users: number;
  readonly items: number;
  private readonly binary: boolean;

  constructor(
    private readonly nb: Neighbors,
    private readonly ui: Csr,
    readonly params: Record<string, unknown>,
  ) {
    this.users = ui.rows;
    this.items = ui.cols;
    this.binary = params.binary !== false;
  }

  private fromHistory(h: History): UserScorer {
    const nb = this.nb;
    const w = this.binary ? null : h.weights;
    return {
      scoreAll: (out) => scoreItemKnn(nb, h.itemIdx, w, out),
      score: (i) => {
        let s = 0;
        for (let q = 0; q < h.itemIdx.length; q++) s += (w ? w[q] : 1) * this.similarity(h.itemIdx[q], i);
        return s;
      },
      explain: (target, limit) => {
        const parts = Float64Array.from(h.itemIdx, (j, q) => (w ? w[q] : 1) * this.similarity(j, target));
        return topContributions(h.itemIdx, parts, limit);
      },
    };
  }

  /** S[j, i] from j's pruned list (0 when i is not among j's neighbours). */
  private similarity(j: number, i: number): number {
    const nb = this.nb;
    for (let p = nb.indptr[j]; p < nb.indptr[j + 1]; p++) if (nb.indices[p] === i) return nb.weights[p];
    return 0;
  }

  user(u: number, history?: History): UserScorer {
    return this.fromHistory(history ?? rowHistory(this.ui, u));
  }

  foldIn(history: History): UserScorer | null {
    return history.itemIdx.length > 0 ? this.fromHistory(history) : null;
  }

  similarItems(item: number, out: Float32Array): void {
    neighbourRow(this.nb, item, out);
  }

  artifact() {
    return { factors: 0, neighbors: this.nb };
  }
}

const USER_CAPS: Capabilities = {
  personalized: true,
  foldIn: false,
  similarItems: true,
  explain: false,
  ratings: false,
};

class FittedUserKnn implements FittedModel {
  readonly kind = 'user-knn';
  readonly capabilities = USER_CAPS;
  readonly users: number;
  readonly items: number;
  private itemNb: Neighbors | undefined;

  constructor(
    private readonly nb: Neighbors,
    private readonly ui: Csr,
    readonly params: Record<string, unknown>,
  ) {
    this.users = ui.rows;
    this.items = ui.cols;
  }

  user(u: number): UserScorer {
    const weighted = this.params.binary === false;
    let cache: Float32Array | undefined;
    const all = () => {
      if (!cache) {
        cache = new Float32Array(this.items);
        scoreUserKnn(this.nb, this.ui, u, cache, weighted);
      }
      return cache;
    };
    return { scoreAll: (out) => scoreUserKnn(this.nb, this.ui, u, out, weighted), score: (i) => all()[i] };
  }

  /** User-kNN has no item model: item co-occurrence cosine, computed on first use and kept. */
  similarItems(item: number, out: Float32Array): void {
    this.itemNb ??= itemNeighbors(this.ui, { k: 100 });
    neighbourRow(this.itemNb, item, out);
  }

  artifact() {
    return { factors: 0, neighbors: this.nb };
  }
}

const knnSpace = (values: number[]) => ({
  k: { type: 'choice' as const, values },
  shrinkage: { type: 'choice' as const, values: [0, 10, 50] },
});

export const itemKnn: KindSpec = {
  kind: 'item-knn',
  description: 'item-item cosine neighbours: personalized, fold-in, similar items, explanations',
  capabilities: ITEM_CAPS,
  defaults: () => ({ k: 100 }),
  searchSpace: () => knnSpace([25, 50, 100, 200]),
  fit(data, params) {
    const p: Record<string, unknown> = { k: 100, ...params };
    return new FittedItemKnn(
      itemNeighbors(data.ui, { k: num(p, 'k', 100), shrinkage: num(p, 'shrinkage', 0), binary: p.binary !== false }),
      data.ui,
      p,
    );
  },
  load(model) {
    return new FittedItemKnn(
      checkNeighbors(model, model.itemIds.length),
      seenOf(model),
      model.manifest.hyperParameters,
    );
  },
};

export const userKnn: KindSpec = {
  kind: 'user-knn',
  description: 'user-user cosine neighbours: personalized, similar items by co-occurrence',
  capabilities: USER_CAPS,
  defaults: () => ({ k: 50 }),
  searchSpace: () => knnSpace([20, 50, 100]),
  fit(data, params) {
    const p: Record<string, unknown> = { k: 50, ...params };
    return new FittedUserKnn(
      userNeighbors(data.ui, { k: num(p, 'k', 50), shrinkage: num(p, 'shrinkage', 0), binary: p.binary !== false }),
      data.ui,
      p,
    );
  },
  load(model) {
    return new FittedUserKnn(
      checkNeighbors(model, model.userIds.length),
      seenOf(model),
      model.manifest.hyperParameters,
    );
  },
};
