/**
 * User-fold validation (issue 16, sessions 21–22): one 75/25 label split of the training data is held out
 * for one K-th of the users at a time. Fold k fits on everything except the label rows of fold k's users
 * (≈ 1 − 0.25/K of the data) and is scored on those users alone, so every user is scored once, by a fit that
 * did not see their labels. The item side is thus fitted on nearly the refit's data and each scored user
 * keeps 75% of their rows, as in a test split. The 75/25 splits the tuner uses fit on 75% of the data, and on
 * ML-100K settings that win there lose at the refit's size (docs/quality.md, "Session 21"); user folds rank
 * candidates much as test does. Cost: K fits a candidate.
 */
import type { Csr } from './csr';
import { holdoutSplit } from './hpo';
import { evaluateRanking } from './metrics';
import { Rng } from './rng';

export interface UserFold {
  /** All of the data except fold k's users' label rows. */
  fit: Csr;
  /** Fold k's users' label rows only (every other row empty). */
  valid: Csr;
}

/** Rows of `a` for users with inFold[u] === 1, rows of `b` for the others (same shape). */
function mergeRows(a: Csr, b: Csr, inFold: Uint8Array): Csr {
  const pick = (u: number) => (inFold[u] === 1 ? a : b);
  const indptr = new Int32Array(a.rows + 1);
  for (let u = 0; u < a.rows; u++) indptr[u + 1] = indptr[u] + pick(u).indptr[u + 1] - pick(u).indptr[u];
  const indices = new Int32Array(indptr[a.rows]);
  const data = new Float32Array(indptr[a.rows]);
  for (let u = 0; u < a.rows; u++) {
    const m = pick(u);
    indices.set(m.indices.subarray(m.indptr[u], m.indptr[u + 1]), indptr[u]);
    data.set(m.data.subarray(m.indptr[u], m.indptr[u + 1]), indptr[u]);
  }
  return { rows: a.rows, cols: a.cols, indptr, indices, data };
}

/**
 * The K folds of one label split (holdoutSplit(ui, ratio, seed, by)); users are dealt to folds by a
 * shuffle seeded from `seed`, so one seed gives one set of folds.
 */
export function userFolds(
  ui: Csr,
  opts: { folds: number; seed: number; ratio?: number; by?: 'user' | 'item' },
): UserFold[] {
  const { fit, valid } = holdoutSplit(ui, opts.ratio ?? 0.75, opts.seed, opts.by ?? 'user');
  const perm = Int32Array.from({ length: ui.rows }, (_, u) => u);
  new Rng(1000 + opts.seed).shuffle(perm);
  const fold = new Uint8Array(ui.rows);
  perm.forEach((u, q) => {
    fold[u] = q % opts.folds;
  });
  const none: Csr = {
    rows: ui.rows,
    cols: ui.cols,
    indptr: new Int32Array(ui.rows + 1),
    indices: new Int32Array(0),
    data: new Float32Array(0),
  };
  return Array.from({ length: opts.folds }, (_, k) => {
    const inFold = fold.map((f) => (f === k ? 1 : 0));
    return { fit: mergeRows(fit, ui, inFold), valid: mergeRows(valid, none, inFold) };
  });
}

/**
 * Mean nDCG@k over every scored user of the folds (user-weighted, not a mean of fold means), for each of
 * several scorers at once: `scorers(q)` is called once per fold and returns that fold's scorers, so
 * what they were fitted on can be dropped before the next fold.
 */
export function userFoldNdcg(
  folds: readonly UserFold[],
  scorers: (fold: number) => ((u: number, out: Float32Array) => void)[],
  k = 10,
): number[] {
  let sums: number[] = [];
  let users = 0;
  folds.forEach((f, q) => {
    const rs = scorers(q).map((s) => evaluateRanking(f.fit, f.valid, s, k));
    if (sums.length === 0) sums = rs.map(() => 0);
    rs.forEach((r, i) => {
      sums[i] += r.ndcg * r.users;
    });
    users += rs[0]?.users ?? 0;
  });
  return sums.map((x) => (users > 0 ? x / users : 0));
}
