/**
 * Which P(click) a model with its own probability (the neural ranker) serves: Platt's
 * σ(a·score + b) or the network's P. Both are measured on the same holdout slots (each
 * holdout user's top-k of the evaluated pipeline) with the same equal-width bins, and the one
 * with the lower expected calibration error is chosen (a tie keeps Platt, the default).
 *
 * Platt is fitted to those very slots, so measured in-sample it would win by construction;
 * its ECE is cross-fitted instead: the holdout users are split in two halves by index parity,
 * and each half's slots get the Platt fitted on the other half. The network's P was fitted on
 * the train part only, so it is out-of-sample already. A slot without a network P (an item
 * outside the ranker's candidates) counts with the same cross-fitted Platt P on both sides,
 * as serving falls back to Platt there. The served Platt (a, b, bins) is fitted on all slots.
 */
import {
  type Calibration,
  type CalibrationComparison,
  calibrate,
  fitCalibration,
  fitPlatt,
  reliabilityBins,
} from '../math/calibration';
import { eceOfBins } from '../math/neural/ece';
import type { FittedModel } from '../model/kinds';

export interface CalibrationSlots {
  /** The served score of each slot (what Platt is applied to). */
  scores: ArrayLike<number>;
  hits: ArrayLike<number | boolean>;
  /** The slot's holdout user (the cross-fitting folds are by user). */
  users: ArrayLike<number>;
  /** The model's own P of the slot's item; null or NaN where it has none. */
  network: (t: number) => number | null;
}

export const CALIBRATION_BINS = 10;

/** Platt fitted on all slots, the comparison on the same slots, and the chosen source. */
export function chooseCalibration(s: CalibrationSlots, bins = CALIBRATION_BINS): Calibration {
  const served = fitCalibration(s.scores, s.hits, bins);
  const n = s.scores.length;
  const platt = crossFittedPlatt(s);
  const network = new Float64Array(n);
  let networkSlots = 0;
  for (let t = 0; t < n; t++) {
    const p = s.network(t);
    if (p !== null && Number.isFinite(p)) {
      network[t] = p;
      networkSlots++;
    } else network[t] = platt[t];
  }
  const pb = reliabilityBins(platt, s.hits, bins);
  const nb = reliabilityBins(network, s.hits, bins);
  const comparison: CalibrationComparison = {
    slots: n,
    networkSlots,
    platt: { ece: round(eceOfBins(pb)), bins: pb },
    network: { ece: round(eceOfBins(nb)), bins: nb },
  };
  // with no network P anywhere the two sides are the same numbers: nothing to choose
  const source = networkSlots > 0 && eceOfBins(nb) < eceOfBins(pb) ? 'network' : 'platt';
  return { ...served, source, comparison };
}

/** Each slot's Platt P fitted on the slots of the other half of the users (even / odd user index). */
export function crossFittedPlatt(s: Pick<CalibrationSlots, 'scores' | 'hits' | 'users'>): Float64Array {
  const n = s.scores.length;
  const out = new Float64Array(n);
  const all = fitPlatt(s.scores, s.hits, { plattTargets: true });
  for (const fold of [0, 1]) {
    const sc: number[] = [];
    const hi: number[] = [];
    for (let t = 0; t < n; t++)
      if ((s.users[t] & 1) !== fold) {
        sc.push(s.scores[t]);
        hi.push(s.hits[t] ? 1 : 0);
      }
    // a half with no users (a one-user holdout) has nothing to fit: the other half uses the full fit
    const c = sc.length ? fitPlatt(sc, hi, { plattTargets: true }) : all;
    for (let t = 0; t < n; t++) if ((s.users[t] & 1) === fold) out[t] = calibrate(c, s.scores[t]);
  }
  return out;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The calibration of a model fitted on a holdout's train part, from its top-k slots there
 * (holdoutScoreHits): Platt alone for a kind without its own P, else the choice above, each
 * slot's own P read from the user's scorer as serving reads it.
 */
export function calibrationOf(
  model: FittedModel,
  sh: { scores: Float32Array; hits: Uint8Array; users: Int32Array; items: Int32Array },
): Calibration {
  if (!sh.users.length || !model.user(sh.users[0]).probability) return fitCalibration(sh.scores, sh.hits);
  const own = new Float64Array(sh.users.length);
  let scorer = model.user(sh.users[0]);
  for (let t = 0; t < own.length; t++) {
    // slots come user by user: one scorer per user
    if (t > 0 && sh.users[t] !== sh.users[t - 1]) scorer = model.user(sh.users[t]);
    own[t] = scorer.probability?.(sh.items[t]) ?? Number.NaN;
  }
  return chooseCalibration({ ...sh, network: (t) => own[t] });
}
