/**
 * Expected calibration error over equal-width probability bins (Naeini et al.
 * 2015; Guo et al. 2017): Σ_b (n_b / N)·|mean predicted_b − observed rate_b|.
 */
import { reliabilityBins, type ReliabilityBin } from '../calibration';

export function expectedCalibrationError(
  predicted: ArrayLike<number>,
  hits: ArrayLike<number | boolean>,
  bins = 10,
): number {
  return eceOfBins(reliabilityBins(predicted, hits, bins));
}

export function eceOfBins(bins: readonly ReliabilityBin[]): number {
  let n = 0;
  let s = 0;
  for (const b of bins) {
    n += b.count;
    s += b.count * Math.abs(b.meanPredicted - b.observedRate);
  }
  return n ? s / n : 0;
}

/**
 * The network's P(click) read back from a neural-ranker score: `rerankUser` (./ranker.ts) scores each
 * of a user's top-N candidates 1 + P and every other item below −1, so a score ≥ 1 is a candidate's.
 * Null for an item outside the candidates (it has no network P). Training's calibration choice and
 * serving read P this one way, so both see the same number.
 */
export function rankerProbability(score: number): number | null {
  return score >= 1 ? score - 1 : null;
}
