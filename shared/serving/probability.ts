/**
 * The P(click) an answer shows, from the artifact's chosen source (manifest.calibration.source,
 * chosen at training by shared/training/calibration-choice.ts): Platt's σ(a·score + b), or the
 * network's own P for the neural ranker's candidates — its raw output mapped by
 * manifest.calibration.network (prior-corrected or Platt on its logit; absent: raw, as older
 * manifests served) — with Platt for every other item (items outside the ranker's top-N, new
 * catalog items scored from metadata). Built per request over that request's scorer: nothing
 * is shared between requests.
 */
import type { UserScorer } from '../model/kinds';
import { type NetworkUser, networkProbability, rawForNetworkProbability } from '../math/calibration';
import type { Calibration } from '../model/types';
import { probability, scoreFloor } from './select';

/** P(click) of item i (a model item's index) given its served score; Platt alone for i < 0. */
export type ProbabilityOf = (i: number, score: number) => number;

/** Null when there is no scorer (popular answers carry no probability). */
export function probabilityOf(cal: Calibration, scorer: UserScorer | null | undefined): ProbabilityOf | null {
  if (!scorer) return null;
  const own = cal.source === 'network' ? scorer.probability?.bind(scorer) : undefined;
  if (!own) return (_i, score) => probability(cal, score);
  let user: NetworkUser | undefined;
  return (i, score) => {
    const raw = i >= 0 ? own(i) : null;
    if (raw === null) return probability(cal, score);
    user ??= userOf(scorer);
    return networkProbability(cal.network, raw, user);
  };
}

const userOf = (scorer: UserScorer | null | undefined): NetworkUser =>
  scorer?.probabilityUser?.() ?? { history: 0, candidates: 0 };

/**
 * The lowest served score at which an item can reach probability `p` (minProbability as a
 * selection bound) for the request's scorer (the network map may depend on its user), or null
 * when no single bound exists and each selected item is checked.
 * With the network source a candidate scores 1 + P₀ (P₀ its raw output; served P ≥ p ⇔ P₀ ≥ P₀(p),
 * the map being increasing) and every other model item scores below −1 with Platt's P: when
 * Platt cannot reach p there the bound is exactly 1 + P₀(p); otherwise the lower of the two
 * bounds, and the answer's own check drops candidates below p.
 */
export function probabilityFloor(cal: Calibration, p: number | undefined, scorer?: UserScorer | null): number | null {
  const platt = scoreFloor(cal, p);
  if (cal.source !== 'network' || p === undefined || p <= 0) return platt;
  const raw = rawForNetworkProbability(cal.network, Math.min(1, p), userOf(scorer));
  if (raw === null) return null;
  const own = 1 + raw;
  if (platt === null) return null;
  return platt > -1 ? own : Math.min(own, platt);
}

/**
 * True when every item scoring at least probabilityFloor's bound reaches p: a Platt map that increases
 * with the score, or the network's own bound when Platt cannot reach p below the candidates (−1).
 * Otherwise (a Platt slope ≤ 0, or non-candidates that Platt lifts over p) the bound only narrows the
 * scan and each item's own P must decide inside the selection ({@link excludeBelow}).
 */
export function floorIsExact(cal: Calibration, p: number, scorer?: UserScorer | null): boolean {
  const platt = scoreFloor(cal, p);
  if (platt === null) return false;
  if (cal.source !== 'network' || !scorer?.probability) return true;
  return rawForNetworkProbability(cal.network, Math.min(1, p), userOf(scorer)) !== null && platt > -1;
}

/**
 * Marks excluded (excl[i] = gen) every item at or above `floor` whose own P is below p, so the top-k
 * selection finds the k best items that reach p whenever there are k, instead of selecting k by score
 * and dropping those below p afterwards (fewer than k, or none, while qualifying items exist below).
 */
export function excludeBelow(
  prob: ProbabilityOf,
  scores: Float32Array,
  n: number,
  p: number,
  floor: number,
  excl: Int32Array,
  gen: number,
): void {
  for (let i = 0; i < n; i++) {
    const x = scores[i];
    if (x >= floor && !(prob(i, x) >= p)) excl[i] = gen;
  }
}
