/**
 * Bounded top-k selection and dense dot products on typed arrays.
 * These sit on the serving hot path (top-20 over ~100k items), so nothing here
 * allocates after construction.
 */

/**
 * Keeps the k best (index, score) pairs seen so far in a min-heap whose root is
 * the current k-th best, so a candidate is rejected with one comparison.
 * Ties are broken deterministically: at equal score the lower index ranks higher.
 */
export class TopK {
  private readonly heapIndex: Int32Array;
  private readonly heapScore: Float64Array;
  private k: number;
  private n = 0;

  /** @param capacity the largest k this instance will ever be reset to */
  constructor(capacity: number) {
    if (!(capacity >= 0) || !Number.isInteger(capacity))
      throw new RangeError(`TopK capacity must be a non-negative integer, got ${capacity}`);
    this.heapIndex = new Int32Array(Math.max(1, capacity));
    this.heapScore = new Float64Array(Math.max(1, capacity));
    this.k = capacity;
  }

  /** Empties the heap and sets how many results to keep (≤ capacity). */
  reset(k: number): void {
    if (k > this.heapIndex.length || k < 0)
      throw new RangeError(`TopK k=${k} exceeds capacity ${this.heapIndex.length}`);
    this.k = k;
    this.n = 0;
  }

  get size(): number {
    return this.n;
  }

  /** score of the current k-th best, -Infinity while not full */
  get threshold(): number {
    return this.n < this.k || this.k === 0 ? (this.k === 0 ? Infinity : -Infinity) : this.heapScore[0];
  }

  /** Offers one candidate; NaN scores are ignored (they would poison the ordering). */
  push(index: number, score: number): void {
    if (Number.isNaN(score) || this.k === 0) return;
    const hs = this.heapScore;
    const hi = this.heapIndex;
    if (this.n < this.k) {
      // sift up
      let pos = this.n++;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        if (!worse(score, index, hs[parent], hi[parent])) break;
        hs[pos] = hs[parent];
        hi[pos] = hi[parent];
        pos = parent;
      }
      hs[pos] = score;
      hi[pos] = index;
      return;
    }
    // root is the worst kept; the candidate must beat it
    if (!worse(hs[0], hi[0], score, index)) return;
    this.siftDown(0, index, score, this.n);
  }

  /** Places (index, score) at `pos` and restores the heap over [0, n). */
  private siftDown(pos: number, index: number, score: number, n: number): void {
    const hs = this.heapScore;
    const hi = this.heapIndex;
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= n) break;
      let c = l;
      const r = l + 1;
      if (r < n && worse(hs[r], hi[r], hs[l], hi[l])) c = r;
      if (!worse(hs[c], hi[c], score, index)) break;
      hs[pos] = hs[c];
      hi[pos] = hi[c];
      pos = c;
    }
    hs[pos] = score;
    hi[pos] = index;
  }

  /**
   * writes results best-first, returns count. Empties the heap (reset is
   * implicit; the same k stays in force).
   */
  drain(outIndex: Int32Array, outScore: Float32Array): number {
    const count = this.n;
    const hs = this.heapScore;
    const hi = this.heapIndex;
    // repeatedly pop the worst into the tail: result comes out best-first
    for (let end = count - 1; end >= 0; end--) {
      const wi = hi[0];
      const ws = hs[0];
      if (end > 0) this.siftDown(0, hi[end], hs[end], end);
      if (end < outIndex.length) outIndex[end] = wi;
      if (end < outScore.length) outScore[end] = ws;
    }
    this.n = 0;
    return Math.min(count, outIndex.length, outScore.length);
  }
}

/** True when (sa, ia) ranks below (sb, ib): lower score, or equal score and higher index. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

/** Dot product of a[aOff..aOff+f) and b[bOff..bOff+f), 4-way unrolled so V8 keeps four independent accumulators. */
export function dot(a: Float32Array, aOff: number, b: Float32Array, bOff: number, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  const f4 = f - (f & 3);
  for (; k < f4; k += 4) {
    s0 += a[aOff + k] * b[bOff + k];
    s1 += a[aOff + k + 1] * b[bOff + k + 1];
    s2 += a[aOff + k + 2] * b[bOff + k + 2];
    s3 += a[aOff + k + 3] * b[bOff + k + 3];
  }
  for (; k < f; k++) s0 += a[aOff + k] * b[bOff + k];
  return s0 + s1 + s2 + s3;
}

/** out[i] = user · items[i*f .. i*f+f) for every row of the row-major item matrix. */
export function scoreAll(user: Float32Array, items: Float32Array, f: number, out: Float32Array): void {
  const n = Math.min(out.length, Math.floor(items.length / f));
  const f4 = f - (f & 3);
  for (let i = 0; i < n; i++) {
    const off = i * f;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let k = 0;
    for (; k < f4; k += 4) {
      s0 += user[k] * items[off + k];
      s1 += user[k + 1] * items[off + k + 1];
      s2 += user[k + 2] * items[off + k + 2];
      s3 += user[k + 3] * items[off + k + 3];
    }
    for (; k < f; k++) s0 += user[k] * items[off + k];
    out[i] = s0 + s1 + s2 + s3;
  }
}
