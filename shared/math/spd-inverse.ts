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

/** out[m] = x0·y_m and out[4 + m] = x1·y_m over k ∈ [k0, k1): two rows against four, each load used twice. */
export type Dot2x4 = (
  a: Float64Array,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  y2: number,
  y3: number,
  k0: number,
  k1: number,
  out: Float64Array,
) => void;

/** The inner kernels the phases call (JS by default; shared/math/wasm/ease-kernels.ts has WebAssembly ones). */
export interface SpdKernels {
  dot4: Dot4;
  dot2x4: Dot2x4;
}

/** The JS {@link Dot2x4}. */
export function jsDot2x4(
  a: Float64Array,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  y2: number,
  y3: number,
  k0: number,
  k1: number,
  out: Float64Array,
): void {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  let q0 = 0;
  let q1 = 0;
  let q2 = 0;
  let q3 = 0;
  for (let k = k0; k < k1; k++) {
    const u = a[x0 + k];
    const v = a[x1 + k];
    const w0 = a[y0 + k];
    const w1 = a[y1 + k];
    const w2 = a[y2 + k];
    const w3 = a[y3 + k];
    p0 += u * w0;
    p1 += u * w1;
    p2 += u * w2;
    p3 += u * w3;
    q0 += v * w0;
    q1 += v * w1;
    q2 += v * w2;
    q3 += v * w3;
  }
  out[0] = p0;
  out[1] = p1;
  out[2] = p2;
  out[3] = p3;
  out[4] = q0;
  out[5] = q1;
  out[6] = q2;
  out[7] = q3;
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

export const JS_KERNELS: SpdKernels = { dot4: jsDot4, dot2x4: jsDot2x4 };

/**
 * Left-looking blocked Cholesky: for a block of columns [j0, j1), first the block's
 * own rows, then every row below against the block's rows (which stay in cache).
 * @returns false when a pivot is not positive
 */
/** L[i][j + m] for m < 4 from the prefix sums s[at + m] (k < j0) plus the in-block tail k ∈ [j0, j + m). */
function finishFactorGroup(
  a: Float64Array,
  n: number,
  d: Float64Array,
  io: number,
  j: number,
  j0: number,
  s: Float64Array,
  at: number,
): void {
  for (let m = 0; m < 4; m++) {
    const jo = (j + m) * n;
    let t = s[at + m];
    for (let q = j0; q < j + m; q++) t += a[io + q] * a[jo + q];
    a[io + j + m] = (a[io + j + m] - t) / d[j + m];
  }
}

function cholesky(a: Float64Array, n: number, d: Float64Array, k: SpdKernels): boolean {
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
    // every later row against the block: L[i][j] = (A[i][j] − Σ_{k<j} L[i][k]·L[j][k]) / L[j][j].
    // The shared prefix k < j0 (independent of the block's own columns) for two rows and four block rows at
    // a time, then each row's in-block tail in order.
    const s = new Float64Array(8);
    let i = j1;
    for (; i + 1 < n; i += 2) {
      const io = i * n;
      let j = j0;
      for (; j + 4 <= j1; j += 4) {
        k.dot2x4(a, io, io + n, j * n, (j + 1) * n, (j + 2) * n, (j + 3) * n, 0, j0, s);
        finishFactorGroup(a, n, d, io, j, j0, s, 0);
        finishFactorGroup(a, n, d, io + n, j, j0, s, 4);
      }
      for (let jj = j; jj < j1; jj++) a[io + jj] = (a[io + jj] - prefixDot(a, n, i, jj)) / d[jj];
      for (let jj = j; jj < j1; jj++) a[io + n + jj] = (a[io + n + jj] - prefixDot(a, n, i + 1, jj)) / d[jj];
    }
    for (; i < n; i++) {
      const io = i * n;
      let j = j0;
      for (; j + 4 <= j1; j += 4) {
        k.dot4(a, io, j * n, (j + 1) * n, (j + 2) * n, (j + 3) * n, 0, j0, s);
        finishFactorGroup(a, n, d, io, j, j0, s, 0);
      }
      for (; j < j1; j++) a[io + j] = (a[io + j] - prefixDot(a, n, i, j)) / d[j];
    }
  }
  return true;
}

