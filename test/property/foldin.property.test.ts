/**
 * Fold-in (serving's and the CLI's user step) is the ALS user step: for any
 * history and parameters, foldInUser, the Cholesky half-step and a converged
 * CG half-step give the same vector, and ml-matrix — an independent solver fed
 * the normal equations written out here — agrees with all three.
 */
import fc from 'fast-check';
import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { alsScratch, solveRowsCg, solveRowsCholesky } from '../../shared/math/als-step';
import { confidences } from '../../shared/math/confidence';
import { csrFromTriples } from '../../shared/math/csr';
import { foldInUser } from '../../shared/math/foldin';
import { gramian } from '../../shared/math/linalg';
import type { FoldInParams } from '../../shared/model/types';
import { FC } from './fc';

const problem = fc
  .record({ items: fc.integer({ min: 2, max: 12 }), f: fc.integer({ min: 1, max: 6 }) })
  .chain(({ items, f }) =>
    fc.record({
      items: fc.constant(items),
      f: fc.constant(f),
      Y: fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: items * f, maxLength: items * f }),
      history: fc.uniqueArray(fc.tuple(fc.nat(items - 1), fc.float({ min: Math.fround(0.1), max: 5, noNaN: true })), {
        minLength: 1,
        maxLength: items,
        selector: (t) => t[0],
      }),
      params: fc.record({
        regularization: fc.float({ min: Math.fround(0.05), max: 2, noNaN: true }),
        alpha: fc.float({ min: 0, max: 5, noNaN: true }),
        confidence: fc.constantFrom('linear' as const, 'log' as const),
        epsilon: fc.constantFrom(0.5, 1),
        unobservedWeight: fc.float({ min: 0, max: 1, noNaN: true }),
        regularizationExponent: fc.constantFrom(0, 0.5, 1),
      }),
    }),
  );

/** The user's normal equations written out from their definition, solved by ml-matrix. */
function oracle(Y: Float32Array, items: number, f: number, idx: number[], w: number[], p: FoldInParams): number[] {
  const yRow = (i: number) => Array.from(Y.subarray(i * f, i * f + f));
  const Ym = new Matrix(Array.from({ length: items }, (_, i) => yRow(i)));
  const a0 = p.unobservedWeight;
  const A = Ym.transpose().mmul(Ym).mul(a0);
  const b = Matrix.zeros(f, 1);
  idx.forEach((i, q) => {
    const c = p.confidence === 'log' ? 1 + p.alpha * Math.log1p(w[q] / p.epsilon) : 1 + p.alpha * w[q];
    const y = Matrix.columnVector(yRow(i));
    A.add(y.mmul(y.transpose()).mul(c - a0));
    b.add(y.clone().mul(c));
  });
  const lam = p.regularization * (idx.length + a0 * items) ** p.regularizationExponent;
  A.add(Matrix.eye(f).mul(lam));
  return solve(A, b).getColumn(0);
}

describe('fold-in is the ALS user step', () => {
  it('foldInUser = Cholesky half-step = converged CG half-step = ml-matrix on the written-out system', () => {
    fc.assert(
      fc.property(problem, ({ items, f, Y: y, history, params }) => {
        const Y = Float32Array.from(y);
        const yty = gramian(Y, items, f);
        const idx = history.map((h) => h[0]);
        const w = history.map((h) => Math.fround(h[1]));
        const want = oracle(Y, items, f, idx, w, params);
        const close = (got: ArrayLike<number>, what: string) => {
          const scale = 1 + Math.max(...want.map(Math.abs));
          for (let k = 0; k < f; k++) expect(Math.abs(got[k] - want[k]) / scale, `${what}[${k}]`).toBeLessThan(2e-4);
        };
        close(foldInUser(Y, f, yty, idx, w, params), 'foldInUser');

        const m = csrFromTriples(1, items, new Array(idx.length).fill(0), idx, w);
        const conf = confidences(m.data, params);
        const X = new Float32Array(f);
        solveRowsCholesky(m, conf, X, Y, yty, f, params, alsScratch(f));
        close(X, 'Cholesky');
        const Xcg = new Float32Array(f);
        // CG on an f×f SPD system converges in f steps in exact arithmetic; 4f covers rounding
        solveRowsCg(m, conf, Xcg, Y, yty, f, params, 4 * f, alsScratch(f));
        close(Xcg, 'CG');
      }),
      FC,
    );
  });
});
