/** CSR construction, transpose and filter against a dense matrix built the obvious way. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Csr, csrFilter, csrFromTriples, csrGet, nnz, transpose } from '../../shared/math/csr';
import { FC } from './fc';

type Triple = [number, number, number];

const problem: fc.Arbitrary<{ rows: number; cols: number; triples: Triple[] }> = fc
  .record({ rows: fc.integer({ min: 0, max: 9 }), cols: fc.integer({ min: 1, max: 9 }) })
  .chain(({ rows, cols }) =>
    fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      // small integers keep float32 sums exact, so the oracle can demand equality; few cells force duplicates
      triples:
        rows === 0
          ? fc.constant([])
          : fc.array(fc.tuple(fc.nat(rows - 1), fc.nat(cols - 1), fc.integer({ min: -4, max: 9 })), { maxLength: 40 }),
    }),
  );

function dense(rows: number, cols: number, triples: [number, number, number][]): { sum: number[][]; set: boolean[][] } {
  const sum = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  const set = Array.from({ length: rows }, () => new Array<boolean>(cols).fill(false));
  for (const [r, c, v] of triples) {
    sum[r][c] += v;
    set[r][c] = true;
  }
  return { sum, set };
}

/** Structure every consumer relies on: monotone indptr, strictly ascending columns in range. */
function wellFormed(m: Csr): void {
  expect(m.indptr.length).toBe(m.rows + 1);
  expect(m.indptr[0]).toBe(0);
  expect(m.indices.length).toBe(nnz(m));
  expect(m.data.length).toBe(nnz(m));
  for (let r = 0; r < m.rows; r++) {
    expect(m.indptr[r + 1]).toBeGreaterThanOrEqual(m.indptr[r]);
    for (let q = m.indptr[r]; q < m.indptr[r + 1]; q++) {
      expect(m.indices[q]).toBeGreaterThanOrEqual(0);
      expect(m.indices[q]).toBeLessThan(m.cols);
      if (q > m.indptr[r]) expect(m.indices[q]).toBeGreaterThan(m.indices[q - 1]);
    }
  }
}

function toDense(m: Csr): number[][] {
  return Array.from({ length: m.rows }, (_, r) => Array.from({ length: m.cols }, (_, c) => csrGet(m, r, c)));
}

describe('CSR', () => {
  it('csrFromTriples sums duplicates into one entry per touched cell, columns sorted', () => {
    fc.assert(
      fc.property(problem, ({ rows, cols, triples }) => {
        const m = csrFromTriples(
          rows,
          cols,
          triples.map((t) => t[0]),
          triples.map((t) => t[1]),
          triples.map((t) => t[2]),
        );
        wellFormed(m);
        const d = dense(rows, cols, triples);
        expect(toDense(m)).toEqual(d.sum);
        expect(nnz(m)).toBe(d.set.flat().filter(Boolean).length);
      }),
      FC,
    );
  });

  it('transpose is the dense transpose, and transposing twice gives the matrix back', () => {
    fc.assert(
      fc.property(problem, ({ rows, cols, triples }) => {
        const m = csrFromTriples(
          rows,
          cols,
          triples.map((t) => t[0]),
          triples.map((t) => t[1]),
          triples.map((t) => t[2]),
        );
        const t = transpose(m);
        wellFormed(t);
        const d = dense(rows, cols, triples).sum;
        expect(toDense(t)).toEqual(
          Array.from({ length: cols }, (_, c) => Array.from({ length: rows }, (_, r) => d[r][c])),
        );
        expect(transpose(t)).toEqual(m);
      }),
      FC,
    );
  });

  it('csrFilter keeps exactly the entries the predicate keeps', () => {
    fc.assert(
      fc.property(problem, fc.integer({ min: -4, max: 9 }), ({ rows, cols, triples }, cut) => {
        const m = csrFromTriples(
          rows,
          cols,
          triples.map((t) => t[0]),
          triples.map((t) => t[1]),
          triples.map((t) => t[2]),
        );
        const keep = (r: number, c: number, v: number) => v >= cut && (r + c) % 2 === 0;
        const k = csrFilter(m, keep);
        wellFormed(k);
        const d = dense(rows, cols, triples);
        const want = d.sum.map((row, r) => row.map((v, c) => (d.set[r][c] && keep(r, c, v) ? v : 0)));
        expect(toDense(k)).toEqual(want);
      }),
      FC,
    );
  });
});
