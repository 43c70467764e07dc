/**
 * The large path publishes the single job's extras: when it serves ALS over a
 * catalog with metadata, ALS's cold-item ridge (a new item scores as on the
 * single path), and the manifest's exposure block (the same users measured,
 * the same numbers within tolerance). Planted data where item categories are
 * the clusters users prefer; a 30 s budget plans no ranker on either path.
 */
import { describe, expect, it } from 'vitest';
import type { LocalHandler } from '../../../infra/local/train-workflow';
import type { Interaction } from '../../../shared/events';
import type { AlsParams } from '../../../shared/math/als';
import { loadFitted } from '../../../shared/model/kinds';
import { COLD_FILES } from '../../../shared/model/kinds/cold-ridge';
import { loadLatestModel } from '../../../shared/model/repository';
import { exposureUserCap } from '../../../shared/training/distributed/exposure';
import { trainPipeline } from '../../../shared/training/pipeline';
import type { WorkflowFunction } from '../../../shared/workflow/definition';
import * as cold from '../serving/cold-fixture';
import { localLargePath, plantedShop, runLarge, shopDataset } from './fixture';

const PARAMS: Partial<AlsParams> = { factors: 16, iterations: 8 };

const run = (h: Record<WorkflowFunction, LocalHandler>, input: Record<string, unknown> = {}) =>
  runLarge(h, PARAMS, input);

