/**
 * Turning raw model scores into probabilities: Platt scaling fitted on
 * (score, hit) pairs from a holdout, and reliability bins to show how well the
 * fitted probabilities match observed hit rates. Output matches `Calibration`.
 */
import type { Csr } from './csr';
import { TopK } from './topk';

/** Platt scaling of raw scores to click probabilities: P = σ(a·score + b). */
export interface Calibration {
  a: number;
  b: number;
  /** Reliability bins measured on the holdout: mean predicted vs observed hit rate. */
  bins?: ReliabilityBin[];
  /**
   * Which P(click) serving shows: `platt` is σ(a·score + b); `network` is the model's own probability
   * where it has one (the neural ranker's P for its top-N candidates) and Platt elsewhere. Absent
   * (every manifest written before the choice existed, every kind without its own P): `platt`.
   */
  source?: CalibrationSource;
  /**
   * How the served network P is made from the network's raw output ({@link priorCorrected} derives the
   * prior correction). Absent (manifests written before it existed): the raw output, as they served it.
   */
  network?: NetworkCalibration;
  /** The evidence of the choice, when the model has its own P (shared/training/calibration-choice.ts). */
  comparison?: CalibrationComparison;
}

export type CalibrationSource = 'platt' | 'network';

/**
 * The network's P as served, from its raw output P₀ for a user with h history items and c ranker
 * candidates: `raw` is P₀ itself; `prior` undoes the 1 : k negative sampling of its training,
 * P = k·π·P₀/(1 − P₀) with π = ρ·h/c the user's expected share of hits among their candidates
 * ({@link priorCorrected}); `platt` is σ(a·z + b), Platt fitted over the holdout slots on the
 * prior-corrected log-odds z = logit P₀ + log(k·π) (on logit P₀ alone when the prior is unknown).
 */
export type NetworkCalibration =
  | { method: 'raw' }
  | ({ method: 'prior' } & NetworkPrior)
  | ({ method: 'platt'; a: number; b: number } & Partial<NetworkPrior>);

/** How the network was trained: k negatives per positive; ρ its positives per history item of their users. */
export interface NetworkPrior {
  negatives: number;
  perHistoryItem: number;
}

/** What the prior correction needs of one user: their history items and ranker candidates. */
export interface NetworkUser {
  history: number;
  candidates: number;
}

export type NetworkMethod = NetworkCalibration['method'];

/** Both candidates' expected calibration error and reliability diagram on the same holdout slots and bins. */
export interface CalibrationComparison {
  /** Top-k slots of the holdout the two were measured on. */
  slots: number;
  /** Slots whose item had the model's own P (the rest count with Platt's P on both sides). */
  networkSlots: number;
  /** Platt's P cross-fitted over two halves of the holdout users (fitted on one, measured on the other). */
  platt: { ece: number; bins: ReliabilityBin[] };
  /** The network's P as served with source `network` (the lowest-ECE method of `methods`; raw before it existed). */
  network: { ece: number; bins: ReliabilityBin[] };
  /** Each way of turning the network's output into P, on the same slots (`prior` when the model knows its prior). */
  methods?: Partial<Record<NetworkMethod, { ece: number; bins: ReliabilityBin[] }>>;
  /** The sampling the prior correction undid (k negatives per positive, ρ positives per history item). */
  prior?: NetworkPrior;
}

export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Fits P(hit | s) = σ(a·s + b) by Newton's method (IRLS) on the log-loss.
 * A tiny ridge keeps the 2×2 Newton system solvable when the data are separable.
 * `plattTargets` replaces 0/1 labels by Platt's (N₊+1)/(N₊+2) and 1/(N₋+2) to avoid overconfidence on small holdouts.
 */
