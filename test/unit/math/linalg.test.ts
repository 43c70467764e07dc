import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { choleskyInPlace, choleskySolve, gramian } from '../../../shared/math/linalg';
import { Rng } from '../../../shared/math/rng';

describe('linalg', () => {
  it('gramian equals the naive YᵀY for row counts not divisible by 4', () => {
    const rng = new Rng(2);
    for (const [rows, f] of [
      [1, 3],
      [7, 5],
      [10, 8],
    ]) {
      const y = new Float32Array(rows * f).map(() => rng.normal());
      const g = gramian(y, rows, f);
      for (let a = 0; a < f; a++)
        for (let b = 0; b < f; b++) {
          let s = 0;
          for (let r = 0; r < rows; r++) s += y[r * f + a] * y[r * f + b];
          expect(g[a * f + b]).toBeCloseTo(s, 9);
        }
    }
  });

  it('Cholesky solves an SPD system and rejects an indefinite one', () => {
    // A = [[4, 2], [2, 3]], x = [1, -2] → b = [0, -4]
    const a = Float64Array.from([4, 2, 2, 3]);
    expect(choleskyInPlace(a, 2)).toBe(true);
    const x = new Float64Array(2);
    choleskySolve(a, 2, [0, -4], x);
    expect(x[0]).toBeCloseTo(1, 12);
    expect(x[1]).toBeCloseTo(-2, 12);
    expect(choleskyInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toBe(false);
  });

  it('Cholesky factor and solution equal ml-matrix’s on SPD systems up to f = 64', () => {
    const rng = new Rng(5);
    for (const f of [1, 3, 8, 17, 64]) {
      // B·Bᵀ + I: SPD with a condition number like an ALS row system's
      const B = Matrix.from1DArray(
        f,
        f,
        Array.from({ length: f * f }, () => rng.normal()),
      );
      const A = B.mmul(B.transpose()).add(Matrix.eye(f));
      const b = Array.from({ length: f }, () => rng.normal());
      const a = Float64Array.from(A.to1DArray());
      expect(choleskyInPlace(a, f)).toBe(true);
      const ref = new CholeskyDecomposition(A);
      const L = ref.lowerTriangularMatrix;
      for (let i = 0; i < f; i++) for (let j = 0; j <= i; j++) expect(a[i * f + j]).toBeCloseTo(L.get(i, j), 9);
      const x = new Float64Array(f);
      choleskySolve(a, f, b, x);
      const want = ref.solve(Matrix.columnVector(b)).getColumn(0);
      for (let k = 0; k < f; k++) expect(x[k]).toBeCloseTo(want[k], 8);
    }
  });
});
