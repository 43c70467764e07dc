/**
 * A 2-D map of a model's item factors for the status page: the projection on
 * the two principal axes (eigenvectors of the f × f covariance, ml-matrix) of
 * the unit-length item vectors — similar items are cosine neighbours, so
 * direction, not length (which tracks popularity), is what the map shows.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface MapPoint {
  itemId: string;
  x: number;
  y: number;
}

/** Items beyond this are sampled evenly (a map of 100k dots says no more than one of 2k). */
export const MAP_MAX_POINTS = 2000;

/**
 * Principal-axis coordinates of `items` rows of `factors` (row-major items × f),
 * or null when the model has fewer than two factors. Share of variance the
 * two axes explain comes back too (it says how faithful the picture is).
 */
export function projectItems(
  itemIds: string[],
  factors: Float32Array,
  f: number,
  max = MAP_MAX_POINTS,
): { points: MapPoint[]; explained: number } | null {
  const n = itemIds.length;
  if (f < 2 || n < 3 || factors.length < n * f) return null;
  const m = Math.min(n, max);
  const rows = Array.from({ length: m }, (_, k) => Math.floor((k * n) / m));
  const x = new Matrix(m, f);
  rows.forEach((r, i) => {
    let norm = 0;
    for (let j = 0; j < f; j++) norm += factors[r * f + j] ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < f; j++) x.set(i, j, factors[r * f + j] * inv);
  });
  const mean = x.mean('column');
  x.subRowVector(mean);
  const cov = x
    .transpose()
    .mmul(x)
    .div(Math.max(1, m - 1));
  const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const total = values.reduce((s, v) => s + Math.max(0, v), 0);
  const axes = evd.eigenvectorMatrix.subMatrixColumn([order[0][1], order[1][1]]);
  // a deterministic orientation: the largest loading of each axis is positive
  for (let c = 0; c < 2; c++) {
    const col = axes.getColumn(c);
    const big = col.reduce((b, v, i) => (Math.abs(v) > Math.abs(col[b]) ? i : b), 0);
    if (col[big] < 0)
      axes.setColumn(
        c,
        col.map((v) => -v),
      );
  }
  const xy = x.mmul(axes);
  const points = rows.map((r, i) => ({ itemId: itemIds[r], x: xy.get(i, 0), y: xy.get(i, 1) }));
  return { points, explained: total > 0 ? (Math.max(0, order[0][0]) + Math.max(0, order[1][0])) / total : 0 };
}
