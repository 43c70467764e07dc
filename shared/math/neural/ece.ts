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
