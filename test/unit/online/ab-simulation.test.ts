/**
 * The A/B decision on simulated traffic with planted click-through rates
 * (deterministic seeds): at the sample the report says it needs, a 5.0% → 5.5%
 * lift is found with the stated power (80%), never reversed; with no lift the
 * false-positive rate is the test's level; below the needed sample the report
 * says "too small to decide". Then one run through the whole path: sticky
 * assignment → impression/click events → fold → report.
 */
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import { assignmentFor } from '../../../shared/experiments/assign';
import type { Experiment } from '../../../shared/experiments/schema';
import { Rng } from '../../../shared/math/rng';
import { emptyState, foldEvents } from '../../../shared/online/aggregate';
import { buildReport, compare, type Decision } from '../../../shared/online/report';
import { sampleSizePerGroup } from '../../../shared/online/stats';

// The sample is planned from control's baseline CTR, as an experiment should be.
const EXP = { alpha: 0.05, power: 0.8, minDetectableEffect: 0.1, baseline: { ctr: 0.05 } };
const TRIALS = 400;

function clicks(rng: Rng, n: number, p: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) x++;
  return x;
}

/** Decisions over TRIALS simulated experiments of n impressions per side. */
function simulate(seed: number, pControl: number, pVariant: number, n: number): Record<Decision, number> {
  const rng = new Rng(seed);
  const out: Record<Decision, number> = {
    better: 0,
    worse: 0,
    'no significant difference': 0,
    'too small to decide': 0,
  };
  for (let t = 0; t < TRIALS; t++) {
    const x0 = clicks(rng, n, pControl);
    const x1 = clicks(rng, n, pVariant);
    out[compare('ctr', 'b', x1, n, x0, n, EXP).decision]++;
  }
  return out;
}

describe('A/B simulation with planted CTRs', () => {
  const needed = sampleSizePerGroup(0.05, 0.055, EXP.alpha, EXP.power);

  it('5.0% vs 5.5% at the needed sample: "better" in 80% ± 3 standard errors of trials, "worse" never', () => {
    const d = simulate(42, 0.05, 0.055, needed);
    const se = Math.sqrt((0.8 * 0.2) / TRIALS);
    expect(d.better / TRIALS).toBeGreaterThan(0.8 - 3 * se);
    expect(d.better / TRIALS).toBeLessThan(0.8 + 3 * se);
    expect(d.worse).toBe(0);
    expect(d['too small to decide']).toBe(0);
  });

  it('5.0% vs 5.0%: a difference is declared in about α = 5% of trials', () => {
    const d = simulate(7, 0.05, 0.05, needed);
    const rate = (d.better + d.worse) / TRIALS;
    const se = Math.sqrt((0.05 * 0.95) / TRIALS);
    expect(rate).toBeGreaterThan(0.05 - 3 * se);
    expect(rate).toBeLessThan(0.05 + 3 * se);
  });

  it('at a quarter of the needed sample the answer is always "too small to decide"', () => {
    const d = simulate(3, 0.05, 0.055, Math.floor(needed / 4));
    expect(d['too small to decide']).toBe(TRIALS);
  });
});

describe('the whole path', () => {
  it('sticky assignment → events → fold → report finds the planted better variant', () => {
    const exp: Experiment = {
      experimentId: 'ctr-test',
      status: 'running',
      variants: [
        { name: 'control', share: 50, pipeline: {} },
        { name: 'diverse', share: 50, pipeline: { diversity: 0.3 } },
      ],
      control: 'control',
      alpha: 0.05,
      power: 0.8,
      minDetectableEffect: 0.4,
      createdAt: '2026-11-30T00:00:00.000Z',
      updatedAt: '2026-11-30T00:00:00.000Z',
    };
    // 5% vs 7%: the lift is large enough that one seeded run decides it with near certainty
    const planted: Record<string, number> = { 'ctr-test:control': 0.05, 'ctr-test:diverse': 0.07 };
    const rng = new Rng(11);
    const T = Date.UTC(2026, 10, 30);
    const events: Interaction[] = [];
    let e = 0;
    for (let u = 0; u < 3000; u++) {
      const userId = `user-${u}`;
      const { label } = assignmentFor(exp, userId, false);
      for (let r = 0; r < 2; r++) {
        const rec = `0190a000-0000-7000-8000-${(u * 2 + r).toString(16).padStart(12, '0')}`;
        for (let pos = 1; pos <= 5; pos++) {
          const base = { userId, itemId: `i${(u + pos) % 97}`, timestamp: T, receivedAt: T + 1, recommendationId: rec };
          events.push({
            ...base,
            eventId: `e${e++}`,
            type: 'impression',
            position: pos,
            modelVersion: 'v1',
            variant: label!,
          });
          if (rng.next() < planted[label!]) events.push({ ...base, eventId: `e${e++}`, type: 'click' });
        }
      }
    }
    const state = emptyState(T);
    foldEvents(state, events, T + 10);
    const report = buildReport(state, exp, 97);
    const rows = report.experiment!.variants;
    expect(rows.map((r) => r.variant)).toEqual(['ctr-test:control', 'ctr-test:diverse']);
    expect(rows[0].impressions + rows[1].impressions).toBe(30_000);
    // the hash splits 3,000 users close to half and half
    expect(Math.abs(rows[0].impressions - 15_000)).toBeLessThan(1_000);
    const ctr = report.experiment!.comparisons.find((c) => c.metric === 'ctr')!;
    expect(ctr.neededPerVariant).toBeLessThan(rows[0].impressions);
    expect(ctr.decision).toBe('better');
    expect(ctr.difference!).toBeGreaterThan(0.01);
    const conv = report.experiment!.comparisons.find((c) => c.metric === 'conversion')!;
    expect(conv.decision).toBe('too small to decide');
  });
});
