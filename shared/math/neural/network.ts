/**
 * The neural model of Attune's design: z = [U_u; V_i; e(item tokens); e(user
 * tokens); dense], hidden h = σ(W·z + b) (one or more layers), output
 * logit = w·[z; h_last] + b₀ and P(click) = σ(logit). The output sees z
 * directly (the design's W1·[z; h]), so a linear score such as the ALS score in
 * the dense part passes through untouched while the hidden layer adds what is
 * non-linear. Token embeddings are mean-pooled over an item's categories /
 * properties and over a user's attributes. All parameters live in one
 * Float64Array so Adam, the gradient check and the codec see one vector.
 */

export interface NeuralSpec {
  users: number;
  items: number;
  /** Width of U_u and V_i (0 = no id factors). */
  factors: number;
  /** Vocabulary sizes of item tokens (categories, properties) and user tokens (attributes). */
  itemTokens: number;
  userTokens: number;
  /** Width of a token embedding. */
  embed: number;
  /** Number of dense features per (user, item) pair, supplied by the caller. */
  dense: number;
  /** Widths of the hidden layers (the design has one). */
  hidden: number[];
}

/** A bag of token ids per row (CSR without values): row r's tokens are indices[indptr[r] .. indptr[r+1]). */
export interface TokenBags {
  indptr: Int32Array;
  indices: Int32Array;
}

export interface Layout {
  U: number;
  V: number;
  C: number;
  A: number;
  /** Offsets of each hidden layer's weights (row-major out × in) and biases. */
  W: number[];
  B: number[];
  /** Output weights over [z; h_last] and the output bias. */
  out: number;
  outBias: number;
  /** Width of z and total parameter count. */
  z: number;
  size: number;
}

export function layoutOf(s: NeuralSpec): Layout {
  let o = 0;
  const U = o;
  o += s.users * s.factors;
  const V = o;
  o += s.items * s.factors;
  const C = o;
  o += s.itemTokens * s.embed;
  const A = o;
  o += s.userTokens * s.embed;
  const z = 2 * s.factors + 2 * s.embed + s.dense;
  const W: number[] = [];
  const B: number[] = [];
  let fanIn = z;
  for (const h of s.hidden) {
    W.push(o);
    o += h * fanIn;
    B.push(o);
    o += h;
    fanIn = h;
  }
  const out = o;
  o += z + (s.hidden.length ? fanIn : 0);
  const outBias = o;
  o += 1;
  return { U, V, C, A, W, B, out, outBias, z, size: o };
}

export interface Network {
  spec: NeuralSpec;
  layout: Layout;
  params: Float64Array;
}

/** What one example's forward pass needs: ids, token bags and the dense features. */
export interface Example {
  user: number;
  item: number;
  /** True for an item without factors (cold): V_i is replaced by zeros. */
  cold: boolean;
  dense: ArrayLike<number>;
}

/** Per-call scratch: activations kept by forward for backward. One per concurrent caller. */
export interface Workspace {
  z: Float64Array;
  acts: Float64Array[];
  deltas: Float64Array[];
  dz: Float64Array;
}

export function workspace(s: NeuralSpec): Workspace {
  const z = 2 * s.factors + 2 * s.embed + s.dense;
  return {
    z: new Float64Array(z),
    acts: s.hidden.map((h) => new Float64Array(h)),
    deltas: s.hidden.map((h) => new Float64Array(h)),
    dz: new Float64Array(z),
  };
}

export const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** Mean of the embedding rows of a bag's tokens into z[at .. at+e). */
function pool(
  p: Float64Array,
  table: number,
  e: number,
  bags: TokenBags | undefined,
  row: number,
  z: Float64Array,
  at: number,
) {
  z.fill(0, at, at + e);
  if (!bags || row < 0 || row + 1 >= bags.indptr.length) return;
  const a = bags.indptr[row];
  const b = bags.indptr[row + 1];
  if (a === b) return;
  const w = 1 / (b - a);
  for (let q = a; q < b; q++) {
    const off = table + bags.indices[q] * e;
    for (let k = 0; k < e; k++) z[at + k] += w * p[off + k];
  }
}

