/**
 * EASE (shared/math/ease.ts): a user's scores are their history row × B, so
 * stored users and new users are scored the same way (fold-in for free, no
 * solve); a score is explained by the history items whose rows of B carry it;
 * similar items come from B's columns (−P's partial correlations, scaled per
 * column). Binary histories only (Steck's setting): the artifact's seen CSR
 * carries no weights, so a loaded model scores exactly like the fitted one.
 * Offered up to EASE_MAX_ITEMS items (n² memory, n³ fit; docs/quality.md).
 */
import type { Csr } from '../../math/csr';
import {
  DEFAULT_EASE_PARAMS,
  EASE_MAX_ITEMS,
  type EaseModel,
  type EaseParams,
  easeWeight,
  scoreEase,
  type SparseRows,
  trainEase,
  transposeRows,
} from '../../math/ease';
import { topContributions } from '../../math/foldin';
import { CorruptModelError } from '../errors';
import type { Model } from '../types';
import type { Capabilities, DataStats, FittedModel, History, KindArtifact, KindSpec, UserScorer } from './kind';

const CAPABILITIES: Capabilities = {
  personalized: true,
  foldIn: true,
  similarItems: true,
  explain: true,
  ratings: false,
};

export const EASE_DENSE_FILE = 'ease_weights.f32';
const SPARSE_FILES = ['ease_indptr.i32', 'ease_indices.i32', 'ease_values.f32'] as const;

/** λ centred on 5 × the mean number of users per item (250 on ML-100K's 45). */
export function easeLambdaFor(stats: DataStats): number {
  return Number(Math.max(1, (5 * stats.interactions) / Math.max(1, stats.items)).toPrecision(3));
}

function paramsOf(p: Record<string, unknown>, stats: DataStats): EaseParams {
  const lambda = typeof p.lambda === 'number' ? p.lambda : easeLambdaFor(stats);
  const pruneTop = typeof p.pruneTop === 'number' ? p.pruneTop : 0;
  const dropout = typeof p.dropout === 'number' ? p.dropout : 0;
  return { ...DEFAULT_EASE_PARAMS, lambda, pruneTop, dropout, binary: true };
}

export class FittedEase implements FittedModel {
  readonly kind = 'ease';
  readonly capabilities = CAPABILITIES;
  readonly users: number;
  readonly items: number;
  /** A pruned model's columns of B (for `similar`), built once at load: read-only afterwards. */
  private readonly columns?: SparseRows;

  constructor(
    readonly model: EaseModel,
    private readonly seen: Csr,
    readonly params: Record<string, unknown>,
  ) {
    this.users = seen.rows;
    this.items = model.items;
    if (!model.weights) this.columns = transposeRows(model.sparse!, model.items);
  }

  /** B[i][j] (a pruned model's dropped entries are 0). */
  weight(i: number, j: number): number {
    return easeWeight(this.model, i, j);
  }

  private fromItems(itemIdx: ArrayLike<number>): UserScorer {
    return {
      scoreAll: (out) => scoreEase(this.model, itemIdx, null, out),
      score: (t) => {
        let s = 0;
        for (let q = 0; q < itemIdx.length; q++) if (itemIdx[q] < this.items) s += this.weight(itemIdx[q], t);
        return s;
      },
      explain: (target, limit) =>
        topContributions(
          itemIdx,
          Float64Array.from(itemIdx, (i) => (i < this.items ? this.weight(i, target) : 0)),
          limit,
        ),
    };
  }

  user(u: number, history?: History): UserScorer {
    if (history) return this.fromItems(history.itemIdx);
    return this.fromItems(this.seen.indices.subarray(this.seen.indptr[u], this.seen.indptr[u + 1]));
  }

  foldIn(history: History): UserScorer | null {
    return history.itemIdx.length > 0 ? this.fromItems(history.itemIdx) : null;
  }

  /** out[i] = B[i][item]: how strongly having i predicts `item`; the item itself is −∞. */
  similarItems(item: number, out: Float32Array): void {
    const n = this.items;
    const w = this.model.weights;
    if (w) for (let i = 0; i < n; i++) out[i] = w[i * n + item];
    else {
      // a dropped weight is 0, as in the dense model's column
      const c = this.columns!;
      out.fill(0, 0, n);
      for (let p = c.indptr[item]; p < c.indptr[item + 1]; p++) out[c.indices[p]] = c.values[p];
    }
    out[item] = -Infinity;
  }