/** Rows j ∈ [j0, j1) of U = L⁻ᵀ: U[j][i] = (δ_ij − Σ_{j≤k<i} L[i][k]·U[j][k]) / d[i], for i ≥ j. */
function invertFactorRows(a: Float64Array, n: number, d: Float64Array, j0: number, j1: number, k: SpdKernels): void {
  for (let j = j0; j < j1; j++) {
    const jo = j * n;
    a[jo + j] = 1 / d[j];
  }
  const s = new Float64Array(8);
  let i = j0 + 1;
  for (; i < n && i < j1; i++) factorInverseRow(a, n, d, j0, Math.min(j1, i), i, k.dot4, s);
  // past the block every row sees all of it: rows i and i + 1 share k ∈ [j + 3, i); row i + 1 then
  // adds k = i, the U[j + m][i] row i has just written
  for (; i + 1 < n; i += 2) {
    const io = i * n;
    const io1 = io + n;
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      const o0 = j * n;
      k.dot2x4(a, io, io1, o0, o0 + n, o0 + 2 * n, o0 + 3 * n, j + 3, i, s);
      for (let m = 0; m < 4; m++) {
        const om = o0 + m * n;
        let t = s[m];
        for (let q = j + m; q < j + 3; q++) t += a[io + q] * a[om + q];
        a[om + i] = -t / d[i];
      }
      for (let m = 0; m < 4; m++) {
        const om = o0 + m * n;
        let t = s[4 + m] + a[io1 + i] * a[om + i];
        for (let q = j + m; q < j + 3; q++) t += a[io1 + q] * a[om + q];
        a[om + i + 1] = -t / d[i + 1];
      }
    }
    factorInverseTail(a, n, d, j, j1, i);
    factorInverseTail(a, n, d, j, j1, i + 1);
  }
  if (i < n) factorInverseRow(a, n, d, j0, j1, i, k.dot4, s);
}

/** Row i's entries U[j][i] for j ∈ [j0, jEnd): four U rows share k ∈ [j + 3, i), each adds its head [j + m, j + 3). */
function factorInverseRow(
  a: Float64Array,
  n: number,
  d: Float64Array,
  j0: number,
  jEnd: number,
  i: number,
  dot4: Dot4,
  s: Float64Array,
): void {
  const io = i * n;
  let j = j0;
  for (; j + 4 <= jEnd; j += 4) {
    const o0 = j * n;
    dot4(a, io, o0, o0 + n, o0 + 2 * n, o0 + 3 * n, j + 3, i, s);
    for (let m = 0; m < 4; m++) {
      const om = o0 + m * n;
      let t = s[m];
      for (let q = j + m; q < j + 3; q++) t += a[io + q] * a[om + q];
      a[om + i] = -t / d[i];
    }
  }
  factorInverseTail(a, n, d, j, jEnd, i);
}

/** U[j][i] one j at a time, for the < 4 rows of a block that do not fill a group. */
function factorInverseTail(a: Float64Array, n: number, d: Float64Array, jFrom: number, jEnd: number, i: number): void {
  const io = i * n;
  for (let j = jFrom; j < jEnd; j++) {
    const jo = j * n;
    let s0 = 0;
    let s1 = 0;
    let q = j;
    for (; q + 2 <= i; q += 2) {
      s0 += a[io + q] * a[jo + q];
      s1 += a[io + q + 1] * a[jo + q + 1];
    }
    if (q < i) s0 += a[io + q] * a[jo + q];
    a[jo + i] = -(s0 + s1) / d[i];
  }
}

