/**
 * Neighbourhood collaborative filtering with cosine similarity, pruned to the
 * top-k neighbours per row and stored as CSR (the layout models keep in memory).
 * Item-kNN scores like implicit's ItemItemRecommender: score(u,·) = Σ_{j∈I_u} r_uj·S[j,·].
 */
import { transpose, type Csr } from './csr';
import { TopK } from './topk';

export interface Neighbors {
  indptr: Int32Array;
  indices: Int32Array;
  weights: Float32Array;
}

export interface KnnOptions {
  /** Neighbours kept per row. */
  k: number;
  /** sim = dot / (‖a‖‖b‖ + shrinkage): damps similarities built on few co-occurrences. */
  shrinkage?: number;
  /** Treat every stored value as 1 (default true: implicit data). */
  binary?: boolean;
}

/**
 * Cosine similarity between the rows of `m`, top-k per row (self excluded),
 * neighbours sorted by similarity descending. Cost Σ_col nnz(col)² multiply-adds.
 */
export function cosineNeighbors(m: Csr, opts: KnnOptions): Neighbors {
  const { k } = opts;
  const shrink = opts.shrinkage ?? 0;
  const binary = opts.binary ?? true;
  const t = transpose(m);
  const val = (x: number) => (binary ? 1 : x);
  const norms = new Float64Array(m.rows);
  for (let a = 0; a < m.rows; a++) {
    let s = 0;
    for (let q = m.indptr[a]; q < m.indptr[a + 1]; q++) s += val(m.data[q]) ** 2;
    norms[a] = Math.sqrt(s);
  }
  const acc = new Float64Array(m.rows);
  const touched = new Int32Array(m.rows);
  const mark = new Uint8Array(m.rows);
  const heap = new TopK(k);
  const oi = new Int32Array(k);
  const os = new Float32Array(k);
  const indptr = new Int32Array(m.rows + 1);
  const indices = new Int32Array(m.rows * k);
  const weights = new Float32Array(m.rows * k);
  let w = 0;
  for (let a = 0; a < m.rows; a++) {
    let nt = 0;
    for (let q = m.indptr[a]; q < m.indptr[a + 1]; q++) {
      const c = m.indices[q];
      const va = val(m.data[q]);
      for (let p = t.indptr[c]; p < t.indptr[c + 1]; p++) {
        const b = t.indices[p];
        if (b === a) continue;
        if (!mark[b]) {
          mark[b] = 1;
          touched[nt++] = b;
        }
        acc[b] += va * val(t.data[p]);
      }
    }
    heap.reset(k);
    for (let x = 0; x < nt; x++) {
      const b = touched[x];
      const denom = norms[a] * norms[b] + shrink;
      if (denom > 0) heap.push(b, acc[b] / denom);
      acc[b] = 0;
      mark[b] = 0;
    }
    const n = heap.drain(oi, os);
    indptr[a] = w;
    for (let x = 0; x < n; x++) {
      indices[w] = oi[x];
      weights[w] = os[x];
      w++;
    }
  }
  indptr[m.rows] = w;
  return { indptr, indices: indices.slice(0, w), weights: weights.slice(0, w) };
}

/** Item-kNN neighbours: cosine over item columns of a users × items matrix. */
export function itemNeighbors(ui: Csr, opts: KnnOptions): Neighbors {
  return cosineNeighbors(transpose(ui), opts);
}

/** User-kNN neighbours: cosine over user rows of a users × items matrix. */
export function userNeighbors(ui: Csr, opts: KnnOptions): Neighbors {
  return cosineNeighbors(ui, opts);
}

/**
 * Item-kNN scores for one user: out[i] = Σ_{j∈history} w_j·sim(j, i) over j's
 * pruned neighbour list. `binary` ignores the history weights.
 */
export function scoreItemKnn(
  nb: Neighbors,
  historyItems: ArrayLike<number>,
  historyWeights: ArrayLike<number> | null,
  out: Float32Array,
): void {
  out.fill(0);
  for (let q = 0; q < historyItems.length; q++) {
    const j = historyItems[q];
    const wj = historyWeights ? historyWeights[q] : 1;
    for (let p = nb.indptr[j]; p < nb.indptr[j + 1]; p++) out[nb.indices[p]] += wj * nb.weights[p];
  }
}

/** User-kNN scores for user u: out[i] = Σ_{v∈N(u)} sim(u, v)·r_vi (r binary unless `weighted`). */
export function scoreUserKnn(nb: Neighbors, ui: Csr, user: number, out: Float32Array, weighted = false): void {
  out.fill(0);
  for (let p = nb.indptr[user]; p < nb.indptr[user + 1]; p++) {
    const v = nb.indices[p];
    const s = nb.weights[p];
    for (let q = ui.indptr[v]; q < ui.indptr[v + 1]; q++) out[ui.indices[q]] += weighted ? s * ui.data[q] : s;
  }
}