describe('the large path’s ALS artifact carries the single path’s extras (local interpreter)', () => {
  const data = plantedShop();

  it('ALS’s cold-item ridge: a new item gets the single path’s scores; the exposure block agrees', async () => {
    const d = await shopDataset(data);
    const single = trainPipeline(d, {
      kind: 'als',
      params: PARAMS,
      tune: false,
      budgetSeconds: 30,
      seed: 42,
      split: 'user',
      evaluate: true,
      version: 'v',
      createdAt: new Date().toISOString(),
    }).model;
    expect(single.manifest.kind).toBe('als');

    const s = localLargePath(data.events, data.metadata, { trainBudgetSeconds: 30, shardInteractions: 2000 });
    expect(await run(s.handlers)).toMatchObject({ path: 'distributed', decision: 'published' });
    const large = (await loadLatestModel(s.models, 'models/'))!;
    expect(large.manifest.kind).toBe('als');
    expect(large.manifest.tuning?.neuralRanker).toEqual({
      served: 'als',
      reason: 'a 30 s training budget plans no ranker',
    });
    expect(Object.keys(large.manifest.files)).toEqual(expect.arrayContaining(Object.values(COLD_FILES)));
    expect(large.parts?.[COLD_FILES.json]).toEqual(single.parts?.[COLD_FILES.json]);

    // the same users (by id) score the same new items alike: the ridge is fitted on item factors that agree
    const [a, b] = [loadFitted(single), loadFitted(large)];
    expect(large.userIds).toEqual(single.userIds);
    const f = large.factors;
    let worst = 0;
    let scale = 0;
    for (const tokens of [['c:k0'], ['c:k3'], ['c:k1', 'c:k5'], ['c:k7', 'c:unknown']]) {
      const [va, vb] = [a.coldItems!.vectorOf(tokens)!, b.coldItems!.vectorOf(tokens)!];
      for (let u = 0; u < large.userIds.length; u++) {
        let sa = 0;
        let sb = 0;
        for (let k = 0; k < f; k++) {
          sa += single.userFactors[u * f + k]! * va[k]!;
          sb += large.userFactors[u * f + k]! * vb[k]!;
        }
        worst = Math.max(worst, Math.abs(sa - sb));
        scale = Math.max(scale, Math.abs(sa));
      }
    }
    expect(scale).toBeGreaterThan(0.05);
    expect(worst).toBeLessThan(1e-4 * scale); // measured 9e-8 of 0.36

    // exposure: the same users measured (evenly spaced, every one here); measured equal to every digit
    const [ea, eb] = [single.manifest.exposure!, large.manifest.exposure!];
    expect(eb.users).toBe(ea.users);
    expect(eb.groupedBy).toBe('category');
    for (const key of ['gini', 'coverage', 'longTail', 'longTailInteractions'] as const)
      expect(Math.abs(eb[key] - ea[key])).toBeLessThanOrEqual(0.002);
    const shares = (e: typeof ea) => Object.fromEntries((e.groups ?? []).map((g) => [g.group, g.exposure]));
    const [sa, sb] = [shares(ea), shares(eb)];
    expect(Object.keys(sb).sort()).toEqual(Object.keys(sa).sort());
    for (const g of Object.keys(sa)) expect(Math.abs(sb[g]! - sa[g]!)).toBeLessThanOrEqual(0.002);
  }, 120_000);

  it('serving answers a new catalog item through a large-path model’s ridge: rank and similar', async () => {
    // the serving tests' planted clusters (item i's category k{i mod 4}, user u's taste u mod 4), as events
    const events: Interaction[] = cold.data.triples.map((t, n) => ({
      eventId: `e${n}`,
      userId: t.userId,
      itemId: t.itemId,
      type: 'view',
      timestamp: t.timestamp,
      receivedAt: t.timestamp,
    }));
    const ids = [...new Set(events.map((e) => e.itemId))];
    const catalog = ids.map((id) => cold.record(id, [cold.categoryOf(id)], true, '2026-01-01T00:00:00.000Z'));
    const s = localLargePath(events, { listCatalog: async () => catalog }, { trainBudgetSeconds: 30 });
    expect(
      await run(s.handlers, { params: { factors: 8, iterations: 8, regularization: 0.1, alpha: 2 } }),
    ).toMatchObject({
      decision: 'published',
    });
    const model = (await loadLatestModel(s.models, 'models/'))!;
    expect(model.manifest.kind).toBe('als');
    const core = cold.serve(model);
    const ridge = loadFitted(model).coldItems!;
    const f = model.factors;
    // ranked: a new item of the user's cluster above another cluster's, both by their metadata vector
    let right = 0;
    for (let u = 0; u < 40; u++) {
      const c = cold.data.userCluster[u]!;
      const r = await core.rank(`u${u}`, [`new-${(c + 1) % cold.clusters}`, `new-${c}`]);
      const mine = r.items.find((i) => i.itemId === `new-${c}`)!;
      expect(mine.coldStart).toBe(true);
      // the ridge's answer (U_u · v̂), not the content fallback serving uses for a model without one
      const v = ridge.vectorOf([`c:k${c}`])!;
      const row = model.userIds.indexOf(`u${u}`);
      let dot = 0;
      for (let k = 0; k < f; k++) dot += model.userFactors[row * f + k]! * v[k]!;
      expect(mine.score).toBeCloseTo(dot, 5);
      if (r.items[0]!.itemId === `new-${c}`) right++;
    }
    expect(right).toBeGreaterThanOrEqual(32);
    // similar items of a new item: its category's items
    const own = await core.similar('new-1', 10);
    expect(own.items).toHaveLength(10);
    const sameCluster = own.items.filter((i) => !i.coldStart && cold.categoryOf(i.itemId) === 'k1');
    expect(sameCluster.length).toBeGreaterThanOrEqual(7);
  }, 60_000);

  it('without a catalog: no ridge, no groups; exposure on every user under the 5,000 bound', async () => {
    const s = localLargePath(data.events, undefined, { trainBudgetSeconds: 30, shardInteractions: 2000 });
    expect(await run(s.handlers)).toMatchObject({ decision: 'published' });
    const m = (await loadLatestModel(s.models, 'models/'))!;
    // no catalog: no ridge, no groups; the numbers are there
    expect(Object.keys(m.manifest.files)).not.toContain(COLD_FILES.ridge);
    expect(m.manifest.exposure).toMatchObject({ users: 800, k: 10 });
    expect(m.manifest.exposure?.groups).toBeUndefined();
    expect(m.manifest.exposure!.coverage).toBeGreaterThan(0);
    // the bound: users × items scored at most
    expect([exposureUserCap(400), exposureUserCap(40_000), exposureUserCap(1_000_000)]).toEqual([5000, 5000, 200]);
  }, 60_000);
});
