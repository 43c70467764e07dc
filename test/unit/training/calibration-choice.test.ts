/**
 * The P(click) source choice: tiny exact cases, then planted slots where the
 * network's P is calibrated (and Platt, a logistic in the served score, cannot
 * match it), trained at 1 : k (the prior correction repairs it), logistic in its
 * logit (Platt on the logit repairs it) or shifted (Platt and the calibrated network both repair it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  calibrate,
  fitPlatt,
  type NetworkCalibration,
  networkProbability,
  priorCorrected,
  rawForNetworkProbability,
} from '../../../shared/math/calibration';
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
    expect(c.network).toEqual({ method: 'raw' });
    expect(c.comparison).toMatchObject({ slots: 8, networkSlots: 8 });
    expect(c.comparison!.network.ece).toBe(0);
    expect(c.comparison!.methods!.raw!.ece).toBe(0);
    expect(Object.keys(c.comparison!.methods!)).toEqual(['raw', 'platt']);
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
    expect(c.comparison!.methods!.raw!.ece).toBeCloseTo(0.45, 12);
    expect(c.comparison!.platt.ece).toBeLessThan(0.1);
    // a constant P carries nothing Platt's intercept lacks: Platt on its logit ties, and a tie keeps Platt
    expect(c.comparison!.network.ece).toBe(c.comparison!.platt.ece);
    expect(c.network?.method).toBe('platt');
    expect(c.source).toBe('platt');
  });

  it('undoes the 1 : k prior exactly: P = k·π·P₀/(1 − P₀), π = ρ·h/c per user', () => {
    // two feature cells of one user: A with 100 candidates, 20 hits; B with 300 candidates, 5 hits
    // (π = 25/400); 4 negatives per positive over the candidates put 25 at A and 75 at B, so a
    // network fitting its training answers P₀ = 20/45 at A and 5/80 at B
    expect(priorCorrected(20 / 45, 4, 25 / 400)).toBeCloseTo(20 / 100, 12);
    expect(priorCorrected(5 / 80, 4, 25 / 400)).toBeCloseTo(5 / 300, 12);
    expect(priorCorrected(0, 4, 0.1)).toBe(0);
    expect(priorCorrected(1, 4, 0.1)).toBe(1);
    // beyond P₀ = 1/(1 + kπ) the odds would claim more hits than candidates: capped
    expect(priorCorrected(0.9, 4, 0.1)).toBe(1);
    // the same user through the served map: ρ = 0.125 hits per history item, 200 history items, 400 candidates
    const prior: NetworkCalibration = { method: 'prior', negatives: 4, perHistoryItem: 0.125 };
    const user = { history: 200, candidates: 400 };
    expect(networkProbability(prior, 20 / 45, user)).toBeCloseTo(0.2, 12);
    expect(networkProbability(prior, 5 / 80, user)).toBeCloseTo(5 / 300, 12);
    // a user with twice the history expects twice the hits among the same candidates
    expect(networkProbability(prior, 5 / 80, { history: 400, candidates: 400 })).toBeCloseTo(10 / 300, 12);
    expect(networkProbability({ method: 'raw' }, 0.3, user)).toBe(0.3);
    expect(networkProbability(undefined, 0.3, user)).toBe(0.3);
    expect(networkProbability({ method: 'platt', a: 1, b: 0 }, 0.3, user)).toBeCloseTo(0.3, 12);
    expect(networkProbability({ method: 'platt', a: 2, b: -1 }, 0.5, user)).toBeCloseTo(1 / (1 + Math.E), 12);
    // Platt on the prior-corrected log-odds: z = logit P₀ + log(k·π) = log(0.25·(20/25)) at cell A
    const onZ: NetworkCalibration = { method: 'platt', a: 1, b: 0, negatives: 4, perHistoryItem: 0.125 };
    expect(networkProbability(onZ, 20 / 45, user)).toBeCloseTo(0.2 / 1.2, 12);
  });

  it('the prior correction recovers every cell’s hit rate from a 1 : k training distribution (fast-check)', () => {
    const cell = fc.record({ candidates: fc.integer({ min: 1, max: 500 }), share: fc.double({ min: 0, max: 1 }) });
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 20 }), (cells, k) => {
        const hits = cells.map((c) => Math.round(c.share * c.candidates));
        const total = cells.reduce((s, c) => s + c.candidates, 0);
        const pos = hits.reduce((s, h) => s + h, 0);
        fc.pre(pos > 0);
        cells.forEach((c, q) => {
          // sampled negatives spread like the candidates: k per positive in all
          const negatives = (k * pos * c.candidates) / total;
          const raw = hits[q] / (hits[q] + negatives);
          expect(priorCorrected(raw, k, pos / total)).toBeCloseTo(hits[q] / c.candidates, 9);
        });
      }),
    );
  });

  it('inverts each network map (the minProbability bound) and has none for a decreasing Platt', () => {
    const maps: NetworkCalibration[] = [
      { method: 'raw' },
      { method: 'prior', negatives: 4, perHistoryItem: 0.03 },
      { method: 'platt', a: 0.7, b: -1.5 },
      { method: 'platt', a: 1.3, b: 0.2, negatives: 4, perHistoryItem: 0.03 },
    ];
    const user = fc.record({ history: fc.integer({ min: 0, max: 500 }), candidates: fc.integer({ min: 0, max: 300 }) });
    fc.assert(
      fc.property(fc.constantFrom(...maps), fc.double({ min: 0.001, max: 0.999, noNaN: true }), user, (m, p, u) => {
        const raw = rawForNetworkProbability(m, p, u)!;
        expect(networkProbability(m, raw, u)).toBeCloseTo(p, 9);
      }),
    );
    expect(rawForNetworkProbability({ method: 'platt', a: -1, b: 0 }, 0.5, { history: 1, candidates: 1 })).toBeNull();
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
    const ece = Math.round(expectedCalibrationError(mixed, y) * 1e6) / 1e6;
    expect(half.comparison!.methods!.raw!.ece).toBeCloseTo(ece, 12);
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
  /**
   * Each slot's true P drawn from `truth`, its hit sampled from it; the network says `net(q)` and the
   * served score is 1 + that (the ranker's), so Platt is a logistic in it.
   */
  function planted(
    seed: number,
    truth: (rng: Rng, u: number) => number,
    net: (q: number, u: number) => number,
    prior?: { negatives: number; perHistoryItem: number },
    history = (_u: number) => 10,
  ) {
    const rng = new Rng(seed);
    const p: number[] = [];
    const y: number[] = [];
    const users: number[] = [];
    for (let u = 0; u < 2000; u++)
      for (let r = 0; r < 10; r++) {
        const q = truth(rng, u);
        p.push(net(q, u));
        y.push(rng.next() < q ? 1 : 0);
        users.push(u);
      }
    const user = (t: number) => ({ history: history(users[t]), candidates: 100 });
    return chooseCalibration({ ...slots(p, y, users), prior, user });
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

  it('serves the prior-corrected network where users differ in how often they hit and its raw P cannot tell', () => {
    // ρ = 0.2 hits per history item, 100 candidates: π_u = 0.01 or 0.12 by history 5 or 60 (half
    // the users each, in both cross-fitting folds); an item's lift over π_u is 1 or 50 for the light
    // users, 0.25 or 6 for the heavy ones (P 0.01, 0.5; 0.03, 0.72). Trained at 1 : 4 for every user,
    // a network fitting its training learns odds q / (4·π_u) = lift / 4: P₀ 0.2, 0.93; 0.06, 0.6 —
    // not in the order of the truth, which no increasing map of the served score 1 + P₀ can repair
    const prior = { negatives: 4, perHistoryItem: 0.2 };
    const kind = (u: number) => (u >> 1) & 1;
    const history = (u: number) => [5, 60][kind(u)];
    const lifts = [
      [1, 50],
      [0.25, 6],
    ];
    for (const seed of [1, 2]) {
      const c = planted(
        seed,
        (rng, u) => (lifts[kind(u)][rng.int(2)] * 0.2 * history(u)) / 100,
        (q, u) => {
          const odds = q / (4 * ((0.2 * history(u)) / 100));
          return odds / (1 + odds);
        },
        prior,
        history,
      );
      const m = c.comparison!.methods!;
      expect(m.raw!.ece).toBeGreaterThan(0.15);
      expect(m.prior!.ece).toBeLessThan(0.01);
      expect(c.comparison!.prior).toEqual(prior);
      expect(c.source).toBe('network');
      expect(c.comparison!.network.ece).toBeLessThan(0.01);
      expect(c.comparison!.platt.ece).toBeGreaterThan(c.comparison!.network.ece + 0.03);
    }
  });

  it('serves Platt on the network’s logit where the truth is σ(2·logit P − 2): Platt on the score cannot', () => {
    const levels = [0.2, 0.5, 0.8, 0.95, 0.995];
    const truthOf = (p: number) => 1 / (1 + Math.exp(-(2 * Math.log(p / (1 - p)) - 2)));
    for (const seed of [1, 2]) {
      const c = planted(
        seed,
        (rng) => truthOf(levels[rng.int(5)]),
        (q) => levels.find((p) => Math.abs(truthOf(p) - q) < 1e-12)!,
        undefined,
      );
      expect(c.comparison!.methods!.raw!.ece).toBeGreaterThan(0.05);
      expect(c.source).toBe('network');
      expect(c.network?.method).toBe('platt');
      expect(c.comparison!.network.ece).toBeLessThan(0.01);
      expect(c.comparison!.platt.ece).toBeGreaterThan(c.comparison!.network.ece + 0.015);
      if (c.network?.method !== 'platt') return;
      expect(c.network.a).toBeCloseTo(2, 0);
      expect(c.network.b).toBeCloseTo(-2, 0);
    }
  });

  it('repairs a network 0.3 too high (truth uniform on [0.1, 0.6]): its raw P is far off, Platt is not', () => {
    for (const seed of [1, 2]) {
      const c = planted(
        seed,
        (rng) => 0.1 + 0.5 * rng.next(),
        (q) => q + 0.3,
      );
      expect(c.comparison!.methods!.raw!.ece).toBeGreaterThan(0.25);
      expect(c.comparison!.methods!.platt!.ece).toBeLessThan(0.03);
      expect(c.comparison!.platt.ece).toBeLessThan(0.03);
      expect(c.network?.method).toBe('platt');
      expect(c.source).toBe(c.comparison!.network.ece < c.comparison!.platt.ece ? 'network' : 'platt');
    }
  });
});
