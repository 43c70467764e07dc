import { describe, expect, it } from 'vitest';
import { calibrate, fitCalibration, fitPlatt, reliabilityBins } from '../../../shared/math/calibration';
import { Rng } from '../../../shared/math/rng';

describe('Platt scaling', () => {
  it('recovers known a, b from sampled hits', () => {
    const rng = new Rng(5);
    const n = 40_000;
    const a = 2.5;
    const b = -1.2;
    const s = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let t = 0; t < n; t++) {
      s[t] = rng.next() * 2 - 0.5;
      y[t] = rng.next() < 1 / (1 + Math.exp(-(a * s[t] + b))) ? 1 : 0;
    }
    const fit = fitPlatt(s, y);
    expect(fit.a).toBeCloseTo(a, 0);
    expect(Math.abs(fit.a - a)).toBeLessThan(0.15);
    expect(Math.abs(fit.b - b)).toBeLessThan(0.1);
    const cal = fitCalibration(s, y);
    // bins of a well-specified model are reliable
    for (const bin of cal.bins!)
      if (bin.count > 500) expect(Math.abs(bin.meanPredicted - bin.observedRate)).toBeLessThan(0.05);
    expect(calibrate(cal, 0)).toBeGreaterThan(0);
  });

  it('bins count and average correctly', () => {
    const bins = reliabilityBins([0.05, 0.15, 0.12, 0.95], [0, 1, 0, 1], 10);
    expect(bins.map((b) => b.count)).toEqual([1, 2, 1]);
    expect(bins[1]).toMatchObject({ lo: 0.1, hi: 0.2, observedRate: 0.5 });
    expect(bins[1].meanPredicted).toBeCloseTo(0.135, 12);
  });
});
