/**
 * Small dense symmetric algebra on row-major Float64Array f×f matrices.
 * Hand-written because it is ~3× faster than ml-matrix for the f ≤ 256 solves
 * ALS and fold-in do thousands of times (see STACK-NOTES).
 */

/** f×f YᵀY of a row-major rows×f factor matrix (float64 accumulation). */
export function gramian(factors: Float32Array, rows: number, f: number): Float64Array {
  const g = new Float64Array(f * f);
  gramianInto(factors, rows, f, g);
  return g;
}

/** gramian() into a caller-owned buffer, so training reuses one allocation per run. */
export function gramianInto(factors: Float32Array, rows: number, f: number, g: Float64Array): void {
  g.fill(0);
  // four rows per pass: each g[a][b] is loaded and stored once per 4 rows instead of per row
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o0 = r * f;
    const o1 = o0 + f;
    const o2 = o1 + f;
    const o3 = o2 + f;
    for (let a = 0; a < f; a++) {
      const v0 = factors[o0 + a];
      const v1 = factors[o1 + a];
      const v2 = factors[o2 + a];
      const v3 = factors[o3 + a];
      const ga = a * f;
      for (let b = a; b < f; b++)
        g[ga + b] += v0 * factors[o0 + b] + v1 * factors[o1 + b] + v2 * factors[o2 + b] + v3 * factors[o3 + b];
    }
  }
  for (; r < rows; r++) {
    const off = r * f;
    for (let a = 0; a < f; a++) {
      const va = factors[off + a];
      const ga = a * f;
      for (let b = a; b < f; b++) g[ga + b] += va * factors[off + b];
    }
  }
  for (let a = 0; a < f; a++) for (let b = a + 1; b < f; b++) g[b * f + a] = g[a * f + b];
}

/**
 * In-place Cholesky A = L·Lᵀ of a symmetric positive-definite matrix; the lower
 * triangle of `a` becomes L (the upper triangle is left as is).
 * @returns false when a pivot is not positive (A not numerically SPD)
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const jn = j * n;
    let d = a[jn + j];
    for (let k = 0; k < j; k++) d -= a[jn + k] * a[jn + k];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[jn + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const in_ = i * n;
      let s = a[in_ + j];
      for (let k = 0; k < j; k++) s -= a[in_ + k] * a[jn + k];
      a[in_ + j] = s * inv;
    }
  }
  return true;
}

/** Solves L·Lᵀ·x = b given the factor from choleskyInPlace; b and x may alias. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const in_ = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[in_ + k] * x[k];
    x[i] = s / l[in_ + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
}

/**
 * Factors A in place, retrying with a growing diagonal jitter when A is only
 * semi-definite (λ = 0 with collinear factors). `backup` must hold a copy of A.
 */
export function choleskyRobust(a: Float64Array, n: number, backup: Float64Array): void {
  if (choleskyInPlace(a, n)) return;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += backup[i * n + i];
  let jitter = Math.max(1e-12, (1e-10 * trace) / n);
  for (let attempt = 0; attempt < 20; attempt++, jitter *= 10) {
    a.set(backup);
    for (let i = 0; i < n; i++) a[i * n + i] += jitter;
    if (choleskyInPlace(a, n)) return;
  }
  throw new Error('choleskyRobust: matrix is not positive definite');
}
