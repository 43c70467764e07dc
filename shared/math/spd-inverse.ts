/**
 * In-place inverse of a dense symmetric positive-definite matrix through its
 * Cholesky factor, in one n×n Float64Array (EASE's (XᵀX + λI)⁻¹). Memory is
 * the matrix itself plus O(n): at n = 10k that is 800 MB instead of 2.4 GB.
 *
 * Three phases, all over contiguous row segments (row-major):
 *  1. A = L·Lᵀ, L in the strict lower triangle, its diagonal in `d`;
 *  2. U = L⁻ᵀ (row j of U is column j of L⁻¹) into the upper triangle, diagonal
 *     included, by forward substitution against L's rows;
 *  3. A⁻¹ = Uᵀ·U… written as P[a][b] = Σ_{k≥b} U[a][k]·U[b][k] (b ≥ a), in place
 *     over U: row a's entries at positions < b are no longer needed when P[a][b]
 *     is written. Then mirrored into the lower triangle.
 * Each phase works on BLOCK rows at once so a streamed row is read once per block
 * instead of once per row: the matrix does not fit in cache above n ≈ 500.
 */

const BLOCK = 32;

/**
 * out[m] = Σ_{k∈[k0,k1)} a[x+k]·a[y_m+k] for four rows y_0..y_3 (element offsets
 * into `a`): the loop all three phases spend their n³ multiply-adds in. The JS
 * one is below; shared/math/wasm/ease-kernels.ts provides a WebAssembly one.
 */
export type Dot4 = (
  a: Float64Array,
  x: number,
  y0: number,
  y1: number,
  y2: number,
  y3: number,
  k0: number,
  k1: number,
  out: Float64Array,
) => void;

/** Σ_{k<j} a[i][k]·a[j][k]: the dot product of two row prefixes, four accumulators. */
function prefixDot(a: Float64Array, n: number, i: number, j: number): number {
  const io = i * n;
  const jo = j * n;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 4 <= j; k += 4) {
    s0 += a[io + k] * a[jo + k];
    s1 += a[io + k + 1] * a[jo + k + 1];
    s2 += a[io + k + 2] * a[jo + k + 2];
    s3 += a[io + k + 3] * a[jo + k + 3];
  }
  for (; k < j; k++) s0 += a[io + k] * a[jo + k];
  return s0 + s1 + s2 + s3;
}

