/** Sticky assignment: a pure function of (experiment, user), following the shares, independent across experiments. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignmentFor, assignmentPoint, assignVariant } from '../../../shared/experiments/assign';
import type { Experiment } from '../../../shared/experiments/schema';

const exp = (experimentId: string, shares: number[]): Experiment => ({
  experimentId,
  status: 'running',
  variants: shares.map((share, i) => ({ name: `v${i}`, share, pipeline: {} })),
  control: 'v0',
  minDetectableEffect: 0.1,
  alpha: 0.05,
  power: 0.8,
  createdAt: '2026-11-30T00:00:00.000Z',
  updatedAt: '2026-11-30T00:00:00.000Z',
});

/** Shares in whole percent summing to 100, 2..5 variants. */
const shares = fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 4 }).map((cuts) => {
  const points = [0, ...cuts.sort((a, b) => a - b), 100];
  return points.slice(1).map((p, i) => p - points[i]);
});
const userId = fc.string({ minLength: 1, maxLength: 40 });
const expId = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);

describe('sticky assignment', () => {
  it('is the same for the same (experiment, user), whatever else is asked in between', () => {
    fc.assert(
      fc.property(expId, shares, userId, fc.array(userId, { maxLength: 20 }), (id, s, u, others) => {
        const e = exp(id, s);
        const first = assignVariant(e, u).name;
        for (const o of others) assignVariant(e, o);
        expect(assignVariant(structuredClone(e), u).name).toBe(first);
      }),
    );
  });

  it('never picks a variant with share 0, and ignores the pipelines', () => {
    fc.assert(
      fc.property(expId, shares, userId, (id, s, u) => {
        const e = exp(id, s);
        const v = assignVariant(e, u);
        expect(v.share).toBeGreaterThan(0);
        const other = structuredClone(e);
        other.variants = other.variants.map((x) => ({ ...x, pipeline: { diversity: 0.5 } }));
        expect(assignVariant(other, u).name).toBe(v.name);
      }),
    );
  });

  it('widening a variant only moves users into it (cumulative shares over one uniform point)', () => {
    fc.assert(
      fc.property(expId, userId, fc.integer({ min: 1, max: 98 }), fc.integer({ min: 1, max: 50 }), (id, u, a, more) => {
        const b = Math.min(99, a + more);
        const before = assignVariant(exp(id, [a, 100 - a]), u).name;
        const after = assignVariant(exp(id, [b, 100 - b]), u).name;
        if (before === 'v0') expect(after).toBe('v0');
      }),
    );
  });

  it('follows the shares: 20,000 users into 10/30/60 within 1.5 points each', () => {
    const e = exp('split', [10, 30, 60]);
    const n = 20_000;
    const counts = [0, 0, 0];
    for (let u = 0; u < n; u++) counts[Number(assignVariant(e, `user-${u}`).name.slice(1))]++;
    expect(Math.abs(counts[0] / n - 0.1)).toBeLessThan(0.015);
    expect(Math.abs(counts[1] / n - 0.3)).toBeLessThan(0.015);
    expect(Math.abs(counts[2] / n - 0.6)).toBeLessThan(0.015);
  });

  it('two experiments assign independently (the same user lands anywhere in the other)', () => {
    const n = 8_000;
    const both = [
      [0, 0],
      [0, 0],
    ];
    for (let u = 0; u < n; u++) {
      const a = assignmentPoint('first', `user-${u}`) < 0.5 ? 0 : 1;
      const b = assignmentPoint('second', `user-${u}`) < 0.5 ? 0 : 1;
      both[a][b]++;
    }
    for (const row of both) for (const c of row) expect(Math.abs(c / n - 0.25)).toBeLessThan(0.02);
  });

  it('erased users are never assigned: control pipeline, no label; no experiment, no label', () => {
    const e = exp('x', [50, 50]);
    e.variants[0].pipeline = { diversity: 0.2 };
    expect(assignmentFor(e, 'gone', true)).toEqual({ label: null, variant: e.variants[0] });
    expect(assignmentFor(null, 'u', false)).toEqual({ label: null, variant: null });
    expect(assignmentFor(e, 'u', false).label).toMatch(/^x:v[01]$/);
  });
});
