/** Confidence weighting and regularization schedule shared by ALS training and fold-in. */
import type { FoldInParams } from '../model/types';

/**
 * Confidence c(r) of an observed interaction of strength r (Hu et al. 2008):
 * linear 1 + α·r or logarithmic 1 + α·log(1 + r/ε). Observed entries are
 * weighted c, unobserved ones `unobservedWeight` (α0), so with α0 = 1 this is
 * exactly Hu et al.'s loss.
 */
export function confidence(r: number, p: Pick<FoldInParams, 'alpha' | 'confidence' | 'epsilon'>): number {
  return p.confidence === 'log' ? 1 + p.alpha * Math.log1p(r / p.epsilon) : 1 + p.alpha * r;
}

/** Fills out[q] = confidence(data[q]) once per training run instead of per half-step. */
export function confidences(data: Float32Array, p: FoldInParams): Float32Array {
  const out = new Float32Array(data.length);
  for (let q = 0; q < data.length; q++) out[q] = confidence(data[q], p);
  return out;
}

/**
 * Frequency-scaled regularization (Rendle et al. 2021): λ·(n + α0·N)^ν for a row
 * with n observed entries against N columns. ν = 0 gives a constant λ.
 */
export function rowRegularization(n: number, otherSide: number, p: FoldInParams): number {
  if (p.regularizationExponent === 0) return p.regularization;
  return p.regularization * Math.pow(n + p.unobservedWeight * otherSide, p.regularizationExponent);
}
