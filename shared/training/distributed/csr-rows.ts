/**
 * Row operations on the compact CSRs the control steps hold for a sample of
 * users (never the run's interactions).
 */
import type { Csr } from '../../math/csr';

/** Each row's train and test parts merged (both sorted by item, disjoint): the users' pairs. */
export function union(a: Csr, b: Csr): Csr {
  const nnz = a.indptr[a.rows]! + b.indptr[b.rows]!;
  const indptr = new Int32Array(a.rows + 1);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  let o = 0;
  for (let r = 0; r < a.rows; r++) {
    let p = a.indptr[r]!;
    let q = b.indptr[r]!;
    const pe = a.indptr[r + 1]!;
    const qe = b.indptr[r + 1]!;
    while (p < pe || q < qe) {
      const fromA = q >= qe || (p < pe && a.indices[p]! < b.indices[q]!);
      indices[o] = fromA ? a.indices[p]! : b.indices[q]!;
      data[o++] = fromA ? a.data[p++]! : b.data[q++]!;
    }
    indptr[r + 1] = o;
  }
  return { rows: a.rows, cols: a.cols, indptr, indices, data };
}

/** The rows `rows` (ascending) of a CSR of row pointers and indices. */
export function csrRows(m: { indptr: Int32Array; indices: Int32Array }, rows: Int32Array) {
  const indptr = new Int32Array(rows.length + 1);
  for (let q = 0; q < rows.length; q++) indptr[q + 1] = indptr[q]! + m.indptr[rows[q]! + 1]! - m.indptr[rows[q]!]!;
  const indices = new Int32Array(indptr[rows.length]!);
  for (let q = 0; q < rows.length; q++)
    indices.set(m.indices.subarray(m.indptr[rows[q]!]!, m.indptr[rows[q]! + 1]!), indptr[q]);
  return { indptr, indices };
}
