/**
 * Diversity re-ranking of a candidate pool: Maximal Marginal Relevance
 * (Carbonell & Goldstein 1998) and a per-category cap. The pool is already
 * filtered (serving selects it with the request's filters, a few times k),
 * so whatever this returns is a subset of it, in the order it should be shown.
 *
 * MMR picks, one slot at a time, the candidate maximising
 *   (1 − λ) · relevance − λ · max similarity to the items already picked,
 * with relevance min-max scaled to [0, 1] over the pool (model scores have no
 * common scale across kinds, so λ would otherwise mean something else per model).
 * λ = 0 is the plain top-k; λ = 1 picks the most relevant item first, then
 * always the one least like what is already shown.
 */

/** Similarity of every pool candidate to one pool candidate (a row of the pool's similarity matrix). */
export interface PoolSimilarity {
  /** out[c] = similarity of candidate c to candidate `p` (positions in the pool). */
  row(p: number, out: Float64Array): void;
  /** One entry, equal to row(a)[b], when it is cheap alone (MMR then evaluates lazily). */
  pair?(a: number, b: number): number;
}

export interface RerankOptions {
  /** λ in [0, 1]: 0 = relevance only. */
  diversity?: number;
  /** At most this many picked items share a category (an item in several counts for each). */
  maxPerCategory?: number;
  /** Categories of a pool candidate (by pool position); needed for maxPerCategory. */
  categoriesOf?: (p: number) => readonly string[];
}

/**
 * Re-ranks a pool given best-first with its relevance scores; returns the
 * picked pool positions in show order (at most k). Ties go to the earlier
 * pool position, so λ = 0 without a cap returns exactly the first k.
 * With a cap, a candidate is skipped while any of its categories is full;
 * items without categories are never capped. When every item has one
 * category, the answer has min(k, Σ_c min(cap, n_c) + uncategorised) items.
 */
export function rerank(
  relevance: ArrayLike<number>,
  k: number,
  sim: PoolSimilarity | null,
  opts: RerankOptions = {},
): number[] {
  const n = relevance.length;
  const lambda = clamp01(opts.diversity ?? 0);
  const cap = opts.maxPerCategory;
  if (cap !== undefined && !opts.categoriesOf) throw new Error('rerank: maxPerCategory needs categoriesOf');
  const rel = scaled(relevance);
  if (lambda > 0 && sim?.pair) return lazyMmr(rel, k, lambda, sim.pair, cap, opts.categoriesOf);
  const maxSim = new Float64Array(n).fill(0);
  const row = new Float64Array(n);
  const taken = new Uint8Array(n);
  const perCategory = new Map<string, number>();
  const useSim = lambda > 0 && sim !== null;
  const out: number[] = [];
  while (out.length < k) {
    let best = -1;
    let bestValue = -Infinity;
    for (let c = 0; c < n; c++) {
      if (taken[c]) continue;
      const v = useSim ? (1 - lambda) * rel[c] - lambda * maxSim[c] : rel[c];
      // strict >: an equal value keeps the earlier (more relevant) candidate
      if (v > bestValue && (cap === undefined || fits(opts.categoriesOf!(c), perCategory, cap))) {
        best = c;
        bestValue = v;
      }
    }
    if (best < 0) break;
    taken[best] = 1;
    out.push(best);
    if (cap !== undefined)
      for (const g of new Set(opts.categoriesOf!(best))) perCategory.set(g, (perCategory.get(g) ?? 0) + 1);
    if (useSim && out.length < k) {
      sim.row(best, row);
      for (let c = 0; c < n; c++) if (!taken[c] && row[c] > maxSim[c]) maxSim[c] = row[c];
    }
  }
  return out;
}

/**
 * MMR by lazy greedy, with the eager loop's exact answer: a candidate's value
 * only falls as items are picked (its largest similarity to them only grows),
 * so a stale value is an upper bound. Candidates wait in a heap by (value,
 * position); the top is brought up to date with the items picked since it was
 * last scored and, if it stays on top, picked. Far fewer similarities are
 * computed than k full rows, since a candidate rarely surfaces more than a few times.
 */
