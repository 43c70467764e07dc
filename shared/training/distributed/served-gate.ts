/**
 * The large path's gate baseline: the served model itself, scored on this
 * run's holdout beside the candidate. The single path refits the served
 * configuration on the holdout's train part instead (gate.ts); here that would
 * be a second distributed loop.
 *
 * Like with like: both models are full fits (the candidate on today's pairs,
 * the served one on the pairs of its own run), so neither may use its stored
 * row of a holdout user — both would have seen that user's test pairs. Each
 * model folds the user in from their train part alone, with its own item
 * factors, and ranks the items; what stays shared is that both models' item
 * factors saw (most of) the test pairs, which raises both numbers and favours
 * neither. Items the served model does not know score nothing for it, as in
 * serving. Users are a seeded sample (at most {@link GATE_USERS}), the same
 * users for both, so the step costs two fold-ins and two scorings per sampled
 * user whatever the data's size.
 */
import { Rng } from '../../math/rng';
import type { Csr } from '../../math/csr';
import type { FittedModel } from '../../model/kinds';
import type { Holdout } from '../evaluate';
import { rankingMetrics } from '../evaluate';

/** Holdout users the gate scores at most. */
export const GATE_USERS = 5000;

/** The holdout with the test part cut to a seeded sample of at most `max` users (train part whole). */
export function sampleHoldout(h: Holdout, max: number, seed: number): Holdout {
  const eligible: number[] = [];
  for (let u = 0; u < h.test.rows; u++)
    if (h.test.indptr[u + 1]! > h.test.indptr[u]! && h.train.indptr[u + 1]! > h.train.indptr[u]!) eligible.push(u);
  if (eligible.length <= max) return h;
  const perm = Int32Array.from(eligible);
  new Rng(seed).shuffle(perm);
  const keep = new Uint8Array(h.test.rows);
  for (let q = 0; q < max; q++) keep[perm[q]!] = 1;
  const t = h.test;
  const indptr = new Int32Array(t.rows + 1);
  for (let u = 0; u < t.rows; u++) indptr[u + 1] = indptr[u]! + (keep[u] ? t.indptr[u + 1]! - t.indptr[u]! : 0);
  const indices = new Int32Array(indptr[t.rows]!);
  const data = new Float32Array(indptr[t.rows]!);
  for (let u = 0; u < t.rows; u++) {
    if (!keep[u]) continue;
    indices.set(t.indices.subarray(t.indptr[u], t.indptr[u + 1]), indptr[u]);
    data.set(t.data.subarray(t.indptr[u], t.indptr[u + 1]), indptr[u]);
  }
  const test: Csr = { rows: t.rows, cols: t.cols, indptr, indices, data };
  return { train: h.train, test, evalUsers: max, testRows: new Int32Array(0) };
}

/**
 * Ranking metrics@10 of a model whose users are folded in from the holdout's train part.
 * `itemIds` are the model's; `dataItemIds` the holdout's columns. Null when the model cannot fold in.
 */
export function foldInMetrics(
  model: FittedModel,
  itemIds: readonly string[],
  dataItemIds: readonly string[],
  h: Holdout,
): Record<string, number> | null {
  if (!model.capabilities.foldIn || !model.foldIn) return null;
  const index = new Map(itemIds.map((id, i) => [id, i]));
  // data column → the model's item (-1: the model does not know it)
  const toModel = Int32Array.from(dataItemIds, (id) => index.get(id) ?? -1);
  const own = new Float32Array(model.items);
  return rankingMetrics(h, (u, out) => {
    const idx: number[] = [];
    const w: number[] = [];
    for (let q = h.train.indptr[u]!; q < h.train.indptr[u + 1]!; q++) {
      const m = toModel[h.train.indices[q]!]!;
      if (m >= 0) idx.push(m), w.push(h.train.data[q]!);
    }
    const scorer = idx.length ? model.foldIn!({ itemIdx: Int32Array.from(idx), weights: Float64Array.from(w) }) : null;
    if (!scorer) return out.fill(-Infinity);
    scorer.scoreAll(own);
    for (let i = 0; i < out.length; i++) out[i] = toModel[i]! >= 0 ? own[toModel[i]!]! : -Infinity;
  });
}
