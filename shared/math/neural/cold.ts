/**
 * The network's metadata path for items nobody has interacted with: the same
 * network with V_i hidden on every example (item dropout 1), so an item is
 * seen only through its token embeddings, and the user through U_u (ALS,
 * fixed) and attribute embeddings; the hidden layer carries the user × token
 * interactions. One dense feature: the user's leave-one-out share of history
 * in the item's tokens (leave-one-out, or a positive's own tokens would leak
 * its label into the feature during training).
 */
import type { AlsModel } from '../als';
import { csrGet, type Csr } from '../csr';
import type { TokenBags } from './network';
import { createScorer, initNetwork, trainNetwork, type NeuralTrainOptions } from './train';

export interface MetadataNetOptions {
  embed: number;
  hidden: number[];
  seed: number;
  train: Partial<NeuralTrainOptions>;
}

export function fitMetadataNetwork(
  warm: Csr,
  als: AlsModel,
  meta: { itemBags: TokenBags; userBags?: TokenBags; itemTokens: number; userTokens: number },
  warmItems: Int32Array,
  o: MetadataNetOptions,
): (user: number, item: number) => number {
  const T = meta.itemTokens;
  const counts = new Float32Array(warm.rows * T);
  for (let u = 0; u < warm.rows; u++)
    for (let q = warm.indptr[u]; q < warm.indptr[u + 1]; q++) {
      const i = warm.indices[q];
      for (let t = meta.itemBags.indptr[i]; t < meta.itemBags.indptr[i + 1]; t++)
        counts[u * T + meta.itemBags.indices[t]]++;
    }
  const dense = (u: number, i: number, _cold: boolean, out: Float64Array) => {
    const own = csrGet(warm, u, i) !== 0 ? 1 : 0;
    const n = warm.indptr[u + 1] - warm.indptr[u] - own;
    const a = meta.itemBags.indptr[i];
    const b = meta.itemBags.indptr[i + 1];
    let s = 0;
    for (let t = a; t < b; t++) s += counts[u * T + meta.itemBags.indices[t]] - own;
    // ×5 puts the share (mostly 0–0.4) on about the scale of a standardized feature
    out[0] = n > 0 && b > a ? (5 * s) / (b - a) / n : 0;
  };
  const spec = {
    users: warm.rows,
    items: warm.cols,
    factors: als.factors,
    itemTokens: T,
    userTokens: meta.userTokens,
    embed: o.embed,
    dense: 1,
    hidden: o.hidden,
  };
  const net = initNetwork(spec, {
    seed: o.seed,
    userFactors: als.userFactors,
    itemFactors: new Float32Array(warm.cols * als.factors),
  });
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < warm.rows; u++)
    for (let q = warm.indptr[u]; q < warm.indptr[u + 1]; q++) {
      users.push(u);
      items.push(warm.indices[q]);
    }
  const inputs = { itemBags: meta.itemBags, userBags: meta.userBags, dense };
  trainNetwork(
    net,
    { users: Int32Array.from(users), items: Int32Array.from(items), labels: new Float32Array(users.length).fill(1) },
    inputs,
    {
      seed: o.seed,
      ...o.train,
      loss: 'bce',
      itemDropout: 1,
      learnFactors: false,
      sampleNegative: (_u, rng) => warmItems[rng.int(warmItems.length)],
    },
  );
  const score = createScorer(net, inputs);
  return (u, i) => score(u, i, true);
}
