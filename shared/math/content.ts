/**
 * Kind-independent metadata scoring for items nobody has interacted with yet.
 * Items are bags of token ids (categories, properties: shared/metadata); a token
 * weighs its inverse document frequency, so a category every item carries says
 * little and a rare one much.
 *
 * Two scorers:
 * - **transfer**: the user's own scores of the model's items, averaged per token
 *   (m_t = mean score of the items carrying t), give a new item the IDF-weighted
 *   mean of m_t over its tokens. The result is in the kind's score units (a convex
 *   combination of its scores), so a new item can be ranked among model items
 *   under any kind that scores items — EASE, kNN, MF, blend — with no artifact state.
 * - **content**: TF-IDF cosine between the user's profile (the summed token
 *   vectors of their history items) and the item's token vector; the classic
 *   content-based baseline, used where no kind's score exists to transfer.
 */

/** Token ids per item: bag of item i is indices[indptr[i] .. indptr[i + 1]). */
export interface Bags {
  indptr: Int32Array;
  indices: Int32Array;
}

/** idf_t = ln((1 + n) / (1 + df_t)) + 1 over n items (scikit-learn's smoothed form: never 0). */
export function inverseDocumentFrequency(bags: Bags, tokens: number): Float32Array {
  const n = bags.indptr.length - 1;
  const df = new Float64Array(tokens);
  for (let q = 0; q < bags.indptr[n]; q++) df[bags.indices[q]]++;
  return Float32Array.from(df, (d) => Math.log((1 + n) / (1 + d)) + 1);
}

/** Per-token means of a score vector over the items carrying each token. */
export interface TokenMeans {
  /** m_t (NaN where no item with a finite score carries t). */
  mean: Float64Array;
  /** Mean over every item with a finite score (the user's baseline). */
  overall: number;
}

/** m_t from scores[i] of items 0..n-1 (the bags' first n rows); non-finite scores are left out. */
export function tokenMeans(bags: Bags, tokens: number, scores: ArrayLike<number>, n: number): TokenMeans {
  const sum = new Float64Array(tokens);
  const count = new Float64Array(tokens);
  let all = 0;
  let items = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (!Number.isFinite(s)) continue;
    all += s;
    items++;
    for (let q = bags.indptr[i]; q < bags.indptr[i + 1]; q++) {
      sum[bags.indices[q]] += s;
      count[bags.indices[q]]++;
    }
  }
  const mean = Float64Array.from(sum, (s, t) => (count[t] > 0 ? s / count[t] : Number.NaN));
  return { mean, overall: items > 0 ? all / items : Number.NaN };
}

/** Σ idf_t m_t / Σ idf_t over the bag's tokens with a mean; NaN when none has one. */
export function transferScore(bag: ArrayLike<number>, idf: Float32Array, m: TokenMeans): number {
  let s = 0;
  let w = 0;
  for (let q = 0; q < bag.length; q++) {
    const t = bag[q];
    const x = m.mean[t];
    if (Number.isNaN(x)) continue;
    s += idf[t] * x;
    w += idf[t];
  }
  return w > 0 ? s / w : Number.NaN;
}

/**
 * The token of the bag whose items the user scores furthest above their
 * average (m_t − overall > 0), among those `eligible` lets through; -1 when none.
 */
export function strongestToken(bag: ArrayLike<number>, m: TokenMeans, eligible: (t: number) => boolean): number {
  let best = -1;
  let top = 0;
  for (let q = 0; q < bag.length; q++) {
    const t = bag[q];
    const d = m.mean[t] - m.overall;
    if (eligible(t) && d > top) {
      top = d;
      best = t;
    }
  }
  return best;
}

/**
 * The L2-normalized TF-IDF profile of a history: Σ_h w_h · idf_t over the
 * tokens of each history item h (weights default to 1). All zeros for an
 * empty history or one without tokens.
 */
export function contentProfile(
  bags: Bags,
  idf: Float32Array,
  items: ArrayLike<number>,
  weights?: ArrayLike<number>,
): Float32Array {
  const p = new Float32Array(idf.length);
  for (let q = 0; q < items.length; q++) {
    const i = items[q];
    const w = weights ? weights[q] : 1;
    for (let r = bags.indptr[i]; r < bags.indptr[i + 1]; r++) p[bags.indices[r]] += w * idf[bags.indices[r]];
  }
  let n = 0;
  for (let t = 0; t < p.length; t++) n += p[t] * p[t];
  if (n > 0) {
    const inv = 1 / Math.sqrt(n);
    for (let t = 0; t < p.length; t++) p[t] *= inv;
  }
  return p;
}