  artifact(): KindArtifact {
    const sp = this.model.sparse;
    const parts = sp
      ? { [SPARSE_FILES[0]]: sp.indptr, [SPARSE_FILES[1]]: sp.indices, [SPARSE_FILES[2]]: sp.values }
      : { [EASE_DENSE_FILE]: this.model.weights! };
    return { factors: 0, parts };
  }
}

/** The binary seen CSR of an artifact (what EASE scores stored users from). */
export function seenCsr(model: Model): Csr {
  const n = model.seenIndices.length;
  return {
    rows: model.userIds.length,
    cols: model.itemIds.length,
    indptr: model.seenIndptr,
    indices: model.seenIndices,
    data: new Float32Array(n).fill(1),
  };
}

/** The EASE weights of an artifact, shape-checked; CorruptModelError when they do not fit. */
export function loadEaseModel(model: Model, params: EaseParams): EaseModel {
  const n = model.itemIds.length;
  const parts = model.parts ?? {};
  const dense = parts[EASE_DENSE_FILE];
  if (dense !== undefined) {
    if (!(dense instanceof Float32Array) || dense.length !== n * n)
      throw new CorruptModelError(`${model.manifest.kind}: ${EASE_DENSE_FILE} must hold ${n}² float32 values`);
    return { items: n, weights: dense, params };
  }
  const [ip, ix, iv] = SPARSE_FILES.map((f) => parts[f]);
  if (!(ip instanceof Int32Array) || !(ix instanceof Int32Array) || !(iv instanceof Float32Array))
    throw new CorruptModelError(
      `${model.manifest.kind}: the artifact has no EASE weights (${EASE_DENSE_FILE} or ${SPARSE_FILES.join(', ')})`,
    );
  const fits = ip.length === n + 1 && ix.length === iv.length && ip[0] === 0 && ip[n] === ix.length;
  if (!fits || ip.some((v, i) => i > 0 && v < ip[i - 1]) || !rowsAscending(ip, ix, n))
    throw new CorruptModelError(`${model.manifest.kind}: pruned EASE weights do not fit ${n} items`);
  // served as stored: n·m weights, never expanded to n²
  return { items: n, params, sparse: { indptr: ip, indices: ix, values: iv } };
}

/** Every row's columns strictly ascending and inside [0, n) (easeWeight's binary search needs it). */
function rowsAscending(ip: Int32Array, ix: Int32Array, n: number): boolean {
  for (let i = 0; i < n; i++)
    for (let p = ip[i]; p < ip[i + 1]; p++) {
      const j = ix[p];
      if (!(j >= 0 && j < n) || (p > ip[i] && j <= ix[p - 1])) return false;
    }
  return true;
}

export const ease: KindSpec = {
  kind: 'ease',
  description: `EASE item-item autoencoder (closed form): personalized, fold-in, similar items, explanations; ≤ ${EASE_MAX_ITEMS} items`,
  capabilities: CAPABILITIES,
  defaults: (s) => ({ lambda: easeLambdaFor(s), pruneTop: 0 }),
  searchSpace: (s) => {
    const c = easeLambdaFor(s);
    return { lambda: { type: 'float', min: c / 4, max: c * 4, log: true } };
  },
  infeasible: (s) =>
    s.items > EASE_MAX_ITEMS
      ? `${s.items} items is above EASE's ${EASE_MAX_ITEMS}-item limit (n² memory, n³ fit)`
      : null,
  fit(data, params) {
    const stats = { users: data.ui.rows, items: data.ui.cols, interactions: data.ui.indptr[data.ui.rows] };
    const p = paramsOf(params, stats);
    return new FittedEase(trainEase(data.ui, p), data.ui, { ...params, ...p });
  },
  load(model) {
    const hp = model.manifest.hyperParameters;
    const stats = { users: model.userIds.length, items: model.itemIds.length, interactions: model.seenIndices.length };
    return new FittedEase(loadEaseModel(model, paramsOf(hp, stats)), seenCsr(model), hp);
  },
};
