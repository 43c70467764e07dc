/** Compressed sparse row matrices: the one sparse layout every trainer reads. */

/** CSR matrix; row r's entries are indices/data[indptr[r] .. indptr[r+1]), columns ascending. */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}

/**
 * Builds a CSR matrix from coordinate triples. Duplicate (row, col) entries are
 * summed and column indices end up sorted within each row, so consumers can
 * binary-search rows and merge them linearly.
 */
export function csrFromTriples(
  rows: number,
  cols: number,
  rowIdx: ArrayLike<number>,
  colIdx: ArrayLike<number>,
  values: ArrayLike<number>,
): Csr {
  const n = rowIdx.length;
  if (colIdx.length !== n || values.length !== n)
    throw new RangeError('csrFromTriples: rowIdx, colIdx and values differ in length');
  // counting sort by row, then by column inside the row: O(nnz + rows + cols), no comparator sort
  const counts = new Int32Array(rows + 1);
  for (let t = 0; t < n; t++) {
    const r = rowIdx[t];
    const c = colIdx[t];
    if (!(r >= 0 && r < rows) || !(c >= 0 && c < cols))
      throw new RangeError(`csrFromTriples: entry ${t} (${r}, ${c}) outside ${rows}×${cols}`);
    counts[r + 1]++;
  }
  for (let r = 0; r < rows; r++) counts[r + 1] += counts[r];
  // bucket by column first (stable), then scatter by row: rows come out column-sorted
  const colCounts = new Int32Array(cols + 1);
  for (let t = 0; t < n; t++) colCounts[colIdx[t] + 1]++;
  for (let c = 0; c < cols; c++) colCounts[c + 1] += colCounts[c];
  const byCol = new Int32Array(n);
  for (let t = 0; t < n; t++) byCol[colCounts[colIdx[t]]++] = t;
  const next = counts.slice(0, rows);
  const order = new Int32Array(n);
  for (let q = 0; q < n; q++) {
    const t = byCol[q];
    order[next[rowIdx[t]]++] = t;
  }
  // merge duplicates (now adjacent)
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(n);
  const data = new Float32Array(n);
  let w = 0;
  for (let r = 0; r < rows; r++) {
    indptr[r] = w;
    const start = w;
    for (let q = counts[r]; q < counts[r + 1]; q++) {
      const t = order[q];
      const c = colIdx[t];
      if (w > start && indices[w - 1] === c) data[w - 1] += values[t];
      else {
        indices[w] = c;
        data[w] = values[t];
        w++;
      }
    }
  }
  indptr[rows] = w;
  return { rows, cols, indptr, indices: indices.slice(0, w), data: data.slice(0, w) };
}

/** Transpose (CSR of the transpose, i.e. the CSC view of m); rows of the result are sorted. */
export function transpose(m: Csr): Csr {
  const nnz = m.indptr[m.rows];
  const indptr = new Int32Array(m.cols + 1);
  for (let q = 0; q < nnz; q++) indptr[m.indices[q] + 1]++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1] += indptr[c];
  const next = indptr.slice(0, m.cols);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  // walking rows in order keeps the new rows sorted by original row index
  for (let r = 0; r < m.rows; r++) {
    for (let q = m.indptr[r]; q < m.indptr[r + 1]; q++) {
      const p = next[m.indices[q]]++;
      indices[p] = r;
      data[p] = m.data[q];
    }
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, data };
}

/** Number of stored entries. */
export function nnz(m: Csr): number {
  return m.indptr[m.rows];
}

/** Value at (r, c) by binary search in row r; 0 when absent. */
export function csrGet(m: Csr, r: number, c: number): number {
  let lo = m.indptr[r];
  let hi = m.indptr[r + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = m.indices[mid];
    if (v === c) return m.data[mid];
    if (v < c) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** Copy of m keeping only entries where keep(row, col, value) is true. */
export function csrFilter(m: Csr, keep: (row: number, col: number, value: number) => boolean): Csr {
  const indptr = new Int32Array(m.rows + 1);
  const indices = new Int32Array(nnz(m));
  const data = new Float32Array(nnz(m));
  let w = 0;
  for (let r = 0; r < m.rows; r++) {
    indptr[r] = w;
    for (let q = m.indptr[r]; q < m.indptr[r + 1]; q++) {
      if (keep(r, m.indices[q], m.data[q])) {
        indices[w] = m.indices[q];
        data[w] = m.data[q];
        w++;
      }
    }
  }
  indptr[m.rows] = w;
  return { rows: m.rows, cols: m.cols, indptr, indices: indices.slice(0, w), data: data.slice(0, w) };
}
