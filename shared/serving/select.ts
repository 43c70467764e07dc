/**
 * Top-k selection over a score buffer with every filter applied inside the
 * scan: one pass, a bounded heap, no allocation. The heap's threshold is
 * checked first, so almost every item is rejected with a single comparison.
 */
import type { Calibration } from '../model/types';
import type { Scratch } from './prepared';

export interface SelectFilter {
  /** Only items with incl[i] === gen qualify. */
  restrict: boolean;
  /** Unavailable items (1 = never return); null when there is no catalog view. */
  blocked: Uint8Array | null;
  /** Items scoring below this do not qualify (minProbability as a score bound). */
  floor: number;
  /** When set, only items with allow[i] === 1 qualify (a filter expression's bitmap, shared/rules). */
  allow?: Uint8Array | null;
}

/**
 * Writes the best `k` qualifying items best-first into s.outIndex/outScore
 * and returns how many there are. Ties go to the lower item index. Items
 * marked in s.excl (and, when restricted, unmarked in s.incl) with the
 * scratch's current generation do not qualify.
 */
export function selectTop(s: Scratch, scores: Float32Array, k: number, flt: SelectFilter): number {
  const { heap, excl, incl, gen } = s;
  const { restrict, blocked, floor } = flt;
  const allow = flt.allow ?? null;
  const n = Math.min(scores.length, s.items);
  heap.reset(k);
  let thr = heap.threshold;
  for (let i = 0; i < n; i++) {
    const x = scores[i];
    // NaN fails both comparisons and is skipped; an equal score loses to the lower index already kept
    if (!(x >= floor) || x <= thr) continue;
    if (excl[i] === gen || (restrict && incl[i] !== gen) || (blocked !== null && blocked[i] === 1)) continue;
    if (allow !== null && allow[i] !== 1) continue;
    heap.push(i, x);
    thr = heap.threshold;
  }
  return heap.drain(s.outIndex, s.outScore);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** P(click) = σ(a·score + b), the artifact's Platt scaling. */
export function probability(cal: Calibration, score: number): number {
  return sigmoid(cal.a * score + cal.b);
}

/**
 * The lowest score whose probability reaches `p`, when σ(a·s+b) increases with s
 * (a > 0); null when the calibration is not increasing and each item must be checked.
 */
export function scoreFloor(cal: Calibration, p: number | undefined): number | null {
  if (p === undefined || p <= 0) return -Infinity;
  if (!(cal.a > 0)) return null;
  if (p >= 1) return Infinity;
  return (Math.log(p / (1 - p)) - cal.b) / cal.a;
}
