import { describe, expect, it } from 'vitest';
import { holdoutSplit, trialWork, tuneAls } from '../../../shared/math/hpo';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { buildInteractionMatrix } from '../../../shared/math/interactions';
import type { Csr } from '../../../shared/math/csr';

function planted(users: number, items: number, eventsPerUser: number): Csr {
  const d = generateSynthetic({ users, items, clusters: Math.max(3, Math.round(items / 40)), eventsPerUser, seed: 5 });
  return buildInteractionMatrix(d.triples).matrix;
}

describe('tuneAls confirm splits', () => {
  const ui = planted(300, 200, 15);

  it('re-ranks the top trials at the chosen size on the confirm splits, reproducibly', () => {
    const opts = {
      budgetSeconds: 60,
      seed: 3,
      maxTrials: 14,
      factors: [8, 16],
      confirm: { splits: [holdoutSplit(ui, 0.9, 10, 'user'), holdoutSplit(ui, 0.9, 11, 'user')], top: 3 },
    };
    const a = tuneAls(ui, opts);
    const b = tuneAls(ui, opts);
    expect(a.best).toEqual(b.best);
    const confirmed = a.log.filter((t) => t.phase === 'confirm');
    const searched = a.log.filter((t) => t.phase !== 'confirm');
    expect(searched.length).toBe(14);
    expect(confirmed.length).toBeGreaterThanOrEqual(1);
    expect(confirmed.length).toBeLessThanOrEqual(3);
    // every confirmed configuration is one the search tried, at one size and iteration count
    const keys = new Set(searched.map((t) => JSON.stringify(t.params)));
    for (const t of confirmed) expect(keys.has(JSON.stringify(t.params))).toBe(true);
    expect(new Set(confirmed.map((t) => `${t.params.factors}/${t.params.iterations}`)).size).toBe(1);
    // the choice is the confirm winner
    const top = confirmed.reduce((x, y) => (y.metric > x.metric ? y : x));
    expect(a.best).toEqual(top.params);
    expect(a.bestMetric).toBe(top.metric);
  });

  it('still ends within a small budget and on tiny data', () => {
    for (const [m, budget] of [
      [ui, 0.5],
      [planted(12, 9, 4), 0.2],
    ] as const) {
      const t0 = performance.now();
      const r = tuneAls(m, { budgetSeconds: budget, seed: 1, confirm: { splits: [holdoutSplit(m, 0.9, 5, 'user')] } });
      expect((performance.now() - t0) / 1000).toBeLessThan(budget + 1.5);
      expect(r.log.length).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(r.bestMetric)).toBe(true);
    }
  });
});

describe('tuneAls work plan', () => {
  const ui = planted(300, 200, 15);
  const shape = { nnz: ui.indptr[ui.rows], rows: ui.rows, cols: ui.cols };

  it('plans by nominal work: the same search on a quiet and a loaded machine, within the plan', () => {
    const work = 40 * trialWork(shape, { factors: 16, iterations: 10, cgSteps: 3 });
    const opts = { budgetSeconds: 600, seed: 4, work, factors: [16, 32] };
    const a = tuneAls(ui, opts);
    // a "loaded machine": another search running in between does not change the plan
    tuneAls(ui, { budgetSeconds: 600, seed: 9, maxTrials: 3, factors: [8] });
    const b = tuneAls(ui, opts);
    expect(a.log.map((t) => [t.params, t.metric])).toEqual(b.log.map((t) => [t.params, t.metric]));
    expect(a.best).toEqual(b.best);
    expect(a.log.length).toBeGreaterThan(5);
    // never starts a trial once the plan is spent: the work of all but the last trial fits the plan
    const spent = a.log.slice(0, -1).reduce((s, t) => s + trialWork(shape, t.params, 2), 0);
    expect(spent).toBeLessThan(work);
  });

  it('a hard stop ends even the first trial', () => {
    const t0 = performance.now();
    const r = tuneAls(ui, {
      budgetSeconds: 600,
      seed: 1,
      work: 1e15,
      factors: [64],
      stop: () => performance.now() - t0 > 30,
    });
    expect(r.log.length).toBe(1);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
