/**
 * Which P(click) a model with its own probability (the neural ranker) serves: Platt's
 * σ(a·score + b) or the network's P, itself in one of three forms (NetworkCalibration,
 * ../math/calibration.ts): its raw output, trained on 1 : k sampled negatives for every user and so
 * blind to how often a user hits at all; that output with the prior undone per user (π_u ≈ ρ·h_u/c_u
 * from the user's history size); or Platt fitted on the prior-corrected log-odds (on the raw logit
 * without a prior). All are measured on the same holdout slots (each holdout user's top-k of the
 * evaluated pipeline) with the same equal-width bins; the network form with the lowest expected
 * calibration error is the network's, and it is served when its ECE is below Platt's (a tie keeps Platt).
 *
 * A Platt fitted to those very slots would win by construction measured in-sample; both Platts
 * are cross-fitted instead: the holdout users are split in two halves by index parity, and each
 * half's slots get the Platt fitted on the other half. The raw and prior-corrected P come from the
 * train part only, so they are out-of-sample already. A slot without a network P (an item outside
 * the ranker's candidates) counts with the same cross-fitted Platt P on every side, as serving
 * falls back to Platt there. The served Platts (a, b, bins; network's a, b) are fitted on all slots.
 */
import {
  type Calibration,
  type CalibrationComparison,
  calibrate,
  fitCalibration,
  fitPlatt,
  type NetworkCalibration,
  type NetworkMethod,
  type NetworkPrior,
  type NetworkUser,
  networkLogit,
  networkProbability,
  reliabilityBins,
} from '../math/calibration';
import type { Csr } from '../math/csr';
import { eceOfBins } from '../math/neural/ece';
import type { FittedModel } from '../model/kinds';

export interface CalibrationSlots {
  /** The served score of each slot (what Platt is applied to). */
  scores: ArrayLike<number>;
  hits: ArrayLike<number | boolean>;
  /** The slot's holdout user (the cross-fitting folds are by user). */
  users: ArrayLike<number>;
  /** The model's own (raw) P of the slot's item; null or NaN where it has none. */
  network: (t: number) => number | null;
  /** How that P was trained, and each slot's user as serving sees them: without both, no prior correction. */
  prior?: NetworkPrior;
  user?: (t: number) => NetworkUser;
}

export const CALIBRATION_BINS = 10;

/** Platt fitted on all slots, the comparison on the same slots, and the chosen source. */
export function chooseCalibration(s: CalibrationSlots, bins = CALIBRATION_BINS): Calibration {
  const served = fitCalibration(s.scores, s.hits, bins);
  const n = s.scores.length;
  const platt = crossFittedPlatt(s);
  const raw = new Float64Array(n);
  const has = new Uint8Array(n);
  let networkSlots = 0;
  for (let t = 0; t < n; t++) {
    const p = s.network(t);
    if (p !== null && Number.isFinite(p)) {
      raw[t] = p;
      has[t] = 1;
      networkSlots++;
    }
  }
  const side = (f: (t: number) => number) => {
    const p = Float64Array.from({ length: n }, (_, t) => (has[t] ? f(t) : platt[t]));
    const b = reliabilityBins(p, s.hits, bins);
    return { ece: eceOfBins(b), bins: b };
  };
  const pb = side((t) => platt[t]);
  // with no network P anywhere every side is Platt's numbers: nothing to choose
  if (!networkSlots) {
    const same = { ece: round(pb.ece), bins: pb.bins };
    return { ...served, source: 'platt', comparison: { slots: n, networkSlots, platt: same, network: same } };
  }
  const prior = s.prior && s.user ? s.prior : undefined;
  const none = { history: 0, candidates: 0 };
  const userOf = (t: number) => s.user?.(t) ?? none;
  const logits = Float64Array.from(raw, (p, t) => (has[t] ? networkLogit(prior ?? {}, p, userOf(t)) : 0));
  const onLogit = crossFittedPlatt({ scores: logits, hits: s.hits, users: s.users }, has);
  const maps: Partial<Record<NetworkMethod, NetworkCalibration>> = {
    raw: { method: 'raw' },
    ...(prior ? { prior: { method: 'prior', ...prior } } : {}),
    platt: { method: 'platt', ...fitPlatt(pick(logits, has), pick(s.hits, has), { plattTargets: true }), ...prior },
  };
  const sides: Partial<Record<NetworkMethod, { ece: number; bins: CalibrationComparison['platt']['bins'] }>> = {};
  let best: NetworkMethod = 'raw';
  for (const m of ['raw', 'prior', 'platt'] as const) {
    const map = maps[m];
    if (!map) continue;
    sides[m] = side(m === 'platt' ? (t) => onLogit[t] : (t) => networkProbability(map, raw[t], userOf(t)));
    if (sides[m]!.ece < sides[best]!.ece) best = m;
  }
  const rounded = (x: { ece: number; bins: CalibrationComparison['platt']['bins'] }) => ({ ...x, ece: round(x.ece) });
  const comparison: CalibrationComparison = {
    slots: n,
    networkSlots,
    platt: rounded(pb),
    network: rounded(sides[best]!),
    methods: Object.fromEntries(Object.entries(sides).map(([m, x]) => [m, rounded(x)])),
    ...(prior ? { prior } : {}),
  };
  const source = sides[best]!.ece < pb.ece ? 'network' : 'platt';
  return { ...served, source, network: maps[best], comparison };
}