/** Returns the logit; ws keeps z and the hidden activations for {@link backward}. */
export function forward(
  net: Network,
  itemBags: TokenBags | undefined,
  userBags: TokenBags | undefined,
  x: Example,
  ws: Workspace,
): number {
  const { spec: s, layout: L, params: p } = net;
  const f = s.factors;
  const e = s.embed;
  const z = ws.z;
  const uo = L.U + x.user * f;
  for (let k = 0; k < f; k++) z[k] = p[uo + k];
  if (x.cold) z.fill(0, f, 2 * f);
  else {
    const vo = L.V + x.item * f;
    for (let k = 0; k < f; k++) z[f + k] = p[vo + k];
  }
  pool(p, L.C, e, itemBags, x.item, z, 2 * f);
  pool(p, L.A, e, userBags, x.user, z, 2 * f + e);
  const d0 = 2 * f + 2 * e;
  for (let k = 0; k < s.dense; k++) z[d0 + k] = x.dense[k];
  let input: Float64Array = z;
  // a cold item's V_i slots are zeros: layer 0 skips them (the metadata path's main saving)
  const skipFrom = x.cold ? f : 0;
  const skipTo = x.cold ? 2 * f : 0;
  for (let l = 0; l < s.hidden.length; l++) {
    const h = ws.acts[l];
    const n = input.length;
    const a0 = l ? 0 : skipFrom;
    const a1 = l ? 0 : skipTo;
    for (let j = 0; j < h.length; j++) {
      let a = p[L.B[l] + j];
      const wo = L.W[l] + j * n;
      for (let k = 0; k < a0; k++) a += p[wo + k] * input[k];
      for (let k = a1; k < n; k++) a += p[wo + k] * input[k];
      h[j] = sigmoid(a);
    }
    input = h;
  }
  let logit = p[L.outBias];
  for (let k = 0; k < L.z; k++) logit += p[L.out + k] * z[k];
  if (s.hidden.length) {
    const h = ws.acts[s.hidden.length - 1];
    for (let j = 0; j < h.length; j++) logit += p[L.out + L.z + j] * h[j];
  }
  return logit;
}

/**
 * Adds dLoss/dθ · g (g = dLoss/dlogit) into grad for the example whose forward
 * pass ws holds. `touch(table, row)` is told which embedding rows received a
 * gradient (so Adam can update only those rows).
 */
export function backward(
  net: Network,
  itemBags: TokenBags | undefined,
  userBags: TokenBags | undefined,
  x: Example,
  ws: Workspace,
  g: number,
  grad: Float64Array,
  touch?: (table: 'U' | 'V' | 'C' | 'A', row: number) => void,
): void {
  const { spec: s, layout: L, params: p } = net;
  const z = ws.z;
  const dz = ws.dz;
  grad[L.outBias] += g;
  for (let k = 0; k < L.z; k++) {
    grad[L.out + k] += g * z[k];
    dz[k] = g * p[L.out + k];
  }
  const nl = s.hidden.length;
  if (nl) {
    const h = ws.acts[nl - 1];
    const d = ws.deltas[nl - 1];
    for (let j = 0; j < h.length; j++) {
      grad[L.out + L.z + j] += g * h[j];
      d[j] = g * p[L.out + L.z + j] * h[j] * (1 - h[j]);
    }
    for (let l = nl - 1; l >= 0; l--) {
      const d = ws.deltas[l];
      const input = l ? ws.acts[l - 1] : z;
      const n = input.length;
      const dIn = l ? ws.deltas[l - 1] : null;
      if (dIn) dIn.fill(0);
      // cold: z's V_i slots are zero (no weight gradient) and V_i is not updated (no dz needed)
      const a0 = l || !x.cold ? n : s.factors;
      const a1 = l || !x.cold ? n : 2 * s.factors;
      for (let j = 0; j < d.length; j++) {
        const dj = d[j];
        grad[L.B[l] + j] += dj;
        const wo = L.W[l] + j * n;
        if (dIn) {
          for (let k = 0; k < n; k++) {
            grad[wo + k] += dj * input[k];
            dIn[k] += dj * p[wo + k];
          }
          continue;
        }
        for (let k = 0; k < a0; k++) {
          grad[wo + k] += dj * input[k];
          dz[k] += dj * p[wo + k];
        }
        for (let k = a1; k < n; k++) {
          grad[wo + k] += dj * input[k];
          dz[k] += dj * p[wo + k];
        }
      }
      if (dIn) {
        const hp = ws.acts[l - 1];
        for (let k = 0; k < dIn.length; k++) dIn[k] *= hp[k] * (1 - hp[k]);
      }
    }
  }
  const f = s.factors;
  const e = s.embed;
  if (f) {
    const uo = L.U + x.user * f;
    for (let k = 0; k < f; k++) grad[uo + k] += dz[k];
    touch?.('U', x.user);
    if (!x.cold) {
      const vo = L.V + x.item * f;
      for (let k = 0; k < f; k++) grad[vo + k] += dz[f + k];
      touch?.('V', x.item);
    }
  }
  if (e) {
    unpool(L.C, e, itemBags, x.item, dz, 2 * f, grad, (r) => touch?.('C', r));
    unpool(L.A, e, userBags, x.user, dz, 2 * f + e, grad, (r) => touch?.('A', r));
  }
}

function unpool(
  table: number,
  e: number,
  bags: TokenBags | undefined,
  row: number,
  dz: Float64Array,
  at: number,
  grad: Float64Array,
  touch: (r: number) => void,
) {
  if (!bags || row < 0 || row + 1 >= bags.indptr.length) return;
  const a = bags.indptr[row];
  const b = bags.indptr[row + 1];
  if (a === b) return;
  const w = 1 / (b - a);
  for (let q = a; q < b; q++) {
    const t = bags.indices[q];
    const off = table + t * e;
    for (let k = 0; k < e; k++) grad[off + k] += w * dz[at + k];
    touch(t);
  }
}