/** The JS {@link Dot4}: each element of row x is loaded once for four products. */
export function jsDot4(
  a: Float64Array,
  x: number,
  y0: number,
  y1: number,
  y2: number,
  y3: number,
  k0: number,
  k1: number,
  out: Float64Array,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let k = k0; k < k1; k++) {
    const v = a[x + k];
    s0 += v * a[y0 + k];
    s1 += v * a[y1 + k];
    s2 += v * a[y2 + k];
    s3 += v * a[y3 + k];
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/**
 * Left-looking blocked Cholesky: for a block of columns [j0, j1), first the block's
 * own rows, then every row below against the block's rows (which stay in cache).
 * @returns false when a pivot is not positive
 */
function cholesky(a: Float64Array, n: number, d: Float64Array, dot4: Dot4): boolean {
  for (let j0 = 0; j0 < n; j0 += BLOCK) {
    const j1 = Math.min(n, j0 + BLOCK);
    // the diagonal block, column by column
    for (let j = j0; j < j1; j++) {
      const jo = j * n;
      for (let c = j0; c < j; c++) a[jo + c] = (a[jo + c] - prefixDot(a, n, j, c)) / d[c];
      let s = a[jo + j];
      for (let k = 0; k < j; k++) s -= a[jo + k] * a[jo + k];
      if (!(s > 0)) return false;
      d[j] = Math.sqrt(s);
    }
    // every later row against the block: L[i][j] = (A[i][j] − Σ_{k<j} L[i][k]·L[j][k]) / L[j][j]
    // the shared prefix k < j0 four block rows at a time, then the in-block tail in order
    const s = new Float64Array(4);
    for (let i = j1; i < n; i++) {
      const io = i * n;
      let j = j0;
      for (; j + 4 <= j1; j += 4) {
        dot4(a, io, j * n, (j + 1) * n, (j + 2) * n, (j + 3) * n, 0, j0, s);
        for (let m = 0; m < 4; m++) {
          const jo = (j + m) * n;
          let t = s[m];
          for (let k = j0; k < j + m; k++) t += a[io + k] * a[jo + k];
          a[io + j + m] = (a[io + j + m] - t) / d[j + m];
        }
      }
      for (; j < j1; j++) a[io + j] = (a[io + j] - prefixDot(a, n, i, j)) / d[j];
    }
  }
  return true;
}

/** Rows j ∈ [j0, j1) of U = L⁻ᵀ: U[j][i] = (δ_ij − Σ_{j≤k<i} L[i][k]·U[j][k]) / d[i], for i ≥ j. */
function invertFactorRows(a: Float64Array, n: number, d: Float64Array, j0: number, j1: number, dot4: Dot4): void {
  for (let j = j0; j < j1; j++) {
    const jo = j * n;
    a[jo + j] = 1 / d[j];
  }
  const s = new Float64Array(4);
  for (let i = j0 + 1; i < n; i++) {
    const io = i * n;
    const jEnd = Math.min(j1, i);
    let j = j0;
    // four U rows share k ∈ [j + 3, i); each adds its own head k ∈ [j + m, j + 3)
    for (; j + 4 <= jEnd; j += 4) {
      const o = [j * n, (j + 1) * n, (j + 2) * n, (j + 3) * n];
      dot4(a, io, o[0], o[1], o[2], o[3], j + 3, i, s);
      for (let m = 0; m < 4; m++) {
        let t = s[m];
        for (let k = j + m; k < j + 3; k++) t += a[io + k] * a[o[m] + k];
        a[o[m] + i] = -t / d[i];
      }
    }
    for (; j < jEnd; j++) {
      const jo = j * n;
      let s0 = 0;
      let s1 = 0;
      let k = j;
      for (; k + 2 <= i; k += 2) {
        s0 += a[io + k] * a[jo + k];
        s1 += a[io + k + 1] * a[jo + k + 1];
      }
      if (k < i) s0 += a[io + k] * a[jo + k];
      a[jo + i] = -(s0 + s1) / d[i];
    }
  }
}

/** Rows a ∈ [a0, a1) of P = UᵀU over U, in place (see the file comment for why this is safe). */
function productRows(a: Float64Array, n: number, a0: number, a1: number, dot4: Dot4): void {
  const vals = new Float64Array(a1 - a0);
  const s = new Float64Array(4);
  for (let b = a0; b < n; b++) {
    const bo = b * n;
    let r = a0;
    // rows r ≤ b all sum over k ∈ [b, n): four at a time against row b
    for (; r + 4 <= a1 && r + 3 <= b; r += 4) {
      dot4(a, bo, r * n, (r + 1) * n, (r + 2) * n, (r + 3) * n, b, n, s);
      for (let m = 0; m < 4; m++) vals[r + m - a0] = s[m];
    }
    for (; r < a1 && r <= b; r++) {
      const ro = r * n;
      let s0 = 0;
      let s1 = 0;
      let k = b;
      for (; k + 2 <= n; k += 2) {
        s0 += a[ro + k] * a[bo + k];
        s1 += a[ro + k + 1] * a[bo + k + 1];
      }
      if (k < n) s0 += a[ro + k] * a[bo + k];
      vals[r - a0] = s0 + s1;
    }
    // write after all reads of this step: P[r][b] overwrites U[r][b], which row b ≥ r still needed above
    for (let r = a0; r < a1 && r <= b; r++) a[r * n + b] = vals[r - a0];
  }
}

/**
 * Replaces the SPD matrix `a` (n×n, row-major, both triangles) by its inverse;
 * `dot4` is the inner kernel (a WebAssembly one needs `a` in its memory).
 * @returns false when `a` is not numerically positive definite (then `a` is garbage)
 */
export function invertSpdInPlace(a: Float64Array, n: number, dot4: Dot4 = jsDot4): boolean {
  if (a.length < n * n) throw new RangeError('invertSpdInPlace: buffer smaller than n×n');
  const d = new Float64Array(n);
  if (!cholesky(a, n, d, dot4)) return false;
  for (let j0 = 0; j0 < n; j0 += BLOCK) invertFactorRows(a, n, d, j0, Math.min(n, j0 + BLOCK), dot4);
  for (let r0 = 0; r0 < n; r0 += BLOCK) productRows(a, n, r0, Math.min(n, r0 + BLOCK), dot4);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i];
  return true;
}
