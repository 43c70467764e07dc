/**
 * Training loop of the neural model: seeded initialisation (U, V warm-started
 * from ALS factors when given), shuffled mini-batches, BCE with sampled
 * negatives for implicit data or MSE for ratings, lazy Adam. Work is planned
 * by counts (epochs × examples); the same seed gives the same network.
 */
import { Rng } from '../rng';
import { Adam } from './adam';
import { bce, bceGrad, mse, mseGrad } from './losses';
import {
  backward,
  forward,
  layoutOf,
  sigmoid,
  workspace,
  type Example,
  type Network,
  type NeuralSpec,
  type TokenBags,
} from './network';

export interface NeuralInputs {
  itemBags?: TokenBags;
  userBags?: TokenBags;
  /** Fills out[0 .. spec.dense) for the pair; `cold` says V_i is hidden (dropout or a new item). */
  dense?(user: number, item: number, cold: boolean, out: Float64Array): void;
}

export interface NeuralTrainOptions {
  loss: 'bce' | 'mse';
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 penalty on every parameter Adam updates. */
  l2: number;
  /** Sampled negatives per positive (bce only). */
  negatives: number;
  seed: number;
  /** false keeps U and V at their warm start (only the rest learns). */
  learnFactors: boolean;
  /** Probability that a training example hides V_i (and tells `dense` it is cold), so the metadata path learns. */
  itemDropout: number;
  /** Draws a negative item for a user; default: uniform over items. */
  sampleNegative?(user: number, rng: Rng): number;
  /** Called after each epoch with the mean training loss. */
  onEpoch?(epoch: number, loss: number, net: Network): void;
}

export const DEFAULT_NEURAL_TRAIN: NeuralTrainOptions = {
  loss: 'bce',
  epochs: 10,
  batchSize: 128,
  learningRate: 0.003,
  l2: 1e-5,
  negatives: 4,
  seed: 42,
  learnFactors: true,
  itemDropout: 0,
};

export interface InitOptions {
  seed: number;
  /** Row-major users × factors and items × factors (e.g. ALS's), copied in. */
  userFactors?: Float32Array;
  itemFactors?: Float32Array;
}

/** Seeded initial network: Glorot-normal layers, small embeddings, output weights on z at zero. */
export function initNetwork(spec: NeuralSpec, o: InitOptions): Network {
  const layout = layoutOf(spec);
  const p = new Float64Array(layout.size);
  const rng = new Rng(o.seed);
  const f = spec.factors;
  const fill = (from: number, n: number, sd: number) => {
    for (let k = 0; k < n; k++) p[from + k] = rng.normal() * sd;
  };
  if (o.userFactors) for (let k = 0; k < spec.users * f; k++) p[layout.U + k] = o.userFactors[k];
  else fill(layout.U, spec.users * f, 0.1 / Math.sqrt(Math.max(1, f)));
  if (o.itemFactors) for (let k = 0; k < spec.items * f; k++) p[layout.V + k] = o.itemFactors[k];
  else fill(layout.V, spec.items * f, 0.1 / Math.sqrt(Math.max(1, f)));
  fill(layout.C, spec.itemTokens * spec.embed, 0.1);
  fill(layout.A, spec.userTokens * spec.embed, 0.1);
  let fanIn = layout.z;
  spec.hidden.forEach((h, l) => {
    fill(layout.W[l], h * fanIn, Math.sqrt(2 / (fanIn + h)));
    fanIn = h;
  });
  if (spec.hidden.length) fill(layout.out + layout.z, fanIn, 0.01);
  return { spec, layout, params: p };
}

/** Training examples: positives (user, item, label) — label 1 for implicit data, the rating for MSE. */
export interface NeuralExamples {
  users: Int32Array;
  items: Int32Array;
  labels: Float32Array;
}

