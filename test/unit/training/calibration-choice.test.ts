/**
 * The P(click) source choice: tiny exact cases, then planted slots where the
 * network's P is calibrated (and Platt, a logistic in the served score, cannot
 * match it) or overconfident (and Platt repairs it).
 */
import { describe, expect, it } from 'vitest';
import { calibrate, fitPlatt } from '../../../shared/math/calibration';
import { expectedCalibrationError, rankerProbability } from '../../../shared/math/neural/ece';
import { Rng } from '../../../shared/math/rng';
import { chooseCalibration, crossFittedPlatt } from '../../../shared/training/calibration-choice';

/** Slots whose served score is the ranker's 1 + P, P given per slot. */
function slots(p: number[], hits: number[], users: number[]) {
  const scores = Float32Array.from(p, (x) => 1 + x);
  return { scores, hits: Uint8Array.from(hits), users: Int32Array.from(users), network: (t: number) => p[t] };
}

describe('chooseCalibration', () => {
  it('chooses the network when its P matches the hit rates exactly (ECE 0)', () => {
    // four users, two slots each: P 0.25 on four slots with one hit, 0.75 on four with three
    const p = [0.25, 0.75, 0.25, 0.75, 0.25, 0.75, 0.25, 0.75];
    const y = [1, 1, 0, 1, 0, 0, 0, 1];
    const c = chooseCalibration(slots(p, y, [0, 0, 1, 1, 2, 2, 3, 3]));
    expect(c.source).toBe('network');
    expect(c.comparison).toMatchObject({ slots: 8, networkSlots: 8 });
    expect(c.comparison!.network.ece).toBe(0);
    expect(c.comparison!.network.bins.map((b) => [b.count, b.observedRate])).toEqual([
      [4, 0.25],
      [4, 0.75],
    ]);
    expect(c.comparison!.platt.ece).toBeGreaterThan(0);
    // the served Platt is fitted on every slot, as before the choice existed
    const all = fitPlatt(
      Float32Array.from(p, (x) => 1 + x),
      y,
      { plattTargets: true },
    );
    expect(c.a).toBeCloseTo(all.a, 12);
    expect(c.b).toBeCloseTo(all.b, 12);
  });

  it('keeps Platt when the network is overconfident: P 0.95 where half the slots hit', () => {
    const p = [0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95];
    const y = [1, 0, 1, 0, 0, 1, 0, 1];
    const c = chooseCalibration(slots(p, y, [0, 0, 1, 1, 2, 2, 3, 3]));
    expect(c.comparison!.network.ece).toBeCloseTo(0.45, 12);
    expect(c.comparison!.platt.ece).toBeLessThan(0.1);
    expect(c.source).toBe('platt');
  });

  it('counts a slot without a network P with Platt on both sides; none at all keeps Platt', () => {
    const p = [0.25, 0.75, 0.25, 0.75];
    const y = [0, 1, 0, 1];
    const s = slots(p, y, [0, 0, 1, 1]);
    const none = chooseCalibration({ ...s, network: () => null });
    expect(none.source).toBe('platt');
    expect(none.comparison!.networkSlots).toBe(0);
    expect(none.comparison!.network.ece).toBe(none.comparison!.platt.ece);
    const platt = crossFittedPlatt(s);
    const half = chooseCalibration({ ...s, network: (t) => (t === 0 ? Number.NaN : p[t]) });
    expect(half.comparison!.networkSlots).toBe(3);
    const mixed = [platt[0], p[1], p[2], p[3]];
    expect(half.comparison!.network.ece).toBeCloseTo(Math.round(expectedCalibrationError(mixed, y) * 1e6) / 1e6, 12);
  });

  it("cross-fits Platt: a slot's P comes from the fit on the other half of the users", () => {
    const scores = Float32Array.from([0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6]);
    const hits = Uint8Array.from([0, 1, 0, 1, 1, 1, 0, 0]);
    const users = Int32Array.from([0, 0, 1, 1, 2, 2, 3, 3]);
    const out = crossFittedPlatt({ scores, hits, users });
    const pick = (ts: number[]) => ts.map((t) => scores[t]);
    const even = fitPlatt(pick([0, 1, 4, 5]), [0, 1, 1, 1], { plattTargets: true });
    const odd = fitPlatt(pick([2, 3, 6, 7]), [0, 1, 0, 0], { plattTargets: true });
    // users 0 and 2 (even) get the fit on the odd users, and the other way round
    for (const t of [0, 1, 4, 5]) expect(out[t]).toBeCloseTo(calibrate(odd, scores[t]), 12);
    for (const t of [2, 3, 6, 7]) expect(out[t]).toBeCloseTo(calibrate(even, scores[t]), 12);
  });

  it('reads the network P back from a ranker score: 1 + P for candidates, none below', () => {
    expect(rankerProbability(1.25)).toBe(0.25);
    expect(rankerProbability(Math.fround(1 + 0.3))).toBeCloseTo(0.3, 6);
    expect(rankerProbability(-1.5)).toBeNull();
    expect(rankerProbability(-Infinity)).toBeNull();
  });
});

describe('chooseCalibration on planted slots (2000 users × 10 slots)', () => {
  /** Each slot's true P drawn from `truth`, its hit sampled from it; the network says `net(q)`. */
  function planted(seed: number, truth: (rng: Rng) => number, net: (q: number) => number) {
    const rng = new Rng(seed);
    const p: number[] = [];
    const y: number[] = [];
    const users: number[] = [];
    for (let u = 0; u < 2000; u++)
      for (let r = 0; r < 10; r++) {
        const q = truth(rng);
        p.push(net(q));
        y.push(rng.next() < q ? 1 : 0);
        users.push(u);
      }
    return chooseCalibration(slots(p, y, users));
  }

  it('chooses the network where its P is the truth and no logistic of it fits (P in {0.02, 0.3, 0.35, 0.95})', () => {
    const levels = [0.02, 0.3, 0.35, 0.95];
    for (const seed of [1, 2]) {
      const c = planted(
        seed,
        (rng) => levels[rng.int(4)],
        (q) => q,
      );
      expect(c.source).toBe('network');
      expect(c.comparison!.network.ece).toBeLessThan(0.01);
      expect(c.comparison!.platt.ece).toBeGreaterThan(c.comparison!.network.ece + 0.015);
    }
  });

  it('keeps Platt where the network is 0.3 too high (truth uniform on [0.1, 0.6])', () => {
    for (const seed of [1, 2]) {
      const c = planted(
        seed,
        (rng) => 0.1 + 0.5 * rng.next(),
        (q) => q + 0.3,
      );
      expect(c.source).toBe('platt');
      expect(c.comparison!.network.ece).toBeGreaterThan(0.25);
      expect(c.comparison!.platt.ece).toBeLessThan(0.03);
    }
  });
});