/** Rows a ∈ [a0, a1) of P = UᵀU over U, in place (see the file comment for why this is safe). */
function productRows(a: Float64Array, n: number, a0: number, a1: number, k: SpdKernels): void {
  const vals = new Float64Array(a1 - a0);
  const next = new Float64Array(a1 - a0);
  const s = new Float64Array(8);
  let b = a0;
  for (; b < n && b < a1; b++) productStep(a, n, a0, a1, b, k.dot4, s, vals);
  // past the block every row r < a1 ≤ b takes part: steps b and b + 1 share k ∈ [b + 1, n), step b adds
  // k = b. Step b writes column b, which step b + 1 never reads.
  for (; b + 1 < n; b += 2) {
    const bo = b * n;
    let r = a0;
    for (; r + 4 <= a1; r += 4) {
      const ro = r * n;
      k.dot2x4(a, bo, bo + n, ro, ro + n, ro + 2 * n, ro + 3 * n, b + 1, n, s);
      for (let m = 0; m < 4; m++) {
        vals[r + m - a0] = s[m] + a[bo + b] * a[ro + m * n + b];
        next[r + m - a0] = s[4 + m];
      }
    }
    for (; r < a1; r++) {
      vals[r - a0] = rowDot(a, r * n, bo, b, n);
      next[r - a0] = rowDot(a, r * n, bo + n, b + 1, n);
    }
    for (let r = a0; r < a1; r++) {
      a[r * n + b] = vals[r - a0];
      a[r * n + b + 1] = next[r - a0];
    }
  }
  if (b < n) productStep(a, n, a0, a1, b, k.dot4, s, vals);
}

/** Σ_{k∈[from, n)} a[x+k]·a[y+k], two accumulators. */
function rowDot(a: Float64Array, x: number, y: number, from: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let q = from;
  for (; q + 2 <= n; q += 2) {
    s0 += a[x + q] * a[y + q];
    s1 += a[x + q + 1] * a[y + q + 1];
  }
  if (q < n) s0 += a[x + q] * a[y + q];
  return s0 + s1;
}

/** One step b: P[r][b] for the block's rows r ≤ b, summing over k ∈ [b, n), four rows at a time. */
function productStep(
  a: Float64Array,
  n: number,
  a0: number,
  a1: number,
  b: number,
  dot4: Dot4,
  s: Float64Array,
  vals: Float64Array,
): void {
  const bo = b * n;
  let r = a0;
  for (; r + 4 <= a1 && r + 3 <= b; r += 4) {
    dot4(a, bo, r * n, (r + 1) * n, (r + 2) * n, (r + 3) * n, b, n, s);
    for (let m = 0; m < 4; m++) vals[r + m - a0] = s[m];
  }
  for (; r < a1 && r <= b; r++) vals[r - a0] = rowDot(a, r * n, bo, b, n);
  // write after all reads of this step: P[r][b] overwrites U[r][b], which row b ≥ r still needed above
  for (let r = a0; r < a1 && r <= b; r++) a[r * n + b] = vals[r - a0];
}

/**
 * Replaces the SPD matrix `a` (n×n, row-major, both triangles) by its inverse;
 * `kernels` are the inner loops (WebAssembly ones need `a` in their memory).
 * @returns false when `a` is not numerically positive definite (then `a` is garbage)
 */
export function invertSpdInPlace(a: Float64Array, n: number, kernels: SpdKernels = JS_KERNELS): boolean {
  if (a.length < n * n) throw new RangeError('invertSpdInPlace: buffer smaller than n×n');
  const d = new Float64Array(n);
  if (!cholesky(a, n, d, kernels)) return false;
  for (let j0 = 0; j0 < n; j0 += BLOCK) invertFactorRows(a, n, d, j0, Math.min(n, j0 + BLOCK), kernels);
  for (let r0 = 0; r0 < n; r0 += BLOCK) productRows(a, n, r0, Math.min(n, r0 + BLOCK), kernels);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i];
  return true;
}
