/**
 * The statistics of the online report: confidence intervals of a proportion,
 * the two-proportion z-test between a variant and control, and the sample
 * size a test needs to detect a given lift with a given power. Plain math on
 * counts; the normal CDF and quantile are written out (Abramowitz–Stegun 7.1.26
 * is too coarse for p-values near 0.05, so erfc uses the Numerical Recipes
 * Chebyshev fit, |error| < 1.2e-7; the quantile is Acklam's with one Halley step).
 */

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** The z with P(Z ≤ z) = p, for 0 < p < 1. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const lo = 0.02425;
  let x: number;
  if (p < lo || p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(p < lo ? p : 1 - p));
    x =
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    if (p > 1 - lo) x = -x;
  } else {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
      (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  }
  // one Halley step against the CDF above
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval of a proportion x/n at confidence 1 − alpha: unlike the
 * normal ("Wald") interval it stays inside [0, 1] and keeps its coverage when
 * the rate is small (CTRs of a few percent) or n is small. [0, 1] when n = 0.
 */
export function wilsonInterval(x: number, n: number, alpha = 0.05): Interval {
  if (n <= 0) return { low: 0, high: 1 };
  const z = normalQuantile(1 - alpha / 2);
  const p = x / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))) / (1 + z2n);
  // at x = 0 (or n) the bound is exactly 0 (or 1); rounding would leave 1e-17
  return { low: x <= 0 ? 0 : Math.max(0, centre - half), high: x >= n ? 1 : Math.min(1, centre + half) };
}

export interface TwoProportionTest {
  /** Rate of the variant minus rate of control. */
  difference: number;
  /** Normal (unpooled) interval of the difference. */
  interval: Interval;
  /** Pooled z statistic (variant − control). */
  z: number;
  /** Two-sided p-value. */
  pValue: number;
}

/**
 * The two-proportion z-test of variant (x1 of n1) against control (x0 of n0):
 * pooled standard error for the test (it is exact under the null of equal
 * rates), unpooled for the interval of the difference. Null when a side is empty.
 */
export function twoProportionTest(
  x1: number,
  n1: number,
  x0: number,
  n0: number,
  alpha = 0.05,
): TwoProportionTest | null {
  if (n1 <= 0 || n0 <= 0) return null;
  const p1 = x1 / n1;
  const p0 = x0 / n0;
  const pooled = (x1 + x0) / (n1 + n0);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0));
  const diff = p1 - p0;
  const z = sePooled > 0 ? diff / sePooled : 0;
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p0 * (1 - p0)) / n0);
  const zc = normalQuantile(1 - alpha / 2);
  return {
    difference: diff,
    interval: { low: diff - zc * se, high: diff + zc * se },
    z,
    pValue: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))),
  };
}

/**
 * Units per group a two-sided two-proportion test at level alpha needs to detect
 * a change from rate p0 to p1 with the given power (Fleiss' formula, equal groups):
 * n = (z_{1−α/2}·√(2·p̄·q̄) + z_{power}·√(p0·q0 + p1·q1))² / (p1 − p0)².
 * Infinity when p0 = p1 or a rate is outside (0, 1).
 */
export function sampleSizePerGroup(p0: number, p1: number, alpha = 0.05, power = 0.8): number {
  if (!(p0 > 0 && p0 < 1 && p1 > 0 && p1 < 1) || p0 === p1) return Number.POSITIVE_INFINITY;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const pbar = (p0 + p1) / 2;
  const num = za * Math.sqrt(2 * pbar * (1 - pbar)) + zb * Math.sqrt(p0 * (1 - p0) + p1 * (1 - p1));
  return Math.ceil((num * num) / ((p1 - p0) * (p1 - p0)));
}