function lazyMmr(
  rel: Float64Array,
  k: number,
  lambda: number,
  pair: (a: number, b: number) => number,
  cap: number | undefined,
  categoriesOf: ((p: number) => readonly string[]) | undefined,
): number[] {
  const n = rel.length;
  const value = new Float64Array(n);
  const maxSim = new Float64Array(n);
  const upTo = new Int32Array(n);
  const heap = new Int32Array(n);
  // a before b: higher value, then the earlier position (the eager loop's tie rule)
  const before = (a: number, b: number) => value[a] > value[b] || (value[a] === value[b] && a < b);
  let size = 0;
  const push = (c: number) => {
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(c, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = c;
  };
  const pop = () => {
    const top = heap[0];
    const last = heap[--size];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && before(heap[child + 1], heap[child])) child++;
      if (!before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    if (size > 0) heap[i] = last;
    return top;
  };
  for (let c = 0; c < n; c++) {
    value[c] = (1 - lambda) * rel[c];
    push(c);
  }
  const perCategory = new Map<string, number>();
  const out: number[] = [];
  while (out.length < k && size > 0) {
    const c = pop();
    // categories only fill up: a candidate that does not fit now never will
    if (cap !== undefined && !fits(categoriesOf!(c), perCategory, cap)) continue;
    if (upTo[c] < out.length) {
      for (let t = upTo[c]; t < out.length; t++) {
        const x = pair(out[t], c);
        if (x > maxSim[c]) maxSim[c] = x;
      }
      upTo[c] = out.length;
      value[c] = (1 - lambda) * rel[c] - lambda * maxSim[c];
      push(c);
      continue;
    }
    out.push(c);
    if (cap !== undefined) for (const g of new Set(categoriesOf!(c))) perCategory.set(g, (perCategory.get(g) ?? 0) + 1);
  }
  return out;
}

function fits(categories: readonly string[], used: Map<string, number>, cap: number): boolean {
  for (const g of categories) if ((used.get(g) ?? 0) >= cap) return false;
  return true;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** Min-max scaling to [0, 1]; a constant pool scales to all 1 (nothing to prefer). Non-finite → 0. */
export function scaled(x: ArrayLike<number>): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let c = 0; c < x.length; c++) {
    const v = x[c];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float64Array(x.length);
  const span = hi - lo;
  for (let c = 0; c < x.length; c++) {
    const v = x[c];
    out[c] = !Number.isFinite(v) ? 0 : span > 0 ? (v - lo) / span : 1;
  }
  return out;
}

/**
 * Cosine similarity over item factors (items × f, row-major) between the pool's items.
 * The pool's rows are copied once, normalised and contiguous, so a row of the
 * similarity matrix is n dot products over adjacent memory. A zero vector is similar to nothing (0).
 */
export function cosineSimilarity(factors: Float32Array, f: number, pool: ArrayLike<number>): PoolSimilarity {
  const n = pool.length;
  const unit = new Float64Array(n * f);
  for (let c = 0; c < n; c++) {
    const o = pool[c] * f;
    let s = 0;
    for (let j = 0; j < f; j++) s += factors[o + j] * factors[o + j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < f; j++) unit[c * f + j] = factors[o + j] * inv;
  }
  const f4 = f - (f & 3);
  const dot = (p: number, c: number) => {
    const a = p * f;
    const b = c * f;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j < f4; j += 4) {
      s0 += unit[a + j] * unit[b + j];
      s1 += unit[a + j + 1] * unit[b + j + 1];
      s2 += unit[a + j + 2] * unit[b + j + 2];
      s3 += unit[a + j + 3] * unit[b + j + 3];
    }
    for (; j < f; j++) s0 += unit[a + j] * unit[b + j];
    return s0 + s1 + s2 + s3;
  };
  return {
    row(p, out) {
      for (let c = 0; c < n; c++) out[c] = dot(p, c);
    },
    pair: dot,
  };
}

/**
 * Similarity from a kind's similarItems (kNN, EASE, neural: no factors to take a cosine of).
 * Their scales differ by kind, so each row is divided by its largest value over the
 * pool: the pool item most like `p` counts 1, −Infinity (no relation) counts 0.
 */
export function similarItemsSimilarity(
  similarItems: (item: number, out: Float32Array) => void,
  items: number,
  pool: ArrayLike<number>,
): PoolSimilarity {
  const buf = new Float32Array(items);
  return {
    row(p, out) {
      similarItems(pool[p], buf);
      let hi = 0;
      for (let c = 0; c < pool.length; c++) {
        const v = buf[pool[c]];
        out[c] = Number.isFinite(v) ? v : 0;
        if (c !== p && out[c] > hi) hi = out[c];
      }
      for (let c = 0; c < pool.length; c++) out[c] = hi > 0 ? out[c] / hi : 0;
    },
  };
}

/** Jaccard similarity of the candidates' category sets (kinds with neither factors nor similar items). */
export function categorySimilarity(categoriesOf: (p: number) => readonly string[], n: number): PoolSimilarity {
  const sets = Array.from({ length: n }, (_, c) => new Set(categoriesOf(c)));
  return {
    row(p, out) {
      const a = sets[p];
      for (let c = 0; c < n; c++) out[c] = jaccard(a, sets[c]);
    },
  };
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Intra-list diversity: mean pairwise (1 − similarity) over a list given by pool positions. */
export function intraListDiversity(list: readonly number[], sim: PoolSimilarity, poolSize: number): number {
  if (list.length < 2) return 0;
  const row = new Float64Array(poolSize);
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < list.length; a++) {
    sim.row(list[a], row);
    for (let b = a + 1; b < list.length; b++) {
      sum += 1 - row[list[b]];
      pairs++;
    }
  }
  return sum / pairs;
}