/** cos(profile, tf-idf vector of the bag); 0 for a bag without tokens. */
export function contentCosine(profile: Float32Array, bag: ArrayLike<number>, idf: Float32Array): number {
  let s = 0;
  let n = 0;
  for (let q = 0; q < bag.length; q++) {
    const t = bag[q];
    s += profile[t] * idf[t];
    n += idf[t] * idf[t];
  }
  return n > 0 ? s / Math.sqrt(n) : 0;
}

/** The token of the bag carrying the largest share of its cosine with a profile (p_t · idf_t > 0); -1 when none. */
export function strongestShare(
  profile: Float32Array,
  bag: ArrayLike<number>,
  idf: Float32Array,
  eligible: (t: number) => boolean,
): number {
  let best = -1;
  let top = 0;
  for (let q = 0; q < bag.length; q++) {
    const t = bag[q];
    const s = profile[t] * idf[t];
    if (eligible(t) && s > top) {
      top = s;
      best = t;
    }
  }
  return best;
}

/**
 * The least-squares line y ≈ a + b·x over the first n pairs with a finite y:
 * how a kind's scores follow content similarity, so a content cosine can be put
 * in the kind's units. b is kept positive (at least 1e-6 of y's spread) so the
 * mapped values keep the cosines' order even where content does not predict y.
 */
export function scaleFit(x: ArrayLike<number>, y: ArrayLike<number>, n: number): { a: number; b: number } {
  let m = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++)
    if (Number.isFinite(y[i])) {
      m++;
      sx += x[i];
      sy += y[i];
    }
  if (m === 0) return { a: 0, b: 1 };
  const mx = sx / m;
  const my = sy / m;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++)
    if (Number.isFinite(y[i])) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) ** 2;
      syy += (y[i] - my) ** 2;
    }
  const floor = 1e-6 * Math.max(Math.sqrt(syy / m), 1e-12);
  const b = sxx > 0 ? Math.max(sxy / sxx, floor) : floor;
  return { a: my - b * mx, b };
}

/**
 * Per-token weights w_t = p_t · idf_t of a profile: a row's cosine with the profile
 * is then Σ_{t ∈ row} w_t / ‖row‖ ({@link rowCosineWith}), with no per-row work but its tokens.
 */
export function profileWeights(profile: Float32Array, idf: Float32Array): Float32Array {
  return Float32Array.from(profile, (p, t) => p * idf[t]);
}

/** cos(profile, row r of `bags`) from {@link profileWeights} and the row's tf-idf norm (0 for an empty row). */
export function rowCosineWith(bags: Bags, r: number, w: Float32Array, norm: number): number {
  if (!(norm > 0)) return 0;
  let s = 0;
  for (let q = bags.indptr[r]; q < bags.indptr[r + 1]; q++) s += w[bags.indices[q]];
  return s / norm;
}

/** {@link scaleFit} of y on the cosines of rows 0..n-1 with a profile, in one pass and no array of cosines. */
export function cosineLine(
  bags: Bags,
  norms: Float32Array,
  w: Float32Array,
  y: ArrayLike<number>,
  n: number,
): { a: number; b: number } {
  let m = 0;
  let sx = 0;
  let sy = 0;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) continue;
    const x = rowCosineWith(bags, i, w, norms[i]);
    m++;
    sx += x;
    sy += v;
    sxy += x * v;
    sxx += x * x;
    syy += v * v;
  }
  if (m === 0) return { a: 0, b: 1 };
  const mx = sx / m;
  const my = sy / m;
  const cxy = sxy / m - mx * my;
  const cxx = sxx / m - mx * mx;
  const floor = 1e-6 * Math.max(Math.sqrt(Math.max(0, syy / m - my * my)), 1e-12);
  const b = cxx > 1e-15 ? Math.max(cxy / cxx, floor) : floor;
  return { a: my - b * mx, b };
}