/** Trains `net` in place; returns the mean loss of each epoch. */
export function trainNetwork(
  net: Network,
  data: NeuralExamples,
  inputs: NeuralInputs,
  options: Partial<NeuralTrainOptions> = {},
): number[] {
  const o = { ...DEFAULT_NEURAL_TRAIN, ...options };
  const { spec: s, layout: L, params: p } = net;
  const rng = new Rng(o.seed ^ 0x5bd1e995);
  const adam = new Adam(L.size, { learningRate: o.learningRate, l2: o.l2 });
  const grad = new Float64Array(L.size);
  const ws = workspace(s);
  const dense = new Float64Array(s.dense);
  const x: Example = { user: 0, item: 0, cold: false, dense };
  const negs = o.loss === 'bce' ? o.negatives : 0;
  const n = data.users.length;
  const order = new Int32Array(n);
  for (let t = 0; t < n; t++) order[t] = t;
  // lazy rows: which embedding rows the batch touched (marks avoid duplicates)
  const tables = {
    U: [L.U, s.factors, s.users],
    V: [L.V, s.factors, s.items],
    C: [L.C, s.embed, s.itemTokens],
    A: [L.A, s.embed, s.userTokens],
  } as const;
  const marks = {
    U: new Uint8Array(s.users),
    V: new Uint8Array(s.items),
    C: new Uint8Array(s.itemTokens),
    A: new Uint8Array(s.userTokens),
  };
  const touched: Record<keyof typeof tables, number[]> = { U: [], V: [], C: [], A: [] };
  const touch = (t: keyof typeof tables, r: number) => {
    if (!marks[t][r]) {
      marks[t][r] = 1;
      touched[t].push(r);
    }
  };
  const denseFrom = s.hidden.length ? L.W[0] : L.out;
  const sampleNeg = o.sampleNegative ?? ((_u: number, r: Rng) => r.int(s.items));
  const losses: number[] = [];
  const step = (u: number, i: number, y: number): number => {
    x.user = u;
    x.item = i;
    x.cold = o.itemDropout > 0 && rng.next() < o.itemDropout;
    if (s.dense) inputs.dense?.(u, i, x.cold, dense);
    const out = forward(net, inputs.itemBags, inputs.userBags, x, ws);
    const g = o.loss === 'bce' ? bceGrad(out, y) : mseGrad(out, y);
    backward(net, inputs.itemBags, inputs.userBags, x, ws, g, grad, touch);
    return o.loss === 'bce' ? bce(out, y) : mse(out, y);
  };
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    rng.shuffle(order);
    let total = 0;
    let count = 0;
    for (let b = 0; b < n; b += o.batchSize) {
      const end = Math.min(n, b + o.batchSize);
      for (let q = b; q < end; q++) {
        const t = order[q];
        total += step(data.users[t], data.items[t], data.labels[t]);
        for (let k = 0; k < negs; k++) total += step(data.users[t], sampleNeg(data.users[t], rng), 0);
        count += 1 + negs;
      }
      // mean over the batch's examples: scale once, then one Adam step
      const scale = 1 / ((end - b) * (1 + negs));
      adam.tick();
      for (let k = denseFrom; k < L.size; k++) grad[k] *= scale;
      adam.update(p, grad, denseFrom, L.size);
      for (const name of ['U', 'V', 'C', 'A'] as const) {
        const [base, w] = tables[name];
        const learn = o.learnFactors || name === 'C' || name === 'A';
        for (const r of touched[name]) {
          const a = base + r * w;
          if (learn) {
            for (let k = a; k < a + w; k++) grad[k] *= scale;
            adam.update(p, grad, a, a + w);
          } else grad.fill(0, a, a + w);
          marks[name][r] = 0;
        }
        touched[name].length = 0;
      }
    }
    losses.push(total / Math.max(1, count));
    o.onEpoch?.(epoch + 1, losses[losses.length - 1], net);
  }
  return losses;
}

/** Scorer over one network: P(click) for bce models, the raw output for mse ones. */
export function createScorer(net: Network, inputs: NeuralInputs, loss: 'bce' | 'mse' = 'bce') {
  const ws = workspace(net.spec);
  const dense = new Float64Array(net.spec.dense);
  const x: Example = { user: 0, item: 0, cold: false, dense };
  return (user: number, item: number, cold = false): number => {
    x.user = user;
    x.item = item;
    x.cold = cold;
    if (net.spec.dense) inputs.dense?.(user, item, cold, dense);
    const out = forward(net, inputs.itemBags, inputs.userBags, x, ws);
    return loss === 'bce' ? sigmoid(out) : out;
  };
}
