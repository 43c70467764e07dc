/** The report's statistics on tiny exact cases (values from scipy.stats / the textbook formulas). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  normalCdf,
  normalQuantile,
  sampleSizePerGroup,
  twoProportionTest,
  wilsonInterval,
} from '../../../shared/online/stats';

describe('normal distribution', () => {
  it('matches scipy to 1e-7', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 7);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 7);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 7);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316300933, 7);
  });

  it('the quantile inverts the CDF', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }), (p) => {
        expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 7);
      }),
    );
  });
});

describe('Wilson interval', () => {
  it('5 of 100 at 95%: [0.02154, 0.11175] (the textbook values)', () => {
    const w = wilsonInterval(5, 100);
    expect(w.low).toBeCloseTo(0.021544, 5);
    expect(w.high).toBeCloseTo(0.11175, 5);
  });

  it('is exactly 0 or 1 at the edges and [0, 1] without data', () => {
    expect(wilsonInterval(0, 10).low).toBe(0);
    expect(wilsonInterval(10, 10).high).toBe(1);
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it('always holds the observed rate, inside [0, 1]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const x = Math.round(f * n);
        const w = wilsonInterval(x, n);
        expect(w.low).toBeGreaterThanOrEqual(0);
        expect(w.high).toBeLessThanOrEqual(1);
        expect(w.low).toBeLessThanOrEqual(x / n + 1e-12);
        expect(w.high).toBeGreaterThanOrEqual(x / n - 1e-12);
      }),
    );
  });
});

describe('two-proportion test', () => {
  it('550/10000 vs 500/10000: z 1.5852, p 0.1129 (pooled), difference 0.005 ± 0.00618', () => {
    const t = twoProportionTest(550, 10_000, 500, 10_000)!;
    expect(t.z).toBeCloseTo(1.585206, 5);
    expect(t.pValue).toBeCloseTo(0.1129195, 6);
    expect(t.difference).toBeCloseTo(0.005, 12);
    expect(t.interval.low).toBeCloseTo(-0.00118166, 6);
    expect(t.interval.high).toBeCloseTo(0.01118166, 6);
  });

  it('is antisymmetric and null without data', () => {
    const a = twoProportionTest(30, 400, 50, 500)!;
    const b = twoProportionTest(50, 500, 30, 400)!;
    expect(a.z).toBeCloseTo(-b.z, 12);
    expect(a.pValue).toBeCloseTo(b.pValue, 12);
    expect(twoProportionTest(0, 0, 5, 10)).toBeNull();
  });
});

describe('sample size', () => {
  it('5.0% → 5.5% at α 0.05, power 0.8 needs 31,234 per group (Fleiss)', () => {
    expect(sampleSizePerGroup(0.05, 0.055)).toBe(31_234);
  });

  it('grows with power and shrinks with the effect; infinite for no effect', () => {
    expect(sampleSizePerGroup(0.05, 0.055, 0.05, 0.9)).toBeGreaterThan(sampleSizePerGroup(0.05, 0.055));
    expect(sampleSizePerGroup(0.05, 0.06)).toBeLessThan(sampleSizePerGroup(0.05, 0.055));
    expect(sampleSizePerGroup(0.05, 0.05)).toBe(Number.POSITIVE_INFINITY);
  });
});
