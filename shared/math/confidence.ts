/** Confidence weighting and regularization schedule shared by ALS training and fold-in. */
/** Parameters serving needs to fold a user in with the same least-squares step ALS uses. */
export interface FoldInParams {
  regularization: number;
  alpha: number;
  confidence: 'linear' | 'log';
  epsilon: number;
  /** Weight on unobserved items (iALS "alpha0"); 1 is Hu et al.'s original. */
  unobservedWeight: number;
  /** Frequency-scaled regularization exponent ν (Rendle 2021): λ·(n_u + α0·|I|)^ν. */
  regularizationExponent: number;
}

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
  return p.regularization * (n + p.unobservedWeight * otherSide) ** p.regularizationExponent;
}
