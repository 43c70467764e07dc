import { describe, expect, it } from 'vitest';
import { choleskyInPlace, choleskySolve, gramian } from '../../../shared/math/linalg';
import { Rng } from '../../../shared/math/rng';

describe('linalg', () => {
  it('gramian equals the naive YᵀY for row counts not divisible by 4', () => {
    const rng = new Rng(2);
    for (const [rows, f] of [[1, 3], [7, 5], [10, 8]]) {
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
});