export function fitPlatt(
  scores: ArrayLike<number>,
  hits: ArrayLike<number | boolean>,
  opts: { iterations?: number; plattTargets?: boolean; ridge?: number } = {},
): { a: number; b: number } {
  const n = scores.length;
  let pos = 0;
  for (let t = 0; t < n; t++) if (hits[t]) pos++;
  const hiT = opts.plattTargets ? (pos + 1) / (pos + 2) : 1;
  const loT = opts.plattTargets ? 1 / (n - pos + 2) : 0;
  const ridge = opts.ridge ?? 1e-6;
  let a = 0;
  // start at the base rate so the first Newton step is well-scaled
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, (pos + 0.5) / (n + 1)));
  let b = Math.log(rate / (1 - rate));
  for (let it = 0; it < (opts.iterations ?? 50); it++) {
    let ga = ridge * a;
    let gb = 0;
    let haa = ridge;
    let hab = 0;
    let hbb = 1e-12;
    for (let t = 0; t < n; t++) {
      const s = scores[t];
      const p = sigmoid(a * s + b);
      const e = p - (hits[t] ? hiT : loT);
      const w = p * (1 - p);
      ga += e * s;
      gb += e;
      haa += w * s * s;
      hab += w * s;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { a, b };
}

/** P = σ(a·score + b). */
export function calibrate(c: { a: number; b: number }, score: number): number {
  return sigmoid(c.a * score + c.b);
}

/**
 * The network's P(click) with its negative-sampling prior undone. Training shows it, for each of a
 * user's positives, k negatives drawn uniformly from that user's candidates (positives included).
 * For one user, at features x, with c(x) the candidates' density and π the share of their candidates
 * that are positives, positives occur at π·p₁(x) and sampled negatives at k·π·c(x), so the odds the
 * network learns are P₀/(1 − P₀) = p₁(x) / (k·c(x)), while the probability of a hit among the
 * candidates is P(x) = π·p₁(x)/c(x) = k·π·P₀/(1 − P₀). Exact for a network that fits its training
 * distribution; every user is trained at the same 1 : k, so π must come from outside the network
 * (the caller's per-user estimate ρ·h/c). Capped at 1 (a P₀ beyond 1/(1 + k·π)).
 */
export function priorCorrected(raw: number, negatives: number, baseRate: number): number {
  if (!(raw < 1)) return 1;
  return Math.min(1, (negatives * baseRate * raw) / (1 - raw));
}

/** A user's π = ρ·h/c, h and c at least 1 (a user with no history still has a prior). */
export function userBaseRate(p: NetworkPrior, user: NetworkUser): number {
  return (p.perHistoryItem * Math.max(1, user.history)) / Math.max(1, user.candidates);
}

/** log(k·π) of a user. */
export function logPriorOdds(p: NetworkPrior, user: NetworkUser): number {
  return Math.log(p.negatives * userBaseRate(p, user));
}

/** What the `platt` map adds to logit P₀: log(k·π) when it carries the prior, else 0. */
function plattOffset(c: Partial<NetworkPrior>, user: NetworkUser): number {
  return c.negatives !== undefined && c.perHistoryItem !== undefined ? logPriorOdds(c as NetworkPrior, user) : 0;
}

/** The input of the `platt` map: logit P₀, plus log(k·π) when the map carries the prior. */
export function networkLogit(c: Partial<NetworkPrior>, raw: number, user: NetworkUser): number {
  return logit(raw) + plattOffset(c, user);
}

/** P served from the network's raw output P₀ under `c` (absent: P₀, what manifests before it served). */
export function networkProbability(c: NetworkCalibration | undefined, raw: number, user: NetworkUser): number {
  if (!c || c.method === 'raw') return raw;
  if (c.method === 'prior') return priorCorrected(raw, c.negatives, userBaseRate(c, user));
  return calibrate(c, networkLogit(c, raw, user));
}

/**
 * The raw output P₀ at which the served P reaches p (the inverse of {@link networkProbability}), or
 * null when the map is not increasing (a Platt slope ≤ 0): no single bound then.
 */
export function rawForNetworkProbability(
  c: NetworkCalibration | undefined,
  p: number,
  user: NetworkUser,
): number | null {
  if (!c || c.method === 'raw') return p;
  if (c.method === 'prior') {
    const r = p / Math.exp(logPriorOdds(c, user));
    return r / (1 + r);
  }
  if (!(c.a > 0)) return null;
  const q = Math.min(1 - 1e-15, Math.max(1e-15, p));
  return sigmoid((Math.log(q / (1 - q)) - c.b) / c.a - plattOffset(c, user));
}

/** log(p / (1 − p)), finite at 0 and 1 (±36.8, beyond any float32 output's). */
export function logit(p: number): number {
  const q = Math.min(1 - 1e-16, Math.max(1e-16, p));
  return Math.log(q) - Math.log1p(-q);
}

/** Equal-width bins over predicted probability [0, 1]; empty bins are omitted. */
export function reliabilityBins(
  predicted: ArrayLike<number>,
  hits: ArrayLike<number | boolean>,
  bins = 10,
): ReliabilityBin[] {
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let t = 0; t < predicted.length; t++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(predicted[t] * bins)));
    count[b]++;
    sumP[b] += predicted[t];
    sumY[b] += hits[t] ? 1 : 0;
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (!count[b]) continue;
    out.push({
      lo: b / bins,
      hi: (b + 1) / bins,
      count: count[b],
      meanPredicted: sumP[b] / count[b],
      observedRate: sumY[b] / count[b],
    });
  }
  return out;
}

/**
 * (score, hit) pairs of every top-k slot for each holdout user (train items
 * excluded): the sample Platt scaling is fitted on; each slot's user and item beside.
 */
export function holdoutScoreHits(
  train: Csr,
  holdout: Csr,
  scoreUser: (user: number, out: Float32Array) => void,
  k: number,
): { scores: Float32Array; hits: Uint8Array; users: Int32Array; items: Int32Array } {
  const scores: number[] = [];
  const hits: number[] = [];
  const users: number[] = [];
  const items: number[] = [];
  const buf = new Float32Array(train.cols);
  const heap = new TopK(k);
  const oi = new Int32Array(k);
  const os = new Float32Array(k);
  const rel = new Set<number>();
  for (let u = 0; u < holdout.rows; u++) {
    if (holdout.indptr[u + 1] === holdout.indptr[u] || u >= train.rows) continue;
    scoreUser(u, buf);
    for (let q = train.indptr[u]; q < train.indptr[u + 1]; q++) buf[train.indices[q]] = -Infinity;
    heap.reset(k);
    for (let i = 0; i < buf.length; i++) if (buf[i] > -Infinity) heap.push(i, buf[i]);
    const n = heap.drain(oi, os);
    rel.clear();
    for (let q = holdout.indptr[u]; q < holdout.indptr[u + 1]; q++) rel.add(holdout.indices[q]);
    for (let r = 0; r < n; r++) {
      scores.push(os[r]);
      hits.push(rel.has(oi[r]) ? 1 : 0);
      users.push(u);
      items.push(oi[r]);
    }
  }
  return {
    scores: Float32Array.from(scores),
    hits: Uint8Array.from(hits),
    users: Int32Array.from(users),
    items: Int32Array.from(items),
  };
}

/** Fits Platt scaling and its reliability bins in one go: the manifest's `Calibration`. */
export function fitCalibration(scores: ArrayLike<number>, hits: ArrayLike<number | boolean>, bins = 10): Calibration {
  const { a, b } = fitPlatt(scores, hits, { plattTargets: true });
  const p = Float64Array.from({ length: scores.length }, (_, t) => calibrate({ a, b }, scores[t]));
  return { a, b, bins: reliabilityBins(p, hits, bins) };
}
