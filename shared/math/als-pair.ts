/**
 * The second member of the ALS pair (shared/model/kinds/als-pair.ts): the interaction's strength — a
 * rating, or an event's summed weight — as its confidence. Observed entries weigh 1 + α·r, unobserved
 * ones α0, one λ (ν 0). The point is benfred/implicit 0.7.2's own tuned configuration on ML-100K
 * (observed α·r with α 1, unobserved 1, λ 30, 128 factors, 15 iterations: docs/quality.md, "implicit
 * itself") written in Attune's loss: α0 = α = 100 scales it by 100, so c/α0 = r + 0.01 and λ/α0 = 30.
 * It is a fixed point, not tuned per data set: the pair gate (shared/training/select-pair.ts) serves
 * the pair only where it wins on the training data's user folds.
 */
import type { AlsParams } from './als';

export const RATING_MEMBER = {
  factors: 128,
  iterations: 15,
  confidence: 'linear',
  alpha: 100,
  unobservedWeight: 100,
  regularization: 3000,
  regularizationExponent: 0,
} as const satisfies Partial<AlsParams>;

/** Member b of a pair whose member a is `a` (solver, seed, CG steps and init shared with it). */
export function ratingMember(a: AlsParams): AlsParams {
  return { ...a, ...RATING_MEMBER };
}
