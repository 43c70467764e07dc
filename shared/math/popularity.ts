/** Popularity scores for cold start and "trending": plain counts or time-decayed sums. */
import type { Csr } from './csr';

/** Per-item popularity from a users × items matrix: number of users (binary) or summed weight. */
export function popularityFromCsr(ui: Csr, binary = true): Float32Array {
  const out = new Float32Array(ui.cols);
  const nnz = ui.indptr[ui.rows];
  for (let q = 0; q < nnz; q++) out[ui.indices[q]] += binary ? 1 : ui.data[q];
  return out;
}

export interface DecayOptions {
  /** Half-life of an event's contribution; Infinity (default) means plain sums. */
  halfLifeMs?: number;
  /** Reference time (epoch ms) the decay is measured to; default: the newest timestamp. */
  now?: number;
}

/**
 * Exponentially time-decayed popularity: score_i = Σ_events w·2^(−(now − t)/halfLife).
 * Events newer than `now` count fully, so a clock skew never inflates a score.
 */
export function decayedPopularity(
  items: ArrayLike<number>,
  weights: ArrayLike<number> | null,
  timestamps: ArrayLike<number>,
  itemCount: number,
  opts: DecayOptions = {},
): Float32Array {
  const half = opts.halfLifeMs ?? Infinity;
  let now = opts.now;
  if (now === undefined) {
    now = -Infinity;
    for (let t = 0; t < timestamps.length; t++) if (timestamps[t] > now) now = timestamps[t];
  }
  const acc = new Float64Array(itemCount);
  const rate = Number.isFinite(half) ? Math.LN2 / half : 0;
  for (let t = 0; t < items.length; t++) {
    const age = Math.max(0, now - timestamps[t]);
    acc[items[t]] += (weights ? weights[t] : 1) * (rate ? Math.exp(-rate * age) : 1);
  }
  return Float32Array.from(acc);
}