const pick = (x: ArrayLike<number | boolean>, mask: Uint8Array) => {
  const out: number[] = [];
  for (let t = 0; t < mask.length; t++) if (mask[t]) out.push(Number(x[t]));
  return out;
};

/**
 * Each slot's Platt P fitted on the slots of the other half of the users (even / odd user index);
 * with `mask`, only the masked slots are fitted and filled (the others stay 0).
 */
export function crossFittedPlatt(
  s: Pick<CalibrationSlots, 'scores' | 'hits' | 'users'>,
  mask?: Uint8Array,
): Float64Array {
  const n = s.scores.length;
  const out = new Float64Array(n);
  const on = (t: number) => !mask || mask[t] === 1;
  const sc: number[] = [];
  const hi: number[] = [];
  for (let t = 0; t < n; t++)
    if (on(t)) {
      sc.push(s.scores[t]);
      hi.push(s.hits[t] ? 1 : 0);
    }
  const all = fitPlatt(sc, hi, { plattTargets: true });
  for (const fold of [0, 1]) {
    sc.length = 0;
    hi.length = 0;
    for (let t = 0; t < n; t++)
      if (on(t) && (s.users[t] & 1) !== fold) {
        sc.push(s.scores[t]);
        hi.push(s.hits[t] ? 1 : 0);
      }
    // a half with no users (a one-user holdout) has nothing to fit: the other half uses the full fit
    const c = sc.length ? fitPlatt(sc, hi, { plattTargets: true }) : all;
    for (let t = 0; t < n; t++) if (on(t) && (s.users[t] & 1) === fold) out[t] = calibrate(c, s.scores[t]);
  }
  return out;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The calibration of a model fitted on a holdout's train part, from its top-k slots there
 * (holdoutScoreHits): Platt alone for a kind without its own P, else the choice above, each
 * slot's own P read from the user's scorer as serving reads it — built with the user's history
 * (their `train` row, as serving passes the stored history), so P₀ and the prior's h are the served ones.
 */
export function calibrationOf(
  model: FittedModel,
  sh: { scores: Float32Array; hits: Uint8Array; users: Int32Array; items: Int32Array },
  train?: Csr,
): Calibration {
  const scorerOf = (u: number) => {
    if (!train || u >= train.rows) return model.user(u);
    const lo = train.indptr[u];
    const hi = train.indptr[u + 1];
    return model.user(u, {
      itemIdx: train.indices.slice(lo, hi),
      weights: Float64Array.from(train.data.subarray(lo, hi)),
    });
  };
  if (!sh.users.length || !model.user(sh.users[0]).probability) return fitCalibration(sh.scores, sh.hits);
  const own = new Float64Array(sh.users.length);
  const users: NetworkUser[] = [];
  let scorer = scorerOf(sh.users[0]);
  for (let t = 0; t < own.length; t++) {
    // slots come user by user: one scorer per user
    if (t > 0 && sh.users[t] !== sh.users[t - 1]) scorer = scorerOf(sh.users[t]);
    own[t] = scorer.probability?.(sh.items[t]) ?? Number.NaN;
    users.push(scorer.probabilityUser?.() ?? { history: 0, candidates: 0 });
  }
  const prior = model.probabilityPrior;
  return chooseCalibration({ ...sh, network: (t) => own[t], prior, user: (t) => users[t] });
}
